//! Filters a candidate secret must pass after its rule's regex matched:
//! placeholder detection, Shannon entropy, and named structural validators
//! (checksums and formats) that rules refer to by name.

/// Shannon entropy of `bytes` in bits per byte.
pub fn shannon_entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Words that mark a value as a placeholder or documentation example when
/// they appear inside it (compared ASCII case-insensitively).
const PLACEHOLDER_WORDS: &[&str] = &[
    "xxxx",
    "your-",
    "your_",
    "yourkey",
    "yourapi",
    "yoursecret",
    "yourtoken",
    "-here",
    "_here",
    "placeholder",
    "example",
    "sample",
    "dummy",
    "changeme",
    "change_me",
    "replace",
    "redacted",
    "insert",
    "todo",
    "fixme",
    "notreal",
    "not-a-real",
    "not_a_real",
    "fakekey",
    "fake-key",
    "fake_key",
    "secret-key-here",
    "*****",
    "....",
];

/// Why a candidate was rejected as a placeholder, if it was.
pub fn placeholder_reason(secret: &[u8]) -> Option<&'static str> {
    if secret.is_empty() {
        return Some("empty");
    }
    // Template syntax: ${VAR}, {{ var }}, <YOUR_KEY>, %(key)s, $VAR.
    if secret
        .windows(2)
        .any(|w| w == b"${" || w == b"{{" || w == b"}}")
        || secret.first() == Some(&b'<')
        || secret.last() == Some(&b'>')
        || secret.first() == Some(&b'$')
        || secret.windows(2).any(|w| w == b"%(")
    {
        return Some("template");
    }
    let lower: Vec<u8> = secret.iter().map(u8::to_ascii_lowercase).collect();
    for w in PLACEHOLDER_WORDS {
        if memchr::memmem::find(&lower, w.as_bytes()).is_some() {
            return Some("placeholder word");
        }
    }
    if longest_run(secret, |a, b| a == b) >= 6 {
        return Some("repeated characters");
    }
    if longest_run(secret, |a, b| {
        a.is_ascii_alphanumeric() && b == a.wrapping_add(1)
    }) >= 6
    {
        return Some("sequential characters");
    }
    let distinct = {
        let mut seen = [false; 256];
        secret.iter().for_each(|&b| seen[b as usize] = true);
        seen.iter().filter(|&&s| s).count()
    };
    if secret.len() >= 16 && distinct <= 4 {
        return Some("too few distinct characters");
    }
    None
}

/// Length of the longest run where each byte relates to the previous one by
/// `rel` (the run counts its first byte).
fn longest_run(s: &[u8], rel: impl Fn(u8, u8) -> bool) -> usize {
    let (mut best, mut cur) = (usize::from(!s.is_empty()), 1);
    for w in s.windows(2) {
        if rel(w[0], w[1]) {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 1;
        }
    }
    best
}

/// The names rules may use in `validator = "..."`.
pub const VALIDATORS: &[&str] = &["github-crc32", "jwt-hs"];

/// Run the named validator. `None` when the name is unknown (the rule
/// checker reports that), otherwise whether `secret` is structurally valid.
pub fn run_validator(name: &str, secret: &[u8]) -> Option<bool> {
    match name {
        "github-crc32" => Some(github_crc32(secret)),
        "jwt-hs" => Some(jwt_hs(secret)),
        _ => None,
    }
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Base62 encoding of `n`, left-padded with '0' to `width`.
pub fn base62(mut n: u64, width: usize) -> String {
    let mut out = Vec::new();
    while n > 0 {
        out.push(BASE62[(n % 62) as usize]);
        n /= 62;
    }
    while out.len() < width {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).expect("base62 is ASCII")
}

/// GitHub's token formats end in a 6-character base62 CRC32 of the random
/// part before it (`ghp_` + 30 random + 6 checksum).
pub fn github_crc32(secret: &[u8]) -> bool {
    let Some(us) = memchr::memrchr(b'_', secret) else {
        return false;
    };
    let body = &secret[us + 1..];
    if body.len() < 7 {
        return false;
    }
    let (random, check) = body.split_at(body.len() - 6);
    base62(u64::from(crc32fast::hash(random)), 6).as_bytes() == check
}

/// A JWT whose header says it is signed with an HMAC secret (`HS256`...).
pub fn jwt_hs(secret: &[u8]) -> bool {
    let Some(dot) = memchr::memchr(b'.', secret) else {
        return false;
    };
    let Some(header) = base64url_decode(&secret[..dot]) else {
        return false;
    };
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&header) else {
        return false;
    };
    v.get("alg")
        .and_then(|a| a.as_str())
        .is_some_and(|a| a.starts_with("HS"))
}

/// Decode unpadded base64url (also accepts the standard alphabet).
pub fn base64url_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in s {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_bounds() {
        assert_eq!(shannon_entropy(b""), 0.0);
        assert_eq!(shannon_entropy(b"aaaa"), 0.0);
        assert!((shannon_entropy(b"abcd") - 2.0).abs() < 1e-9);
    }

    #[test]
    fn placeholders() {
        for p in [
            "sk-your-key-here",
            "${OPENAI_API_KEY}",
            "<your key>",
            "xxxxxxxxxxxxxxxx",
            "aaaaaaaaaaaaaaaaaaaa",
            "sk-abcdefghijklmnop",
            "0123456789012345",
            "{{ secrets.TOKEN }}",
        ] {
            assert!(placeholder_reason(p.as_bytes()).is_some(), "{p}");
        }
        assert!(placeholder_reason(b"Qm7vT2kR9pLx4NcZ8wYb").is_none());
    }

    #[test]
    fn github_checksum_roundtrip() {
        let random = "Zk3mQ9vR2tLx8NcW4pYb7HsJ1fGd5a";
        let token = format!(
            "ghp_{random}{}",
            base62(u64::from(crc32fast::hash(random.as_bytes())), 6)
        );
        assert!(github_crc32(token.as_bytes()));
        let mut bad = token.into_bytes();
        let last = bad.len() - 1;
        bad[last] = if bad[last] == b'A' { b'B' } else { b'A' };
        assert!(!github_crc32(&bad));
    }

    #[test]
    fn jwt_hs_header() {
        // {"alg":"HS256","typ":"JWT"}
        assert!(jwt_hs(b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.sig"));
        // {"alg":"RS256","typ":"JWT"}
        assert!(!jwt_hs(b"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.e30.sig"));
    }
}
