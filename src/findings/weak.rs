//! Weak values in credential files (issue 29): a `.pgpass`, `.netrc`,
//! `.git-credentials` or SFTP/deployment config's password is reported
//! whatever its strength, since the format says it is one; a weak one
//! (short, or of one or two character classes: a word, a word and digits)
//! is still a login, but one a guess finds as well as a leak. Such findings
//! get severity `low` (SARIF level `note`) and their `why` says "weak".

use crate::findings::Finding;
use crate::rules::{RuleKind, RuleSet, Severity};

/// Rules whose value is a login in its format's field, base64-encoded
/// (`.npmrc` `_auth`, `:_password`; Docker `config.json` `auth`) or a
/// registry token (`.npmrc` `_authToken`): the strength judged is the
/// decoded password's.
const BASE64_LOGIN_RULES: &[&str] = &["npmrc.auth", "docker-config.auth"];

/// Whether `rule` reports the password field of a credential file format:
/// its validator is `credential-field`, or it is a URL password in a
/// `.git-credentials` file.
fn credential_file_field(rules: &RuleSet, rule: &str, path: &str) -> bool {
    let name = path.rsplit(['/', '!']).next().unwrap_or(path);
    (rule == "url.password" && name == ".git-credentials")
        || BASE64_LOGIN_RULES.contains(&rule)
        || rules
            .rules
            .iter()
            .find(|r| r.syntax.id == rule)
            .is_some_and(|r| r.syntax.validator.as_deref() == Some("credential-field"))
}

/// A password a guess finds: shorter than 8 characters, or of fewer than
/// three character classes (lower, upper, digit, other) when shorter than 16.
pub fn weak(pw: &[u8]) -> bool {
    let classes = [
        pw.iter().any(u8::is_ascii_lowercase),
        pw.iter().any(u8::is_ascii_uppercase),
        pw.iter().any(u8::is_ascii_digit),
        pw.iter().any(|b| !b.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|c| **c)
    .count();
    pw.len() < 8 || (classes < 3 && pw.len() < 16)
}

/// Lower the severity of weak credential-file passwords and say so.
pub fn apply(findings: &mut [Finding], rules: &RuleSet) {
    for f in findings.iter_mut().filter(|f| f.kind == RuleKind::Secret) {
        let pw = if BASE64_LOGIN_RULES.contains(&f.rule.as_str()) {
            crate::rules::validate::decoded_password(f.secret.as_bytes())
                .unwrap_or_else(|| f.secret.as_bytes().to_vec())
        } else {
            f.secret.as_bytes().to_vec()
        };
        if !weak(&pw) || !credential_file_field(rules, &f.rule, &f.path) {
            continue;
        }
        f.severity = f.severity.min(Severity::Low);
        f.why = format!(
            "weak password (short, or a word and digits) in a credential file: {}",
            f.why
        );
    }
}

#[cfg(test)]
mod tests {
    use super::weak;

    #[test]
    fn weak_passwords() {
        for w in [
            "fig",
            "kestrel",
            "sunflower",
            "orchid42",
            "tulip7",
            "summer2024",
        ] {
            assert!(weak(w.as_bytes()), "{w}");
        }
        for s in ["Kq7#vT2mRx9L", "xY3kQ9wLm2ZpT4vR", "aaaaaaaaaaaaaaaaaaaa"] {
            assert!(!weak(s.as_bytes()), "{s}");
        }
    }
}
