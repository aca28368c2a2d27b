//! Differential testing on registry packages (issue 18, item 1): the false
//! positives jikimi alone reported in npm packages, and the real credential
//! shapes next to them that must stay found. Every value is generated here.

use crate::common::*;

fn secrets(env: &Env) -> Vec<(String, String)> {
    let (_, v) = env.scan_json(&[".", "--no-config", "--no-redact"]);
    findings(&v)
        .iter()
        .filter(|f| f["kind"] == "secret")
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["secret"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Error codes, MIME types, IAM actions, namespaced event names and parser
/// states under names that say TOKEN or SECRET are words, not secrets; a
/// random value under the same names is still reported.
#[test]
fn word_paths_under_secret_names_are_not_secrets() {
    let mut f = Fake::new(1801);
    let env = Env::new();
    let real = format!("{}{}", f.alnum(20), "7Qz");
    env.write(
        "dist/errors.js",
        format!(
            "export const AuthErrorCode = {{\n  CREDENTIAL_MISMATCH: 'auth/custom-token-mismatch',\n  CREDENTIAL_TOO_OLD_LOGIN_AGAIN: 'auth/requires-recent-login',\n}};\n\
             const PerformanceEvents = {{ ACQUIRE_TOKEN_NETWORK_START: \"msal:acquireTokenFromNetworkStart\" }};\n\
             const policy = {{ getSecret: \"secretsmanager:GetSecretValue\" }};\n\
             export const TAG_TYPE_SECRET = \"DATADOG_RULE_TYPE:SECRET\";\n\
             nextLastSignificantToken = \"?NonExpressionParenKeyword\";\n\
             const config = {{ \"textualTokens\": \"application/problem+json\" }};\n\
             const client = {{ clientSecret: \"{real}\" }};\n"
        ),
    );
    let found = secrets(&env);
    assert!(
        found.iter().any(|(_, s)| *s == real),
        "the random client secret is reported: {found:#?}"
    );
    for word in [
        "auth/custom-token-mismatch",
        "auth/requires-recent-login",
        "msal:acquireTokenFromNetworkStart",
        "secretsmanager:GetSecretValue",
        "DATADOG_RULE_TYPE:SECRET",
        "?NonExpressionParenKeyword",
        "application/problem+json",
    ] {
        assert!(
            !found.iter().any(|(_, s)| s.contains(word)),
            "{word} reported: {found:#?}"
        );
    }
}

/// A prefix-shaped run inside a base64 blob (wasm embedded in JS), a
/// checksum list named after a Sentry binary and an SQL phrase in a doc
/// comment are not credentials; the real shapes beside them are.
#[test]
fn blobs_checksums_and_prose_are_not_provider_keys() {
    let mut f = Fake::new(1802);
    let env = Env::new();
    let b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let blob: String = (0..3)
        .map(|_| format!("BSA{}/{}", f.chars(b64, 30).replace('/', "Q"), f.chars(b64, 60)))
        .collect::<Vec<_>>()
        .join("");
    let brave = format!("BSA{}", f.alnum(27));
    let sums: String = ["Darwin-arm64", "Linux-x86_64", "Windows-i686.exe"]
        .iter()
        .map(|p| format!("sentry-cli-{p}={}\n", f.chars("0123456789abcdef", 64)))
        .collect();
    let sentry = f.chars("0123456789abcdef", 64);
    let sql_pw = format!("{}#{}", f.alnum(6), f.alnum(5));
    env.write("dist/index.js", format!("const wasm = \"{blob}\";\n"));
    env.write("package/checksums.txt", sums);
    env.write(
        "dist/BlobProperties.d.ts",
        " * String identifier for this copy operation, identified by 'x-ms-copy-id'. Possible values include: 'pending', 'success'\n",
    );
    env.write(
        "deploy/app.env",
        format!("BRAVE_API_KEY={brave}\nSENTRY_AUTH_TOKEN={sentry}\n"),
    );
    env.write(
        "db/init.sql",
        format!("CREATE USER reports\n  IDENTIFIED BY '{sql_pw}';\n"),
    );
    let found = secrets(&env);
    let rules = |id: &str| found.iter().filter(|(r, _)| r == id).count();
    assert_eq!(rules("brave.search-api-key"), 1, "{found:#?}");
    assert!(found.contains(&("brave.search-api-key".into(), brave.clone())));
    assert_eq!(rules("sentry.legacy-auth-token"), 1, "{found:#?}");
    assert!(found.contains(&("sentry.legacy-auth-token".into(), sentry.clone())));
    assert_eq!(rules("sql.password"), 1, "{found:#?}");
    assert!(found.contains(&("sql.password".into(), sql_pw.clone())));
}
