//! Generic credentials by syntax (issue 29): credential files report every
//! value their format defines as a credential, whatever its strength; a
//! literal is found under each assignment form; code, routes, names, nonces,
//! anti-forgery tokens, placeholders and public data are not. Every case goes
//! through the binary; every value is generated here.

use crate::common::*;

/// `(path, rule, secret)` of every secret finding.
fn secrets(env: &Env) -> Vec<(String, String, String)> {
    let (_, v) = env.scan_json(&[".", "--no-config", "--no-redact"]);
    findings(&v)
        .iter()
        .filter(|f| f["kind"] == "secret")
        .map(|f| {
            (
                f["path"].as_str().unwrap_or_default().to_string(),
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["secret"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn assert_found(found: &[(String, String, String)], path: &str, rule: &str, secret: &str) {
    assert!(
        found
            .iter()
            .any(|(p, r, s)| p == path && r == rule && s == secret),
        "expected {rule} with {secret:?} at {path}; found {found:#?}"
    );
}

fn hex(f: &mut Fake, n: usize) -> String {
    f.chars("0123456789abcdef", n)
}

fn uuid(f: &mut Fake) -> String {
    format!(
        "{}-{}-4{}-a{}-{}",
        hex(f, 8),
        hex(f, 4),
        hex(f, 3),
        hex(f, 3),
        hex(f, 12)
    )
}

#[test]
fn credential_files_report_their_fields_whatever_the_strength() {
    let mut f = Fake::new(2901);
    let env = Env::new();
    let strong = format!("{}#{}", f.alnum(6), f.alnum(6));
    env.write(
        ".pgpass",
        format!("# replicas\ndb.acme-corp.dev:5432:orders:svc_orders:{strong}\nreplica.acme-corp.dev:6432:*:report:kestrel\n"),
    );
    env.write(
        "home/.netrc",
        "machine git.acme-corp.dev\n  login deploy\n  password fig\n",
    );
    let npm = uuid(&mut f);
    env.write(
        ".npmrc",
        format!(
            "@acme:registry=https://npm.acme-corp.dev/\n//npm.acme-corp.dev/:_authToken={npm}\n"
        ),
    );
    env.write(
        ".vscode/sftp.json",
        "{\n  \"name\": \"prod\",\n  \"host\": \"sftp.acme-corp.dev\",\n  \"protocol\": \"sftp\",\n  \"username\": \"deploy\",\n  \"password\": \"sunflower\",\n  \"remotePath\": \"/var/www\"\n}\n",
    );
    env.write(
        "deployment.json",
        "{\"host\": \"ftp.acme-corp.dev\", \"user\": \"web\", \"password\": \"orchid42\"}\n",
    );
    let fz = f.alnum(12);
    env.write(
        "sitemanager.xml",
        format!("<?xml version=\"1.0\"?>\n<FileZilla3>\n<Servers>\n<Server>\n<Host>ftp.acme-corp.dev</Host>\n<User>deploy</User>\n<Pass encoding=\"base64\">{fz}</Pass>\n</Server>\n</Servers>\n</FileZilla3>\n"),
    );
    let git = f.alnum(14);
    env.write(
        ".git-credentials",
        format!("https://deploy:{git}@git.acme-corp.dev\n"),
    );
    let found = secrets(&env);
    assert_found(&found, ".pgpass", "pgpass.password", &strong);
    assert_found(&found, ".pgpass", "pgpass.password", "kestrel");
    assert_found(&found, "home/.netrc", "netrc.file-password", "fig");
    assert_found(&found, ".npmrc", "npmrc.auth", &npm);
    assert_found(
        &found,
        ".vscode/sftp.json",
        "sftp-config.password",
        "sunflower",
    );
    assert_found(
        &found,
        "deployment.json",
        "sftp-config.password",
        "orchid42",
    );
    assert_found(&found, "sitemanager.xml", "filezilla.password", &fz);
    assert_found(&found, ".git-credentials", "url.password", &git);
}

#[test]
fn credential_file_rules_stay_in_their_files_and_skip_placeholders() {
    let env = Env::new();
    // The same shapes outside their formats are not credentials.
    env.write(
        "docs/replication.txt",
        "replica.acme-corp.dev:6432:*:report:kestrel\n",
    );
    env.write(
        "package.json",
        "{\"name\": \"app\", \"password\": \"sunflower\"}\n",
    );
    env.write(
        "notes.md",
        "machine git.acme-corp.dev login deploy password fig\n",
    );
    // Placeholders, variables and masks inside the formats are not either.
    env.write(
        ".pgpass",
        "# hostname:port:database:username:password\nlocalhost:5432:*:postgres:password\ndb.acme-corp.dev:5432:app:app:$PGPASSWORD\n",
    );
    env.write(
        "sftp.json",
        "{\"host\": \"sftp.acme-corp.dev\", \"username\": \"deploy\", \"password\": \"${SFTP_PASSWORD}\"}\n",
    );
    env.write(
        ".netrc",
        "machine api.acme-corp.dev login ci password ********\n",
    );
    let found = secrets(&env);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn literals_in_config_and_code_assignment_forms_are_found() {
    let mut f = Fake::new(2902);
    let env = Env::new();
    let mongo = format!("{}{}", f.alnum(10), "x9Q");
    env.write(
        "config/mongoid.yml",
        format!("production:\n  clients:\n    default:\n      uri: mongodb://orders:{mongo}@mongo1.acme-corp.dev:27017/orders\n"),
    );
    let base = hex(&mut f, 128);
    env.write(
        "config/secrets.yml",
        format!("production:\n  secret_key_base: {base}\n"),
    );
    let php = format!("{}!{}", f.alnum(7), f.alnum(6));
    env.write(
        "config.php",
        format!("<?php\n$dbhost = \"db.acme-corp.dev\";\n$dbpasswd = \"{php}\";\n"),
    );
    // A passphrase of capitalised words and a digit, as a keyword default.
    let words = ["Maple", "River", "Quartz", "Harbor", "Tango", "Falcon"];
    let n = (f.alnum(1).as_bytes()[0] as usize) % words.len();
    let phrase = format!("{}{}{}", words[n], 10 + n * 7, words[(n + 2) % words.len()]);
    env.write(
        "client.py",
        format!("def connect(host, user=\"svc\", password=\"{phrase}\"):\n    pass\n"),
    );
    let js = f.alnum(32);
    env.write(
        "src/config.js",
        format!("module.exports = {{\n  payments: {{ apiSecret: '{js}' }},\n}};\n"),
    );
    let rb = f.alnum(32);
    env.write(
        "config/initializers/acme.rb",
        format!("Acme.configure do |c|\n  c.options = {{ :secret => '{rb}' }}\nend\n"),
    );
    let define = f.alnum(32);
    env.write(
        "wp-config.php",
        format!("<?php\ndefine('AUTH_KEY', '{define}');\n"),
    );
    let found = secrets(&env);
    assert_found(&found, "config/mongoid.yml", "database.mongodb-url", &mongo);
    assert_found(
        &found,
        "config/secrets.yml",
        "config.secret-key-base",
        &base,
    );
    assert_found(&found, "config.php", "php.db-password", &php);
    assert_found(&found, "client.py", "generic.password-assignment", &phrase);
    assert_found(&found, "src/config.js", "generic.secret-assignment", &js);
    assert_found(
        &found,
        "config/initializers/acme.rb",
        "generic.secret-assignment",
        &rb,
    );
    assert!(
        found
            .iter()
            .any(|(p, _, s)| p == "wp-config.php" && *s == define),
        "{found:#?}"
    );
}

#[test]
fn code_routes_and_names_are_not_credentials() {
    let mut f = Fake::new(2903);
    let env = Env::new();
    env.write(
        "config/routes.rb",
        "Rails.application.routes.draw do\n  put \"/files/:signed_token\" => \"files#update\"\n  get \"/rails/active_storage/disk/:encoded_token/*filename\" => \"active_storage/disk#show\"\nend\n",
    );
    env.write(
        "app/models/session.rb",
        "class Session\n  SESSION_TOKEN_NAME = \"!session_token\"\n  def rotate\n    password = settings[:password].to_s\n    previous = @account.auth_token\n    path = app_path(\"config\", \"credentials\", \"dev.yml.enc\")\n  end\nend\n",
    );
    let id = f.alnum(24);
    env.write(
        "app/auth.py",
        format!("SESSION_TOKEN_NAME = \"x-session-token-{id}\"\nAPI_KEY_HEADER = \"X-Acme-Api-Key-{id}\"\npassword = request.form[\"password\"]\n"),
    );
    env.write(
        "src/auth.ts",
        format!("const tokenField = \"authTokenFieldName{id}\";\nconst secret = process.env.APP_SECRET;\n"),
    );
    let found = secrets(&env);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn nonces_anti_forgery_tokens_and_public_data_are_not_credentials() {
    let mut f = Fake::new(2904);
    let env = Env::new();
    let nonce = hex(&mut f, 50);
    let sig = hex(&mut f, 64);
    env.write(
        "test/webhook_test.rb",
        format!("payload = {{\n  timestamp: \"1700000000\",\n  token: \"{nonce}\",\n  signature: \"{sig}\"\n}}\n"),
    );
    let csrf = format!("{}+{}==", f.alnum(30), f.alnum(12));
    env.write(
        "docs/forms.html",
        format!("<form action=\"/session\" method=\"post\">\n<input type=\"hidden\" name=\"authenticity_token\" value=\"{csrf}\" />\n</form>\n"),
    );
    let cred_id = f.alnum(43);
    let auth_data = f.alnum(50);
    env.write(
        "test/webauthn_test.rb",
        format!("credential_id = \"{cred_id}\"\nauthenticator_data_token = \"{auth_data}\"\ntoken_digest = \"{}\"\n", hex(&mut f, 40)),
    );
    env.write(
        "spec/webauthn.js",
        format!("const response = {{ credentialId: \"{cred_id}\", authenticatorData: \"{auth_data}\" }};\n"),
    );
    let found = secrets(&env);
    assert!(found.is_empty(), "{found:#?}");

    // The same random value as a secret on its own is one: the filters
    // above are about the syntax, not the value.
    let env = Env::new();
    env.write(
        "config/acme.yml",
        format!("acme:\n  api_token: \"{nonce}\"\n"),
    );
    let found = secrets(&env);
    assert_found(
        &found,
        "config/acme.yml",
        "generic.secret-assignment",
        &nonce,
    );
}

#[test]
fn placeholders_templates_and_prose_are_not_credentials() {
    let env = Env::new();
    env.write(
        "config/initializers/session.rb",
        "Rails.application.config.session_options = { :secret => '8f3a1c9d7e2b4a6f...' }\n",
    );
    env.write(
        "lib/generators/templates/database.yml.tt",
        "production:\n  url: postgres://appuser:password@localhost/app_production\n",
    );
    env.write(
        "docs/api.md",
        "```\ncurl -u user123:pass456 https://api.acme-corp.dev/v1/me\n```\n",
    );
    env.write(
        "src/locales/en.json",
        "{\n  \"TITLE_FORGOT_PASSWORD\": \"Forgot your password?\",\n  \"LABEL_NEW_PASSWORD\": \"Choose a new password for your account\"\n}\n",
    );
    env.write(
        "settings.py",
        "DATABASES = {\"default\": {\"PASSWORD\": 'bar'}}\napi_token = \"VGhpcyBpcyBhIHNlbnRlbmNlIG9mIHBsYWluIEVuZ2xpc2ggdGV4dA==\"\n",
    );
    env.write(
        "src/client.js",
        "const client = new Client({ apiKey: 'sk_live_...', secret: '0f3a9c...' });\n",
    );
    let found = secrets(&env);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn classes_seen_in_real_packages_are_not_credentials() {
    let mut f = Fake::new(2905);
    let env = Env::new();
    // Unquoted values in a program are expressions and types.
    env.write(
        "lib/fetch.js",
        "const init = {\n  withCredentials: kEnumerableProperty,\n  secretToken: buildSecretTokenFromParts\n};\n",
    );
    env.write(
        "typings/Auth.d.ts",
        "export interface Plugins {\n  caching_sha2_password: AuthPlugin<{ key: string }>;\n}\n",
    );
    // Pagination cursors, a list item whose key is on the line above.
    env.write(
        "apis/examples.json",
        format!(
            "{{\"output\": {{\"NextToken\": \"{}\", \"pageToken\": \"{}\"}}}}\n",
            f.alnum(40),
            f.alnum(40)
        ),
    );
    env.write(
        "lib/connection.js",
        "const noPasswordAuthMechanisms = [\n  'MONGODB-X509-AWS',\n  'GSSAPI-KERBEROS-V5'\n];\n",
    );
    // Stored password hashes and serialised tables.
    let salt = f.alnum(12);
    env.write(
        "fixtures/users.json",
        format!("[{{\"model\": \"auth.user\", \"fields\": {{\"password\": \"pbkdf2_sha256$600000${salt}${}=\"}}}}]\n", f.alnum(43)),
    );
    env.write(
        "assets/editor.mjs",
        format!(
            "var t={{tokenData:\"!<p!{}[$q[]&X]^,Q^p{}{{9o\"}};\n",
            f.alnum(10),
            f.alnum(10)
        ),
    );
    // Dummy words with digits in an example URL.
    env.write(
        "dist/env.js",
        "throw new Error('Must be in valid uri format like dotenv://:key_1234@dotenv.org/vault/.env.vault');\n",
    );
    let found = secrets(&env);
    assert!(found.is_empty(), "{found:#?}");

    // Quoted literals in the same files are still found.
    let env = Env::new();
    let js = f.alnum(32);
    env.write(
        "lib/fetch.js",
        format!("const init = {{\n  secretToken: \"{js}\"\n}};\n"),
    );
    let found = secrets(&env);
    assert_found(&found, "lib/fetch.js", "generic.secret-assignment", &js);
}

#[test]
fn identifiers_under_password_names_stay_identifiers() {
    let env = Env::new();
    env.write(
        "Cargo.toml",
        "[features]\nWin32_System = []\nWin32_System_PasswordManagement = [\"Win32_System\"]\n",
    );
    env.write("app.py", "password_field = \"UserPassword2Field\"\n");
    let found = secrets(&env);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn translations_in_other_scripts_and_public_addresses_are_not_credentials() {
    let env = Env::new();
    // Translation catalogues in scripts without spaces between words: the
    // prose check (two spaces) cannot see them.
    env.write(
        "app/i18n/ja.json",
        "{\n  \"LABEL_PASSWORD\": \"パスワード\",\n  \"MANDATORY_NEW_PASSWORD\": \"新しいパスワードを入力してください\",\n  \"TITLE_FORGOT_PASSWORD\": \"パスワードをお忘れですか\"\n}\n",
    );
    env.write(
        "app/i18n/zh.json",
        "{\"LABEL_REPEAT_NEW_PASSWORD\":\"重新输入新密码\",\"Invalid email or password.\":\"无效的邮箱或密码\"}\n",
    );
    // An MD5 digest compared in SQL is what a password became.
    env.write(
        "docs/HOW-TO.md",
        format!(
            "```sql\nSELECT * FROM Users WHERE email = 'a' AND password = '{}'\n```\n",
            hex(&mut Fake::new(7), 32)
        ),
    );
    // Latin-script translations under UI string keys.
    env.write(
        "frontend/src/assets/i18n/lt_LT.json",
        "{\n  \"LABEL_PASSWORD\": \"Slaptažodis\",\n  \"SHOW_PASSWORD_ADVICE\": \"Rodyti-patarima\",\n  \"INVALID_TWO_FACTOR_AUTH_TOKEN\": \"Neteisingas-zetonas\"\n}\n",
    );
    // A contract address is public; the token word in its name does not
    // make it a secret.
    let mut f = Fake::new(2902);
    let addr = format!("0x{}", hex(&mut f, 40));
    env.write(
        "frontend/src/app/web3.ts",
        format!("const BeeTokenAddress = '{addr}'\n"),
    );
    // A real-looking password with one accented letter stays a password.
    let pw = format!("Zürich-{}#{}", f.alnum(6), f.alnum(4));
    env.write("config/mail.yml", format!("smtp:\n  password: \"{pw}\"\n"));
    // Outside an SQL condition, hex under a password name stays a password.
    let hexpass = hex(&mut f, 32);
    env.write(
        "test/login.test.js",
        format!(".send({{ passphrase: \"{hexpass}\", reminder: \"r\" }});\n"),
    );
    let found = secrets(&env);
    assert!(
        found
            .iter()
            .any(|(p, _, s)| p == "test/login.test.js" && s == &hexpass),
        "{found:#?}"
    );
    assert!(
        found.iter().all(|(p, _, _)| !p.starts_with("app/i18n/")
            && !p.starts_with("frontend/")
            && !p.starts_with("docs/")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|(p, _, s)| p == "config/mail.yml" && s == &pw),
        "{found:#?}"
    );
}

/// A strong password: mixed case, digits and symbols.
fn strong(f: &mut Fake) -> String {
    format!("{}#{}!{}", f.alnum(6), f.alnum(5), f.alnum(3))
}

/// Lines of one file: each `{pw}` becomes a new strong password and each
/// `{tok}` a new 32-character token. Returns the text and the values in order.
fn fill(f: &mut Fake, lines: &[&str]) -> (String, Vec<String>) {
    let mut text = String::new();
    let mut values = Vec::new();
    for l in lines {
        let mut line = (*l).to_string();
        while let Some(i) = line.find("{pw}").or_else(|| line.find("{tok}")) {
            let (v, n) = if line[i..].starts_with("{pw}") {
                (strong(f), 4)
            } else {
                (f.alnum(32), 5)
            };
            line.replace_range(i..i + n, &v);
            values.push(v);
        }
        text.push_str(&line);
        text.push('\n');
    }
    (text, values)
}

/// Every assignment form of issue 29, per language: each literal is found
/// (by whichever rule) at its own file.
#[test]
fn every_assignment_form_in_every_language_is_found() {
    let files: &[(&str, &[&str])] = &[
        (
            "app/lib/client.rb",
            &[
                "password = \"{pw}\"",
                "opts = { :password => \"{pw}\" }",
                "Client.new(password: \"{pw}\")",
                "config.api_key = \"{tok}\"",
                "def login(user, password = \"{pw}\")",
                "token = ENV.fetch(\"SLACK_TOKEN\", \"{tok}\")",
            ],
        ),
        (
            "test/http_basic_authentication_test.rb",
            &["    username = 'dhh'", "    password = '{pw}'"],
        ),
        (
            "app/client.py",
            &[
                "PASSWORD = \"{pw}\"",
                "db.connect(host=\"h\", password=\"{pw}\")",
                "def f(user, password=\"{pw}\"): pass",
                "cfg = {\"password\": \"{pw}\"}",
                "self.api_secret = \"{tok}\"",
                "API_TOKEN = os.getenv(\"API_TOKEN\", \"{tok}\")",
                "r = requests.get(url, auth=(\"ci\", \"{pw}\"))",
            ],
        ),
        (
            "src/client.ts",
            &[
                "const apiSecret = \"{tok}\";",
                "const o = { password: '{pw}' };",
                "this.authToken = `{tok}`;",
                "const pw = process.env.DB_PASSWORD || \"{pw}\";",
                "login({ username: \"a\", password: \"{pw}\" })",
                "let password: string = \"{pw}\";",
            ],
        ),
        (
            "app/config.php",
            &[
                "<?php",
                "$dbpasswd = \"{pw}\";",
                "define('DB_PASSWORD', '{pw}');",
                "$cfg = ['password' => '{pw}'];",
                "$this->apiKey = '{tok}';",
                "'redis' => ['password' => env('REDIS_PASSWORD', '{pw}')],",
            ],
        ),
        (
            "src/main/java/Db.java",
            &[
                "String password = \"{pw}\";",
                "private static final String API_KEY = \"{tok}\";",
                "props.setProperty(\"password\", \"{pw}\");",
                "Connection c = DriverManager.getConnection(url, \"app\", \"{pw}\");",
            ],
        ),
        (
            "src/main/kotlin/Db.kt",
            &[
                "val apiSecret = \"{tok}\"",
                "const val DB_PASSWORD = \"{pw}\"",
            ],
        ),
        (
            "src/Db.cs",
            &[
                "var password = \"{pw}\";",
                "private const string ApiKey = \"{tok}\";",
                "var cred = new NetworkCredential(\"svc\", \"{pw}\");",
                "options.ClientSecret = \"{tok}\";",
            ],
        ),
        (
            "db.go",
            &[
                "password := \"{pw}\"",
                "const apiKey = \"{tok}\"",
                "cfg := Config{Password: \"{pw}\", User: \"a\"}",
                "var token = `{tok}`",
                "req.SetBasicAuth(\"deploy\", \"{pw}\")",
            ],
        ),
        (
            "deploy.sh",
            &[
                "export DB_PASSWORD={pw}",
                "PASSWORD=\"{pw}\"",
                "API_TOKEN='{tok}'",
                "export REDIS_PASSWORD=${REDIS_PASSWORD:-{tok}}",
            ],
        ),
        (
            "config/app.yml",
            &[
                "db:",
                "  password: {pw}",
                "svc:",
                "  password: \"{pw}\"",
                "  api_key: '{tok}'",
            ],
        ),
        (
            "config.toml",
            &["[db]", "password = \"{pw}\"", "api_token = \"{tok}\""],
        ),
        (
            "settings.ini",
            &["[db]", "password = {pw}", "secret_key={tok}"],
        ),
        (
            ".env",
            &["DB_PASSWORD={pw}", "DB_PASS={pw}", "APP_SECRET=\"{tok}\""],
        ),
        (
            "conf/app.json",
            &["{\"password\": \"{pw}\", \"apiKey\": \"{tok}\"}"],
        ),
        (
            "conf/web.xml",
            &[
                "<config>",
                "<password>{pw}</password>",
                "<add key=\"DbPassword\" value=\"{pw}\" />",
                "<datasource user=\"app\" password=\"{pw}\" />",
                "<property name=\"password\" value=\"{pw}\"/>",
                "</config>",
            ],
        ),
        (
            "public/login.html",
            &[
                "<input type=\"password\" name=\"password\" value=\"{pw}\">",
                "<input type=\"hidden\" name=\"api_key\" value=\"{tok}\">",
            ],
        ),
        (
            "db/init.sql",
            &[
                "CREATE USER 'app'@'%' IDENTIFIED BY '{pw}';",
                "ALTER USER app WITH PASSWORD '{pw}';",
                "CREATE ROLE report LOGIN PASSWORD '{pw}';",
                "CREATE LOGIN etl WITH PASSWORD = '{pw}';",
            ],
        ),
    ];
    let mut f = Fake::new(2906);
    let env = Env::new();
    let mut want = Vec::new();
    for (path, lines) in files {
        let (text, values) = fill(&mut f, lines);
        env.write(path, text);
        want.extend(values.into_iter().map(|v| (*path, v)));
    }
    let found = secrets(&env);
    let missed: Vec<_> = want
        .iter()
        .filter(|(p, v)| {
            !found
                .iter()
                .any(|(fp, _, s)| fp == p && s.contains(v.as_str()))
        })
        .collect();
    assert!(missed.is_empty(), "missed {missed:#?}\nfound {found:#?}");
}

/// The same forms with code, routes, names, anti-forgery tokens, nonces,
/// placeholders and public data in place of the literal: nothing is found.
#[test]
fn look_alikes_in_every_language_are_not_credentials() {
    let files: &[(&str, &[&str])] = &[
        // Routes next to a token word.
        (
            "config/routes.rb",
            &["get \"/password/reset/:reset_password_token\" => \"passwords#edit\""],
        ),
        (
            "src/routes.js",
            &[
                "app.get(\"/reset/:resetPasswordToken/confirm\", handler);",
                "router.post('/api/tokens/:accessTokenIdentifier', revoke);",
            ],
        ),
        (
            "routes/web.php",
            &[
                "Route::get('password/reset/{token}', 'ResetPasswordController@showResetForm')->name('password.reset');",
                "Route::post('/api/secret/{secretIdentifier}/rotate', [SecretController::class, 'rotate']);",
            ],
        ),
        (
            "app/views.py",
            &[
                "@app.route(\"/reset-password/<string:reset_token>/confirm\")",
                "path(\"api/tokens/<str:access_token_value>/\", views.revoke)",
            ],
        ),
        (
            "src/main/java/Reset.java",
            &["@GetMapping(\"/password/reset/{resetPasswordToken}\")"],
        ),
        (
            "routes.go",
            &["r.GET(\"/api/tokens/:accessTokenValue/revoke\", revokeHandler)"],
        ),
        (
            "src/TokensController.cs",
            &["[HttpGet(\"api/tokens/{accessTokenValue}/revoke\")]"],
        ),
        // Code, not literals.
        (
            "app/models/account.rb",
            &[
                "password = settings[:password].to_s",
                "previous_token = @account.auth_token_secret",
            ],
        ),
        (
            "app/forms.py",
            &[
                "password = request.form.get(\"password_confirmation\")",
                "api_secret = settings.ACME_API_SECRET_VALUE",
            ],
        ),
        (
            "src/settings.ts",
            &[
                "const apiSecret = config.get<string>(\"payments.apiSecretValue\");",
                "const token = `Bearer ${session.accessTokenValue}`;",
            ],
        ),
        (
            "app/Http/Controllers/UserController.php",
            &[
                "$password = $request->input('password_confirmation');",
                "'password' => Hash::make($request->password_confirmation),",
                "'api_key' => env('ACME_API_KEY_PRODUCTION'),",
                "'password' => env('DB_PASSWORD', ''),",
            ],
        ),
        (
            "src/main/java/Settings.java",
            &[
                "String password = System.getenv(\"DATABASE_PASSWORD_VALUE\");",
                "String apiSecret = props.getProperty(\"acme.api.secret.value\");",
            ],
        ),
        (
            "src/Settings.cs",
            &["var clientSecret = Configuration[\"Authentication:ClientSecretValue\"];"],
        ),
        (
            "settings.go",
            &[
                "password := os.Getenv(\"DATABASE_PASSWORD_VALUE\")",
                "apiSecret := viper.GetString(\"acme.api_secret_value\")",
            ],
        ),
        (
            "config/settings.yml",
            &[
                "password: <%= ENV[\"DATABASE_PASSWORD_VALUE\"] %>",
                "api_secret: \"{{ .Values.acme.apiSecretValue }}\"",
            ],
        ),
        (
            "bin/deploy.sh",
            &[
                "export DB_PASSWORD=\"$(vault kv get -field=password secret/db)\"",
                "export REDIS_PASSWORD=${REDIS_PASSWORD:-}",
            ],
        ),
        // Names and identifiers.
        (
            "src/keys.ts",
            &[
                "const TOKEN_STORAGE_KEY = \"acme.auth.accessTokenStorage\";",
                "export const PASSWORD_RESET_EVENT = 'user.password.reset.requested';",
            ],
        ),
        (
            "app/names.py",
            &["SECRET_KEY_SETTING = \"DJANGO_SECRET_KEY_SETTING_NAME\""],
        ),
        (
            "src/main/java/Names.java",
            &["public static final String API_KEY_PROPERTY = \"acme.security.apiKeyProperty\";"],
        ),
        // Anti-forgery tokens and nonces.
        (
            "resources/views/login.blade.html",
            &[
                "<input type=\"hidden\" name=\"_token\" value=\"{tok}\">",
                "<input name=\"__RequestVerificationToken\" type=\"hidden\" value=\"{tok}{tok}\" />",
                "<input type='hidden' name='csrfmiddlewaretoken' value='{tok}{tok}'>",
                "<meta name=\"csrf-token\" content=\"{tok}\">",
            ],
        ),
        (
            "log/development.log",
            &[
                "Parameters: {\"authenticity_token\"=>\"{tok}+{tok}==\", \"user\"=>{\"email\"=>\"a\"}}",
            ],
        ),
        ("src/csp.ts", &["const nonce = '{tok}';"]),
        // Public data.
        (
            "test/webauthn.js",
            &[
                "const raw_id_token = \"{tok}\";",
                "const credential = { rawId: \"{tok}\", authenticatorData: \"{tok}{tok}\" };",
            ],
        ),
        (
            "package-lock.json",
            &["{\"integrity\": \"sha512-{tok}{tok}{tok}==\"}"],
        ),
        // Classes seen in a web framework's full history (own values).
        (
            "activestorage/config/routes.rb",
            &[
                "  put  \"/disk/:encoded_token\" => \"active_storage/disk#update\", as: :update_disk_service",
            ],
        ),
        (
            "lib/adapters/pg_adapter.rb",
            &[
                "username = config[:username].to_s",
                "password = config[:password].to_s",
            ],
        ),
        (
            "test/web_authn/data_test.rb",
            &[
                "AUTH_DATA_WITH_CREDENTIAL = [ \"{tok}\" \\",
                "  \"{tok}\" ].pack(\"H*\")",
            ],
        ),
        (
            "test/controller/request_forgery_protection_test.rb",
            &[
                "class RequestForgeryProtectionTest",
                "  def setup",
                "    @token = \"{tok}\"",
                "    session[:_csrf_token] = @token",
            ],
        ),
        (
            "lib/generators/app/templates/config/databases/mysql.yml.tt",
            &[
                "#   CACHE_DATABASE_URL=\"mysql2://cacheuser:cachepass@localhost/cachedatabase\"",
                "#   CACHE_DATABASE_URL=\"postgres://cacheuser:cachepass@localhost/cachedatabase\"",
            ],
        ),
        (
            "test/authorization_test.rb",
            &["@conn = Connection.new(\"http://my%40email.com:%34%35%36@localhost\")"],
        ),
        (
            "test/commands/credentials_test.rb",
            &[
                "content_path = app_path(\"config\", \"credentials\", \"{tok}_development.yml.enc\")",
            ],
        ),
        (
            "config/database.yml",
            &["development:", "  username: app", "  password: optional"],
        ),
        (
            "werkzeug/urls.py",
            &[">>> uri_to_iri(b'http://%C3%BCser:p%C3%A4ssword@xn--n3h.net/p%C3%A5th')"],
        ),
        (
            "app/config/config.yml",
            &[
                "swiftmailer:",
                "    username:  \"%mailer_user%\"",
                "    password:  \"%mailer_password%\"",
            ],
        ),
        (
            ".env.dist",
            &["POSTGRES_PASSWORD=YourPwdShouldBeLongAndSecure!"],
        ),
        (
            "pom.xml",
            &[
                "<resource>",
                "  <token>@projectversion@</token>",
                "</resource>",
            ],
        ),
        ("Jenkinsfile", &["// passwordVariable: '{tok}Username'"]),
        (
            "infra/provider.tf",
            &[
                "  username               = azurerm_kubernetes_cluster.main.kube_config.0.username",
                "  password               = azurerm_kubernetes_cluster.main.kube_config.0.password",
            ],
        ),
        (
            "src/main/java/CommonView.java",
            &["static final String USER_UPDATE_PASSWORD_R = \"redirect:/users/password/edit/\";"],
        ),
        ("k8s/db.yml", &["  username: app", "  password: \"pass\""]),
        (
            "tests/AccountControllerSignIn.cs",
            &[
                "new KeyValuePair<string, string>(\"__RequestVerificationToken\", \"CfDJ8{tok}{tok}\"),",
            ],
        ),
        (
            "app/Http/Requests/RegisterRequest.php",
            &["return ['email' => 'required|email', 'password' => 'required|confirmed|min:8'];"],
        ),
        (
            ".php-cs-fixer.cache",
            &[
                "{\"hashes\":{\"src\\/Auth\\/Passwords\\/PasswordBroker.php\":\"{tok}\",\"src\\/Auth\\/TokenGuard.php\":\"{tok}\"}}",
            ],
        ),
        // SQL: placeholders and psql variables are not passwords.
        (
            "db/queries.sql",
            &[
                "CREATE USER app IDENTIFIED BY 'password';",
                "GRANT ALL PRIVILEGES ON petclinic.* TO 'petclinic'@'%' IDENTIFIED BY 'petclinic';",
                "CREATE USER \"petclinic\" WITH PASSWORD 'petclinic';",
                "ALTER USER app WITH PASSWORD :'app_password';",
            ],
        ),
    ];
    let mut f = Fake::new(2907);
    let env = Env::new();
    for (path, lines) in files {
        let (text, _) = fill(&mut f, lines);
        env.write(path, text);
    }
    // A localised bundle in Latin-1: the word "password" in Spanish.
    env.write(
        "hudson/tools/enterCredential_es.properties",
        b"Username=Usuario\nPassword=Contrase\xf1a\n".as_slice(),
    );
    let found = secrets(&env);
    assert!(found.is_empty(), "{found:#?}");
}

/// A Docker config.json's `auth` (base64 of user:password) is a registry
/// login; a `.git-credentials` URL's password is one whatever its strength.
#[test]
fn docker_auths_and_git_credentials_are_found() {
    use base64::Engine;
    let mut f = Fake::new(2908);
    let env = Env::new();
    let login = format!("ci-push:{}", strong(&mut f));
    let auth = base64::engine::general_purpose::STANDARD.encode(&login);
    env.write(
        ".docker/config.json",
        format!("{{\n  \"auths\": {{\n    \"registry.acme-corp.dev\": {{\n      \"auth\": \"{auth}\"\n    }}\n  }}\n}}\n"),
    );
    env.write(
        "home/.git-credentials",
        "https://deploy:tulip7@git.acme-corp.dev\n",
    );
    let found = secrets(&env);
    assert_found(&found, ".docker/config.json", "docker-config.auth", &auth);
    assert!(
        found
            .iter()
            .any(|(p, _, s)| p == "home/.git-credentials" && s == "tulip7"),
        "{found:#?}"
    );
}

/// Command lines, name/value pairs and literal forms of the planted-credentials
/// class (`benches/gen_planted.py`): each password is found by its own rule.
#[test]
fn command_lines_and_config_forms_of_planted_credentials_are_found() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "scripts/restore.sh",
            "mysql -u root -p'{pw}' shop < dump.sql",
            "mysql.cli-password",
        ),
        (
            "scripts/backup.sh",
            "mysqldump -uroot -p{pw} shop > dump.sql",
            "mysql.cli-password",
        ),
        (
            "scripts/ssh.sh",
            "sshpass -p '{pw}' ssh deploy@web01.acme-corp.dev",
            "sshpass.password",
        ),
        ("config/redis.conf", "requirepass {pw}", "redis.password"),
        (
            "k8s/deployment.yaml",
            "      env:\n        - name: DB_PASSWORD\n          value: \"{pw}\"",
            "generic.env-name-value",
        ),
        (
            "config/initializers/acme.rb",
            "API_SECRET = %q({tok})",
            "generic.ruby-percent-literal",
        ),
        (
            "ansible/group_vars/all.yml",
            "ansible_become_pass: {pw}",
            "ansible.password",
        ),
        (
            "conf/hibernate.cfg.xml",
            "<property name=\"hibernate.connection.password\">{pw}</property>",
            "generic.xml-property-password",
        ),
        (
            "internal/db.go",
            "var dsn = \"app:{pw}@tcp(db.acme-corp.dev:3306)/shop\"",
            "database.mysql-dsn-password",
        ),
    ];
    let mut f = Fake::new(2909);
    let env = Env::new();
    let mut expected = Vec::new();
    for (path, line, rule) in cases {
        let (text, values) = fill(&mut f, &[line]);
        env.write(path, text);
        expected.push((*path, *rule, values[0].clone()));
    }
    // A WordPress salt uses the whole printable alphabet, brackets included.
    let salt = format!(
        "{}<{}]{}}}{}|{}",
        f.alnum(12),
        f.alnum(12),
        f.alnum(12),
        f.alnum(12),
        f.alnum(12)
    );
    env.write(
        "wp-config.php",
        format!("<?php\ndefine( 'AUTH_KEY', '{salt}' );\n"),
    );
    let found = secrets(&env);
    for (path, rule, value) in &expected {
        assert_found(&found, path, rule, value);
    }
    assert_found(&found, "wp-config.php", "generic.secret-assignment", &salt);
}

/// Seen on spring-petclinic's history: a CSS selector under a credential
/// word in a bundled script, and a phrase of words as a CI file's key.
#[test]
fn css_selectors_and_word_phrases_are_not_credentials() {
    let env = Env::new();
    env.write(
        "lib/credentials/select.js",
        "Behaviour.specify(\"INPUT.credentials-list\", 'credentials-list', 0, function (e) {\n    panel.bind(root.querySelector(mode.value == 'list'\n            ? \"SPAN.credentials-list-content-body\"\n            : \"SPAN.credentials-list-content-entry\")[0]);\n});\n",
    );
    env.write(
        ".github/workflows/build.yml",
        "env:\n  API_KEY: \"123456_set_at_workflow_level\"\n  CLIENT_SECRET: replace_with_your_client_secret_value\n",
    );
    let found = secrets(&env);
    assert!(found.is_empty(), "{found:#?}");
}

/// Seen on laravel/framework's and rails' histories: URL-parsing tests'
/// percent-encoded dummies, keyboard walks, sequential digits in a
/// documented config, a validation rule under `password`, and advice to
/// change a value.
#[test]
fn url_test_dummies_keyboard_walks_rules_and_advice_are_not_credentials() {
    let env = Env::new();
    env.write(
        "tests/Support/UrlParserTest.php",
        "<?php\nclass UrlParserTest extends TestCase\n{\n    public function urls()\n    {\n        return [\n            ['mysql://foo:bar%25bar@db.acme-corp.dev/app'],\n            ['http://login:one+two%3F@www.acme-corp.dev/c/a'],\n            ['http://atpass:foo%40bar@api.acme-corp.dev:8080/path'],\n            ['http://username:nota%hex@www.acme-corp.dev'],\n            ['url' => 'redis://h:qwer1234asdfzxcv@cache.acme-corp.dev:6379', 'password' => 'qwer1234asdfzxcv'],\n        ];\n    }\n    public function testCustom()\n    {\n        $v = new Validator($trans, ['password' => 'foo'], ['password' => 'Required:strict']);\n    }\n}\n",
    );
    env.write(
        "docker-compose.yml",
        "services:\n  db:\n    image: postgres\n    environment:\n#     POSTGRES_PASSWORD: \"ChangeThisBeforeDeploying!\"\n",
    );
    env.write(
        "docs/numeric.md",
        "If your password is numeric:\n\n```yaml\ndevelopment:\n  username: root\n  password: 1234567\n```\n",
    );
    let found = secrets(&env);
    assert!(found.is_empty(), "{found:#?}");
}

/// A weak password in a credential file is still reported, at severity low
/// with "weak" in its `why` (SARIF level note); a strong one stays high.
#[test]
fn weak_credential_file_passwords_are_reported_at_low_severity() {
    let mut f = Fake::new(2910);
    let env = Env::new();
    let strong_pw = strong(&mut f);
    env.write(
        ".pgpass",
        format!("db.acme-corp.dev:5432:orders:svc:{strong_pw}\nreplica.acme-corp.dev:5432:*:report:kestrel\n"),
    );
    env.write(
        "home/.netrc",
        "machine git.acme-corp.dev\n  login deploy\n  password fig\n",
    );
    env.write(
        "home/.git-credentials",
        "https://deploy:tulip7@git.acme-corp.dev\n",
    );
    let (_, v) = env.scan_json(&[".", "--no-config", "--no-redact"]);
    let by_secret = |s: &str| {
        findings(&v)
            .iter()
            .find(|x| x["secret"] == s)
            .cloned()
            .unwrap_or_else(|| panic!("no finding for {s}: {v:#}"))
    };
    for weak in ["kestrel", "fig", "tulip7"] {
        let x = by_secret(weak);
        assert_eq!(x["severity"], "low", "{x:#}");
        assert!(
            x["why"].as_str().unwrap_or_default().contains("weak"),
            "{x:#}"
        );
    }
    let x = by_secret(&strong_pw);
    assert_eq!(x["severity"], "high", "{x:#}");
    assert!(
        !x["why"].as_str().unwrap_or_default().contains("weak"),
        "{x:#}"
    );
    // SARIF follows the severity: a note for the weak one.
    let out = env
        .cmd()
        .args(["scan", ".", "--no-config", "-f", "sarif"])
        .output()
        .expect("run");
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif");
    let results = sarif["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let netrc = results
        .iter()
        .find(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .is_some_and(|u| u.ends_with(".netrc"))
        })
        .unwrap_or_else(|| panic!("no .netrc result: {sarif:#}"));
    assert_eq!(netrc["level"], "note", "{netrc:#}");
}

/// Session 9 recall gaps of the planted class: a PHP database password
/// variable named with `pass` alone, and a password given to a database
/// client as an environment prefix of its command; their placeholders and
/// variables are not reported.
#[test]
fn php_pass_variables_and_env_prefix_passwords_are_found() {
    let mut f = Fake::new(2911);
    let env = Env::new();
    let (php, php_pw) = fill(
        &mut f,
        &[
            "<?php\n$dbhost = 'db.acme-corp.dev';\n$dbuser = 'shop';\n$dbpass = '{pw}';\n$db_pass = \"{pw}\";\n$dbpasswd = '{pw}';",
        ],
    );
    env.write("includes/config.php", &php);
    env.write(
        "includes/placeholders.php",
        "<?php\n$dbpass = 'password';\n$db_pass = getenv('DB_PASS');\n$dbpasswd = $cfg['db']['pass'];\n$dbpass = '';\n",
    );
    let (sh, sh_pw) = fill(
        &mut f,
        &[
            "#!/bin/sh\nPGPASSWORD={pw} psql -h db.acme-corp.dev -U orders orders\nPGPASSWORD='{pw}' pg_dump -h db.acme-corp.dev -U backup shop > shop.sql\nMYSQL_PWD={pw} mysqldump -u backup shop > shop.sql",
        ],
    );
    env.write("scripts/backup.sh", &sh);
    env.write(
        "scripts/local.sh",
        "PGPASSWORD=$DB_PASSWORD psql -h db -U app\nPGPASSWORD=\"${POSTGRES_PASSWORD}\" psql -h db -U app\nPGPASSWORD=postgres psql -U postgres\n",
    );
    let found = secrets(&env);
    for pw in &php_pw {
        assert!(
            found
                .iter()
                .any(|(p, _, s)| p == "includes/config.php" && s == pw),
            "{pw} in config.php: {found:#?}"
        );
    }
    assert_found(&found, "includes/config.php", "php.db-password", &php_pw[0]);
    for pw in &sh_pw {
        assert_found(
            &found,
            "scripts/backup.sh",
            "database.env-prefix-password",
            pw,
        );
    }
    for (p, r, s) in &found {
        assert!(
            p != "includes/placeholders.php" && p != "scripts/local.sh",
            "{r} {s:?} at {p}"
        );
    }
}

/// `.npmrc` `_auth` / `_authToken` and Docker `config.json` `auth`: the
/// format says the value is a login, so a weak one is still reported, at
/// severity low with "weak" in its why; a strong one stays high; a stock
/// placeholder is not reported.
#[test]
fn weak_npmrc_and_docker_logins_are_reported_at_low_severity() {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let mut f = Fake::new(2912);
    let env = Env::new();
    let strong_login = b64(&format!("ci-push:{}", strong(&mut f)));
    let weak_login = b64("ci-push:kestrel");
    env.write(
        ".docker/config.json",
        format!("{{\n  \"auths\": {{\n    \"registry.acme-corp.dev\": {{\n      \"auth\": \"{strong_login}\"\n    }},\n    \"ghcr.acme-corp.dev\": {{\n      \"auth\": \"{weak_login}\"\n    }},\n    \"old.acme-corp.dev\": {{\n      \"auth\": \"{}\"\n    }}\n  }}\n}}\n", b64("user:password")),
    );
    let weak_npm = b64("deploy:orchid42");
    env.write(
        "web/.npmrc",
        format!("@acme:registry=https://npm.acme-corp.dev/\n//npm.acme-corp.dev/:_authToken=tulip2024\n//npm2.acme-corp.dev/:_authToken=${{NPM_TOKEN}}\n_auth={weak_npm}\n"),
    );
    let (_, v) = env.scan_json(&[".", "--no-config", "--no-redact"]);
    let by_secret = |s: &str| {
        findings(&v)
            .iter()
            .find(|x| x["secret"] == s)
            .cloned()
            .unwrap_or_else(|| panic!("no finding for {s}: {v:#}"))
    };
    for weak in [weak_login.as_str(), "tulip2024", weak_npm.as_str()] {
        let x = by_secret(weak);
        assert_eq!(x["severity"], "low", "{x:#}");
        assert!(
            x["why"].as_str().unwrap_or_default().contains("weak"),
            "{x:#}"
        );
    }
    let x = by_secret(&strong_login);
    assert_eq!(x["severity"], "high", "{x:#}");
    assert!(!x["why"].as_str().unwrap_or_default().contains("weak"));
    let placeholder = b64("user:password");
    assert!(
        !findings(&v)
            .iter()
            .any(|x| x["secret"] == placeholder.as_str() || x["secret"] == "${NPM_TOKEN}"),
        "{v:#}"
    );
}

/// Seen on rails' history (session 9): a name/value pair in a Ruby helper
/// whose value is an expression. Seen on the npm registry packages: enum
/// members whose value is their own name, camelCase identifiers and parser
/// states under token words, token contract addresses, AWS's spelled-out
/// `VERYLONGSECRET…` example and the part names of a connection string. A
/// random token under the same keys is still found.
#[test]
fn code_pairs_and_registry_identifiers_are_not_credentials() {
    let mut f = Fake::new(2913);
    let env = Env::new();
    env.write(
        "app/helpers/url_helper.rb",
        "    html_options = { name: request_forgery_protection_token.to_s, value: form_authenticity_token) }\n",
    );
    let addr = format!("0x{}", hex(&mut f, 40));
    let filler = f.alnum(40);
    env.write(
        "dist/constants.js",
        format!(
            "var PermissionedTokenInterface;\n(function (PermissionedTokenInterface) {{\n  PermissionedTokenInterface[\"DSTokenInterface\"] = \"DSTokenInterface\";\n  PermissionedTokenInterface[\"ISuperstateTokenV4\"] = \"ISuperstateTokenV4\";\n}})(PermissionedTokenInterface || (PermissionedTokenInterface = {{}}));\nconst styles = {{ \"builtInStylesWithDesignTokens\": \"cfBackgroundColor\" }};\nnextLastSignificantToken = \"?InterpolationInJSX\";\nconst order = {{ token: '{addr}', amount: 1 }};\nconst sanitize = {{ \"credentialTokens\": \"DefaultEndpointsProtocol=http\" }};\n"
        ),
    );
    env.write(
        "docs/CreateTokenCommand.md",
        format!("    clientSecret: \"VERYLONGSECRET{filler}\",\n"),
    );
    let tok = f.alnum(32);
    env.write(
        "src/client.js",
        format!("const client = new Client({{ apiKey: \"{tok}\" }});\n"),
    );
    let found = secrets(&env);
    assert_found(&found, "src/client.js", "generic.secret-assignment", &tok);
    assert_eq!(found.len(), 1, "{found:#?}");
}
