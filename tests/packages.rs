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
        .map(|_| {
            format!(
                "BSA{}/{}",
                f.chars(b64, 30).replace('/', "Q"),
                f.chars(b64, 60)
            )
        })
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

/// A PEM private key commented out line by line (`//` in C++ tests, `#` in
/// Python) is still a key: the comment markers are undone before decoding
/// (BoringSSL's x509 tests keep four keys so). A commented-out block whose
/// body is not a key stays unreported.
#[test]
fn pem_keys_commented_out_line_by_line() {
    let mut f = Fake::new(1803);
    // PKCS#8 Ed25519: the fixed header, then 32 random bytes.
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    der.extend(
        f.chars("0123456789abcdef", 64)
            .as_bytes()
            .chunks(2)
            .map(|h| u8::from_str_radix(std::str::from_utf8(h).unwrap(), 16).unwrap()),
    );
    let body = b64(&der);
    let cpp = format!(
        "// The key of the test certificate:\n//\n//     -----BEGIN PRIVATE KEY-----\n//     {}\n//     {}\n//     -----END PRIVATE KEY-----\nstatic const char kCert[] = \"...\";\n",
        &body[..32],
        &body[32..]
    );
    let py = format!(
        "# -----BEGIN PRIVATE KEY-----\n# {}\n# {}\n# -----END PRIVATE KEY-----\n",
        &body[..32],
        &body[32..]
    );
    let junk = f.chars(alphabet, 64);
    let not_a_key = format!(
        "// -----BEGIN PRIVATE KEY-----\n// {}\n// {}\n// -----END PRIVATE KEY-----\n",
        &junk[..32],
        &junk[32..]
    );
    let env = Env::new();
    env.write("crypto/x509/x509_test.cc", cpp);
    env.write("tools/keys.py", py);
    env.write("crypto/pem/junk_test.cc", not_a_key);
    let (_, v) = env.scan_json(&[".", "--no-config", "--no-redact"]);
    let pem: Vec<String> = findings(&v)
        .iter()
        .filter(|f| f["rule"] == "pem.private-key")
        .map(|f| f["path"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        pem.iter().any(|p| p == "crypto/x509/x509_test.cc"),
        "{pem:?}"
    );
    assert!(pem.iter().any(|p| p == "tools/keys.py"), "{pem:?}");
    assert!(
        !pem.iter().any(|p| p == "crypto/pem/junk_test.cc"),
        "{pem:?}"
    );
}

fn b64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
