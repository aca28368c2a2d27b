//! Structures, encodings and syntaxes (issue 18, items 4 and 6): credentials
//! in the shapes other scanners report (Authorization schemes, curl's
//! quoted passwords, connection strings, recorded HTTP fixtures, escaped and
//! nested JSON, base64 in code, JWKs as code objects, PEM split into string
//! literals, make assignments, nested base64), and the false-positive
//! classes that must stay quiet. Every case goes through the binary
//! (`jikimi scan DIR --no-config --format json`) with fake values generated
//! here at run time.

use crate::common::*;

const HEX: &str = "0123456789abcdef";
const UPPER_DIGITS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// A password-like value: letters, digits and two symbols.
fn password(f: &mut Fake) -> String {
    let mut p = f.chars(
        "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789",
        12,
    );
    p.insert(3, '#');
    p.insert(7, '!');
    p
}

/// A password that is safe in a URL's userinfo.
fn url_password(f: &mut Fake) -> String {
    format!("{}7Q", f.alnum(14))
}

fn bytes(f: &mut Fake, n: usize) -> Vec<u8> {
    f.chars(HEX, n * 2)
        .as_bytes()
        .chunks(2)
        .map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap(), 16).unwrap())
        .collect()
}

/// An HS256 JWT with a random signature.
fn jwt(f: &mut Fake) -> String {
    let header = b64url(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = b64url(
        format!(
            r#"{{"sub":"svc-{}","iat":1700000000,"scope":"orders:write"}}"#,
            f.alnum(6)
        )
        .as_bytes(),
    );
    format!("{header}.{payload}.{}", b64url(&bytes(f, 32)))
}

/// A Slack incoming-webhook URL with random ids.
fn slack_webhook(f: &mut Fake) -> String {
    format!(
        "https://hooks.slack.com/services/T{}/B{}/{}",
        f.chars(UPPER_DIGITS, 10),
        f.chars(UPPER_DIGITS, 10),
        f.alnum(24)
    )
}

/// Scan `files` (path, content) and return the report.
fn scan_files(files: &[(&str, String)]) -> serde_json::Value {
    let env = Env::new();
    for (path, content) in files {
        env.write(path, content);
    }
    env.scan_json(&[".", "--no-config", "--no-redact"]).1
}

/// The secret findings at `path`, as `(rule, secret, encoded)`.
fn at(v: &serde_json::Value, path: &str) -> Vec<(String, String, Option<String>)> {
    findings(v)
        .iter()
        .filter(|f| f["path"] == path && f["kind"] == "secret")
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["secret"].as_str().unwrap().to_string(),
                f["encoded"].as_str().map(str::to_string),
            )
        })
        .collect()
}

/// Assert that `path` has a finding of `rule` whose secret is `secret`.
fn assert_found(v: &serde_json::Value, path: &str, rule: &str, secret: &str) {
    let got = at(v, path);
    assert!(
        got.iter().any(|(r, s, _)| r == rule && s == secret),
        "{path}: expected {rule} with {secret}, got {got:?}"
    );
}

// ---------------------------------------------------------------------------
// Recall: structures.

#[test]
fn authorization_token_and_api_token_schemes() {
    let mut f = Fake::new(1801);
    let hex = f.chars(HEX, 40);
    let dt = format!("dt0c01.{}.{}", f.chars(UPPER_DIGITS, 24), f.alnum(40));
    let key = f.alnum(32);
    let v = scan_files(&[
        (
            "scripts/items.sh",
            format!("curl -H \"Authorization: Token {hex}\" https://api.acme-corp.dev/v1/items\n"),
        ),
        (
            "scripts/metrics.sh",
            format!("curl -H 'Authorization: Api-Token {dt}' https://t.acme-corp.dev/api/v2\n"),
        ),
        (
            "client.py",
            format!("headers = {{\"Authorization\": \"Api-Key {key}\"}}\n"),
        ),
        (
            "template.sh",
            "curl -H \"Authorization: Token $API_TOKEN\" https://api.acme-corp.dev\n".into(),
        ),
    ]);
    assert_found(&v, "scripts/items.sh", "http.token-scheme", &hex);
    assert_found(&v, "scripts/metrics.sh", "http.token-scheme", &dt);
    assert_found(&v, "client.py", "http.token-scheme", &key);
    assert!(at(&v, "template.sh").is_empty());
}

#[test]
fn curl_user_with_a_quoted_password() {
    let mut f = Fake::new(1802);
    let spaced = format!("{} {}!", f.alnum(8), f.alnum(6));
    let v = scan_files(&[
        (
            "deploy.sh",
            format!("curl --user deploy:'{spaced}' https://artifacts.acme-corp.dev/upload\n"),
        ),
        (
            "env.sh",
            "curl --user deploy:\"$DEPLOY_PASSWORD\" https://artifacts.acme-corp.dev\n".into(),
        ),
    ]);
    assert_found(&v, "deploy.sh", "curl.user-quoted-password", &spaced);
    assert!(at(&v, "env.sh").is_empty());
}

#[test]
fn odbc_and_database_urls_in_code_strings() {
    let mut f = Fake::new(1803);
    let (odbc, pg, mongo) = (password(&mut f), url_password(&mut f), url_password(&mut f));
    let v = scan_files(&[
        (
            "Data/Db.cs",
            format!(
                "var cs = \"Driver={{SQL Server}};Server=db01.corp.local;Database=Sales;Uid=sales_app;Pwd={odbc};\";\n"
            ),
        ),
        (
            "app/db.py",
            format!(
                "DATABASE_URL = \"postgresql://app_user:{pg}@db.internal.acme-corp.io:5432/orders\"\n"
            ),
        ),
        (
            "src/db.js",
            format!(
                "const uri = \"mongodb+srv://admin:{mongo}@cluster0.ab12c.mongodb.net/test?retryWrites=true\";\n"
            ),
        ),
    ]);
    assert_found(&v, "Data/Db.cs", "connection-string.password", &odbc);
    assert_found(&v, "app/db.py", "database.postgres-url", &pg);
    assert_found(&v, "src/db.js", "database.mongodb-url", &mongo);
}

#[test]
fn basic_credentials_compared_in_code_and_base64_user_password() {
    let mut f = Fake::new(1804);
    let compared = b64(format!("admin:{}", password(&mut f)).as_bytes());
    let assigned = b64(format!("svc_backup:{}", password(&mut f)).as_bytes());
    let v = scan_files(&[
        (
            "src/auth.js",
            format!("if (req.headers.authorization === \"Basic {compared}\") {{ next(); }}\n"),
        ),
        ("backup.py", format!("CREDS = \"{assigned}\"\n")),
    ]);
    assert_found(&v, "src/auth.js", "http.basic-auth", &compared);
    assert_found(&v, "backup.py", "config.base64-user-password", &assigned);
}

#[test]
fn tokens_in_recorded_http_fixtures() {
    let mut f = Fake::new(1805);
    let (vcr, har, key) = (f.alnum(40), f.alnum(40), f.alnum(32));
    let cassette = format!(
        "http_interactions:\n- request:\n    method: get\n    uri: https://api.acme-corp.dev/v1/users\n    headers:\n      Authorization:\n      - Bearer {vcr}\n      X-Api-Key:\n      - '{key}'\n      Accept:\n      - application/json\n  response:\n    status:\n      code: 200\n"
    );
    let har_json = serde_json::to_string_pretty(&serde_json::json!({
        "log": {"entries": [{"request": {
            "method": "GET",
            "url": "https://api.acme-corp.dev/x",
            "headers": [
                {"name": "Authorization", "value": format!("Bearer {har}")},
                {"name": "Accept", "value": "*/*"}
            ]
        }}]}
    }))
    .unwrap();
    let v = scan_files(&[
        ("spec/cassettes/users.yml", cassette),
        ("fixtures/session.har", har_json),
    ]);
    assert_found(&v, "spec/cassettes/users.yml", "http.recorded-header", &vcr);
    assert_found(&v, "spec/cassettes/users.yml", "http.recorded-header", &key);
    assert_found(&v, "fixtures/session.har", "http.har-header", &har);
}

#[test]
fn every_token_of_a_json_array() {
    let mut f = Fake::new(1806);
    let (a, b) = (f.alnum(40), f.alnum(40));
    let json = serde_json::to_string_pretty(&serde_json::json!({ "api_tokens": [a, b] })).unwrap();
    let v = scan_files(&[("config/tokens.json", json)]);
    let got = at(&v, "config/tokens.json");
    for t in [&a, &b] {
        assert!(got.iter().any(|(_, s, _)| s == t), "{t} not in {got:?}");
    }
}

// ---------------------------------------------------------------------------
// Recall: encodings and nesting.

#[test]
fn escaped_json_and_json_inside_a_json_string() {
    let mut f = Fake::new(1807);
    let (access, client) = (f.alnum(40), f.alnum(40));
    let js = format!(
        "const body = \"{{\\\"access_token\\\":\\\"{access}\\\",\\\"token_type\\\":\\\"bearer\\\"}}\";\n"
    );
    let inner = serde_json::json!({ "client_secret": client }).to_string();
    let nested = serde_json::to_string_pretty(&serde_json::json!({ "config": inner })).unwrap();
    let v = scan_files(&[("src/mock.js", js), ("config/app.json", nested)]);
    for (path, secret) in [("src/mock.js", &access), ("config/app.json", &client)] {
        let got = at(&v, path);
        assert!(
            got.iter()
                .any(|(_, s, e)| s == secret && e.as_deref() == Some("backslash")),
            "{path}: {got:?}"
        );
    }
}

#[test]
fn env_line_after_an_escaped_newline() {
    let mut f = Fake::new(1808);
    let pw = password(&mut f);
    let json = serde_json::json!({ "env": format!("APP_ENV=prod\nDB_PASSWORD={pw}\nDB_HOST=db") })
        .to_string();
    let v = scan_files(&[("deploy/task.json", json)]);
    let got = at(&v, "deploy/task.json");
    assert!(got.iter().any(|(_, s, _)| s == &pw), "{got:?}");
}

#[test]
fn base64_encoded_jwt_in_code() {
    let mut f = Fake::new(1809);
    let token = jwt(&mut f);
    let v = scan_files(&[(
        "settings.py",
        format!("TOKEN = \"{}\"\n", b64(token.as_bytes())),
    )]);
    let got = at(&v, "settings.py");
    assert!(
        got.iter().any(|(r, s, e)| r.starts_with("jwt.")
            && s == &token
            && e.as_deref() == Some("base64")),
        "{got:?}"
    );
}

#[test]
fn slack_webhook_base64_encoded_twice() {
    let mut f = Fake::new(1810);
    let hook = slack_webhook(&mut f);
    let twice = b64(b64(hook.as_bytes()).as_bytes());
    let v = scan_files(&[
        ("k8s/notify.yml", format!("webhook: {twice}\n")),
        ("notify.py", format!("HOOK = \"{twice}\"\n")),
    ]);
    for path in ["k8s/notify.yml", "notify.py"] {
        assert_found(&v, path, "slack.webhook-url", &hook);
    }
}

#[test]
fn jwk_private_key_as_an_object_with_bare_keys() {
    let mut f = Fake::new(1811);
    let (x, y, d) = (
        b64url(&bytes(&mut f, 32)),
        b64url(&bytes(&mut f, 32)),
        b64url(&bytes(&mut f, 32)),
    );
    let js = format!(
        "export const signingKey = {{\n  kty: 'EC',\n  crv: 'P-256',\n  x: '{x}',\n  y: '{y}',\n  d: '{d}',\n}};\n"
    );
    let public =
        format!("export const verifyKey = {{ kty: 'EC', crv: 'P-256', x: '{x}', y: '{y}' }};\n");
    let v = scan_files(&[("src/keys.ts", js), ("src/public.ts", public)]);
    let got = at(&v, "src/keys.ts");
    assert!(
        got.iter()
            .any(|(r, s, _)| r == "jwk.private-key-object" && s.contains(&d)),
        "{got:?}"
    );
    assert!(at(&v, "src/public.ts").is_empty());
}

#[test]
fn pem_split_into_java_and_kotlin_string_literals() {
    let mut f = Fake::new(1812);
    // PKCS#8 Ed25519: the fixed header, then 32 random bytes.
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend(bytes(&mut f, 32));
    let body = b64(&der);
    let java = format!(
        "String KEY = \"-----BEGIN PRIVATE KEY-----\\n\" +\n    \"{}\\n\" +\n    \"{}\\n\" +\n    \"-----END PRIVATE KEY-----\";\n",
        &body[..32],
        &body[32..]
    );
    let kotlin = java.replace("String KEY", "val KEY");
    let v = scan_files(&[
        ("src/main/java/Keys.java", java),
        ("src/main/kotlin/Keys.kt", kotlin),
    ]);
    for path in ["src/main/java/Keys.java", "src/main/kotlin/Keys.kt"] {
        let got = at(&v, path);
        assert!(
            got.iter().any(|(r, _, _)| r == "pem.private-key"),
            "{path}: {got:?}"
        );
    }
}

#[test]
fn make_assignments() {
    let mut f = Fake::new(1813);
    let (token, pw) = (f.alnum(32), password(&mut f));
    let v = scan_files(&[(
        "Makefile",
        format!("API_TOKEN :::= {token}\nDB_PASSWORD ?= {pw}\n\nbuild:\n\tcargo build\n"),
    )]);
    let got = at(&v, "Makefile");
    for s in [&token, &pw] {
        assert!(got.iter().any(|(_, x, _)| x == s), "{s} not in {got:?}");
    }
}

// ---------------------------------------------------------------------------
// Precision: none of these is a credential.

#[test]
fn false_positive_classes_stay_quiet() {
    let english =
        b64(b"The quick brown fox jumps over the lazy dog and then goes home for dinner.");
    let files: Vec<(&str, String)> = vec![
        ("text.yml", format!("description: {english}\n")),
        ("text.py", format!("BANNER = \"{english}\"\n")),
        (
            "prefixes.py",
            "PREFIX = \"sk_live_\"\nGH = \"ghp_\"\nSLACK = \"xoxb-\"\n".into(),
        ),
        (
            "sas.py",
            "URL = \"https://acct.blob.core.windows.net/c/f.txt?sv=2021-08-06&ss=b&srt=sco&sp=rl&se=2030-01-01T00:00:00Z&st=2024-01-01T00:00:00Z&spr=https\"\n".into(),
        ),
        (
            "docs/usage.md",
            "Connect with `mysql://user123:pass456@localhost/db` and the password hunter2\\n as usual.\n".into(),
        ),
        (
            "example.py",
            "EXAMPLE = \"password=hunter2\\nuser=bob\\nhost=db.acme-corp.dev\"\nURL = \"postgres://user123:pass456@localhost/db\"\n".into(),
        ),
        (
            "placeholders.py",
            "API_KEY = \"a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6\"\nSECRET = \"zyxwvutsrqponmlkjihgfedcba987654\"\nALIBABA_ACCESS_KEY_ID = \"LTAI123ABC456DEF789GHI\"\nOPENAI_KEY = \"sk-abc123def456ghi789jkl012mno345pqr678stu901vwx\"\n".into(),
        ),
        ("config.yml", "password: 'bar'\n".into()),
        ("config.js", "const cfg = { password: 'bar' };\n".into()),
        (
            "i18n/en.json",
            serde_json::to_string_pretty(&serde_json::json!({
                "TITLE_FORGOT_PASSWORD": "Forgot your password?",
                "LABEL_PASSWORD": "Password",
                "PASSWORD_HINT": "Use at least eight characters with a number",
                "CONFIRM_PASSWORD": "Repeat the new password here",
                "INVALID_TOKEN_MESSAGE": "Your session token has expired, please log in again"
            }))
            .unwrap(),
        ),
        (
            "i18n/de.json",
            serde_json::to_string_pretty(&serde_json::json!({
                "TITLE_FORGOT_PASSWORD": "Passwort vergessen?",
                "PASSWORD_HINT": "Mindestens acht Zeichen mit einer Ziffer verwenden",
                "CONFIRM_PASSWORD": "Neues Passwort hier wiederholen",
                "INVALID_TOKEN_MESSAGE": "Ihr Sitzungstoken ist abgelaufen, bitte erneut anmelden"
            }))
            .unwrap(),
        ),
        (
            "messages.js",
            "const help = \"Set \\\"password\\\" in the settings dialog.\\nThe \\\"api_token\\\" field takes your personal token.\";\n".into(),
        ),
        (
            "form.php",
            "echo \"<form>\n  <input type=\\\"hidden\\\" name=\\\"password_new\\\" value=\\\"{$pass_new}\\\" />\n</form>\";\n".into(),
        ),
    ];
    let v = scan_files(&files);
    for (path, _) in &files {
        assert!(at(&v, path).is_empty(), "{path}: {:?}", at(&v, path));
    }
}
