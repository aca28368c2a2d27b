//! Private key material, decoded and checked for the structure real keys
//! have: a PEM block's DER body, an OpenSSH `openssh-key-v1` body, an
//! OpenPGP secret-key packet, a PuTTY `.ppk` file, a JSON Web Key.
//!
//! These checks replace the text heuristics (repeated characters, placeholder
//! words) for key material: a real key's base64 is full of `AAAA` runs, and a
//! fake one (`...`, `MIIEvQ...`, a truncated body) fails to decode into the
//! structure.

use std::sync::OnceLock;

use regex::Regex;

use super::base64url_decode;

/// Whether a key is stored in the clear or under a passphrase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyState {
    Plain,
    Encrypted,
}

/// An armored block with its embedding in code or data undone.
struct Armor {
    label: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// A PGP armor checksum line (`=XXXX`), decoded.
    checksum: Option<Vec<u8>>,
}

/// Undo the ways a block is written inside code and data: string literals
/// joined across lines (`"...\n" +` / `"..." .` / implicit concatenation),
/// `\n` escapes (also double-escaped), `\/`. What is left is the block as
/// `openssl` wrote it, give or take indentation.
fn unwrap_embedding(text: &str) -> String {
    static GAP: OnceLock<Regex> = OnceLock::new();
    let gap = GAP.get_or_init(|| {
        Regex::new(
            r#"["'`][ \t]*(?:\+|\.\.?|&|,)?[ \t\r\n]*(?:\+|\.\.?|&)?[ \t]*[rbfuRBFU@$]{0,2}["'`]"#,
        )
        .expect("valid regex")
    });
    let joined = gap.replace_all(text, "");
    let mut out = String::with_capacity(joined.len());
    let mut chars = joined.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('n') => {
                chars.next();
                out.push('\n');
            }
            Some('r') | Some('t') => {
                chars.next();
            }
            // `\\n` (double-escaped), `\/` (JSON), a line continuation: the
            // backslash itself is never part of base64.
            _ => {}
        }
    }
    out
}

fn is_b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/'
}

/// The line-comment marker every line of a commented-out block starts with
/// (`// MIIEpAIB…` in C, `# MIIE…` in shell or Python, `; …` in INI), each
/// followed by a space or nothing: a base64 line never holds a space, so a
/// body line that merely begins with `/` is not taken for a comment.
fn comment_marker(body: &str) -> Option<&'static str> {
    ["//", "#", ";"].into_iter().find(|m| {
        let mut lines = body.lines().map(str::trim_start).filter(|l| !l.is_empty());
        let mut n = 0;
        let all = lines.all(|l| {
            n += 1;
            l.strip_prefix(m)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
        });
        all && n >= 2
    })
}

/// Parse `-----BEGIN label-----` ... `-----END label-----`.
fn armor(secret: &[u8]) -> Option<Armor> {
    let text = unwrap_embedding(std::str::from_utf8(secret).ok()?);
    let text = text.trim();
    let rest = text.strip_prefix("-----BEGIN ")?;
    let (label, rest) = rest.split_once("-----")?;
    let end = format!("-----END {label}-----");
    let body = rest.strip_suffix(end.as_str())?;
    let mut headers = Vec::new();
    let mut b64 = String::new();
    let mut checksum = None;
    let marker = comment_marker(body);
    for line in body.lines() {
        let line = match marker {
            Some(m) => line.trim_start().strip_prefix(m).unwrap_or(line),
            None => line,
        };
        let line = line.trim_matches(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`'));
        if line.is_empty() {
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            // RFC 1421 / RFC 4880 armor headers come before the data.
            if !b64.is_empty() || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return None;
            }
            headers.push((k.to_string(), v.trim().to_string()));
            continue;
        }
        if label.starts_with("PGP ") && line.len() == 5 && line.starts_with('=') {
            checksum = Some(base64url_decode(&line.as_bytes()[1..])?);
            continue;
        }
        if !line.bytes().all(|b| is_b64(b) || b == b'=') {
            return None;
        }
        b64.push_str(line);
    }
    let data = b64.trim_end_matches('=');
    if data.contains('=') || b64.len() - data.len() > 2 {
        return None;
    }
    // Documentation keys are marked (AWS writes EXAMPLE into theirs); seven
    // given letters in a row never occur in a random body.
    if data.contains("EXAMPLE") {
        return None;
    }
    Some(Armor {
        label: label.to_string(),
        headers,
        body: base64url_decode(data.as_bytes())?,
        checksum,
    })
}

/// The state of a private key block (PEM, OpenSSH or PGP armor), or `None`
/// when it is not a private key with a well-formed body.
pub fn pem_state(secret: &[u8]) -> Option<KeyState> {
    let a = armor(secret)?;
    if !a.label.contains("PRIVATE KEY") || a.body.len() < 32 {
        return None;
    }
    match a.label.as_str() {
        "OPENSSH PRIVATE KEY" => openssh_state(&a.body),
        "PGP PRIVATE KEY BLOCK" => pgp_state(&a.body, a.checksum.as_deref()),
        "ENCRYPTED PRIVATE KEY" => der_key(&a.body, 0x30).map(|_| KeyState::Encrypted),
        _ => {
            let proc_encrypted = a
                .headers
                .iter()
                .any(|(k, v)| k.eq_ignore_ascii_case("Proc-Type") && v.contains("ENCRYPTED"));
            if proc_encrypted {
                // Traditional OpenSSL encryption: the body is ciphertext in
                // whole cipher blocks.
                (a.body.len() % 8 == 0).then_some(KeyState::Encrypted)
            } else {
                der_key(&a.body, 0x02).map(|_| KeyState::Plain)
            }
        }
    }
}

/// A DER SEQUENCE filling the body (give or take a few bytes of padding)
/// whose first element has tag `first` (an INTEGER version for PKCS#1,
/// PKCS#8, SEC1 and DSA keys; a SEQUENCE for encrypted PKCS#8).
fn der_key(b: &[u8], first: u8) -> Option<()> {
    if b.first() != Some(&0x30) {
        return None;
    }
    let (len, hdr) = der_len(&b[1..])?;
    let total = 1 + hdr + len;
    if total > b.len() || b.len() - total > 16 || len < 16 {
        return None;
    }
    (b.get(1 + hdr) == Some(&first)).then_some(())
}

/// A DER length: (length, bytes it took).
fn der_len(b: &[u8]) -> Option<(usize, usize)> {
    let first = *b.first()?;
    if first < 0x80 {
        return Some((usize::from(first), 1));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 3 || b.len() < 1 + n {
        return None;
    }
    let len = b[1..=n]
        .iter()
        .fold(0usize, |acc, &x| (acc << 8) | usize::from(x));
    Some((len, 1 + n))
}

/// A reader of SSH wire-format fields.
struct Wire<'a>(&'a [u8]);

impl<'a> Wire<'a> {
    fn u32(&mut self) -> Option<u32> {
        let (head, rest) = self.0.split_at_checked(4)?;
        self.0 = rest;
        Some(u32::from_be_bytes(head.try_into().ok()?))
    }

    fn string(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }
}

/// `openssh-key-v1`: cipher, KDF, KDF options, key count, public keys, then
/// the private section, whose two check integers agree when unencrypted.
fn openssh_state(b: &[u8]) -> Option<KeyState> {
    let mut r = Wire(b.strip_prefix(b"openssh-key-v1\0")?);
    let cipher = r.string()?;
    let kdf = r.string()?;
    let _kdf_options = r.string()?;
    let keys = r.u32()?;
    if keys == 0 || keys > 64 {
        return None;
    }
    for _ in 0..keys {
        if r.string()?.len() < 8 {
            return None;
        }
    }
    let private = r.string()?;
    if cipher == b"none" {
        if kdf != b"none" {
            return None;
        }
        let mut p = Wire(private);
        (p.u32()? == p.u32()?).then_some(KeyState::Plain)
    } else {
        (private.len() >= 8).then_some(KeyState::Encrypted)
    }
}

/// CRC-24 of OpenPGP ASCII armor (RFC 4880 section 6.1).
pub fn crc24(data: &[u8]) -> u32 {
    let mut crc: u32 = 0x00B7_04CE;
    for &b in data {
        crc ^= u32::from(b) << 16;
        for _ in 0..8 {
            crc <<= 1;
            if crc & 0x0100_0000 != 0 {
                crc ^= 0x0186_4CFB;
            }
        }
    }
    crc & 0x00FF_FFFF
}

/// An OpenPGP transferable secret key: its first packet is a secret-key
/// packet (tag 5); encrypted when its S2K usage octet is not zero. When the
/// armor has a checksum, it must agree.
fn pgp_state(b: &[u8], checksum: Option<&[u8]>) -> Option<KeyState> {
    if let Some(c) = checksum {
        if c.len() != 3
            || crc24(b) != (u32::from(c[0]) << 16 | u32::from(c[1]) << 8 | u32::from(c[2]))
        {
            return None;
        }
    }
    let (tag, body) = pgp_packet(b)?;
    if tag != 5 {
        return None;
    }
    // A key whose protection cannot be read (an unknown algorithm) is
    // reported as the unencrypted kind: the worse case.
    Some(match pgp_s2k_usage(body) {
        Some(0) | None => KeyState::Plain,
        Some(_) => KeyState::Encrypted,
    })
}

/// The first packet: (tag, body).
fn pgp_packet(b: &[u8]) -> Option<(u8, &[u8])> {
    let first = *b.first()?;
    if first & 0x80 == 0 {
        return None;
    }
    let (tag, len, hdr): (u8, usize, usize) = if first & 0x40 != 0 {
        let o1 = usize::from(*b.get(1)?);
        let (len, hdr) = match o1 {
            0..=191 => (o1, 2),
            192..=223 => (((o1 - 192) << 8) + usize::from(*b.get(2)?) + 192, 3),
            255 => (
                b.get(2..6)?
                    .iter()
                    .fold(0usize, |a, &x| (a << 8) | usize::from(x)),
                6,
            ),
            // Partial body lengths: the packet runs on.
            _ => (b.len() - 2, 2),
        };
        (first & 0x3f, len, hdr)
    } else {
        let (len, hdr) = match first & 3 {
            0 => (usize::from(*b.get(1)?), 2),
            1 => (usize::from(u16::from_be_bytes([*b.get(1)?, *b.get(2)?])), 3),
            2 => (
                b.get(1..5)?
                    .iter()
                    .fold(0usize, |a, &x| (a << 8) | usize::from(x)),
                5,
            ),
            _ => (b.len() - 1, 1),
        };
        ((first >> 2) & 0x0f, len, hdr)
    };
    Some((tag, b.get(hdr..hdr.checked_add(len)?)?))
}

/// The S2K usage octet of a secret-key packet body (after the public key).
fn pgp_s2k_usage(p: &[u8]) -> Option<u8> {
    let version = *p.first()?;
    let algo = *p.get(5)?;
    let mut i = 6;
    match version {
        4 => {
            let mpi = |i: &mut usize| -> Option<()> {
                let bits = usize::from(u16::from_be_bytes([*p.get(*i)?, *p.get(*i + 1)?]));
                *i += 2 + bits.div_ceil(8);
                Some(())
            };
            let oid = |i: &mut usize| -> Option<()> {
                let n = usize::from(*p.get(*i)?);
                if n == 0 || n == 0xff {
                    return None;
                }
                *i += 1 + n;
                Some(())
            };
            match algo {
                1..=3 => {
                    mpi(&mut i)?;
                    mpi(&mut i)?;
                }
                16 | 20 => {
                    for _ in 0..3 {
                        mpi(&mut i)?;
                    }
                }
                17 => {
                    for _ in 0..4 {
                        mpi(&mut i)?;
                    }
                }
                18 => {
                    oid(&mut i)?;
                    mpi(&mut i)?;
                    i += 1 + usize::from(*p.get(i)?);
                }
                19 | 22 => {
                    oid(&mut i)?;
                    mpi(&mut i)?;
                }
                25 | 27 => i += 32,
                26 => i += 56,
                28 => i += 57,
                _ => return None,
            }
        }
        5 | 6 => {
            let n = u32::from_be_bytes(p.get(6..10)?.try_into().ok()?) as usize;
            i = 10usize.checked_add(n)?;
        }
        _ => return None,
    }
    p.get(i).copied()
}

/// A PuTTY `.ppk` file (formats 2 and 3): the header names the algorithm and
/// encryption, the public blob decodes to an SSH key of that algorithm, the
/// private lines decode, and a MAC closes the file.
pub fn putty_state(secret: &[u8]) -> Option<KeyState> {
    let text = std::str::from_utf8(secret).ok()?;
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut lines = text.lines().map(str::trim_end);
    let field = |line: Option<&str>, name: &str| -> Option<String> {
        let (k, v) = line?.split_once(": ")?;
        (k == name).then(|| v.to_string())
    };
    let first = lines.next()?;
    let (version, alg) = first
        .strip_prefix("PuTTY-User-Key-File-")?
        .split_once(": ")?;
    if version != "2" && version != "3" {
        return None;
    }
    let encryption = field(lines.next(), "Encryption")?;
    field(lines.next(), "Comment")?;
    let count = |v: String| v.parse::<usize>().ok().filter(|&n| (1..=256).contains(&n));
    let public_lines = count(field(lines.next(), "Public-Lines")?)?;
    let mut public = String::new();
    for _ in 0..public_lines {
        public.push_str(lines.next()?);
    }
    let public = base64url_decode(public.trim_end_matches('=').as_bytes())?;
    if Wire(&public).string()? != alg.as_bytes() {
        return None;
    }
    // Format 3 puts the key-derivation parameters here when encrypted.
    let mut line = lines.next()?;
    for _ in 0..6 {
        if line.starts_with("Private-Lines: ") {
            break;
        }
        line = lines.next()?;
    }
    let private_lines = count(field(Some(line), "Private-Lines")?)?;
    let mut private = String::new();
    for _ in 0..private_lines {
        let l = lines.next()?;
        if !l.bytes().all(|b| is_b64(b) || b == b'=') {
            return None;
        }
        private.push_str(l);
    }
    let private = base64url_decode(private.trim_end_matches('=').as_bytes())?;
    let mac = field(lines.next(), "Private-MAC")?;
    if !(mac.len() == 40 || mac.len() == 64) || !mac.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    match encryption.as_str() {
        "none" => (private.len() >= 8).then_some(KeyState::Plain),
        "aes256-cbc" => {
            (private.len() >= 16 && private.len() % 16 == 0).then_some(KeyState::Encrypted)
        }
        _ => None,
    }
}

/// A JSON Web Key holding private material: `"kty"` with its private
/// members (`d` for RSA, EC and OKP keys; `k` for symmetric `oct` keys),
/// each a base64url value of at least 16 bytes that is not a placeholder.
pub fn jwk_private(secret: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(secret) else {
        return false;
    };
    let text = text.replace("\\\"", "\"");
    let parsed = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .or_else(|| serde_json::from_str(&object_literal_json(&text)?).ok());
    let Some(v) = parsed else {
        return false;
    };
    let member = |name: &str| -> bool {
        v.get(name).and_then(|d| d.as_str()).is_some_and(|d| {
            super::placeholder_reason(d.as_bytes()).is_none()
                && d.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                && base64url_decode(d.as_bytes()).is_some_and(|raw| raw.len() >= 16)
        })
    };
    match v.get("kty").and_then(|k| k.as_str()) {
        Some("RSA") => member("d") && member("p") && member("q"),
        Some("EC") | Some("OKP") => member("d"),
        Some("oct") => member("k"),
        _ => false,
    }
}

/// A JavaScript object literal of string values (`{ kty: 'EC', d: "…", }`)
/// rewritten as JSON: bare keys quoted, single-quoted and backtick strings
/// double-quoted, a trailing comma dropped. `None` for anything else (a
/// nested call, a template with `${`): then it is not a literal key.
fn object_literal_json(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 32);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' | '`' => {
                out.push('"');
                loop {
                    let d = chars.next()?;
                    match d {
                        _ if d == c => break,
                        '\\' => {
                            out.push('\\');
                            out.push(chars.next()?);
                        }
                        '"' => out.push_str("\\\""),
                        '$' if c == '`' && chars.peek() == Some(&'{') => return None,
                        _ => out.push(d),
                    }
                }
                out.push('"');
            }
            c if c.is_ascii_alphabetic() || c == '_' || c == '$' => {
                let mut word = String::from(c);
                while let Some(&d) = chars.peek() {
                    if d.is_ascii_alphanumeric() || d == '_' || d == '$' {
                        word.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if matches!(word.as_str(), "true" | "false" | "null") {
                    out.push_str(&word);
                    continue;
                }
                while chars.peek().is_some_and(|d| d.is_whitespace()) {
                    chars.next();
                }
                if chars.peek() != Some(&':') {
                    return None;
                }
                out.push('"');
                out.push_str(&word);
                out.push('"');
            }
            ',' => {
                let mut next = chars.clone().skip_while(|d| d.is_whitespace());
                if next.next() != Some('}') {
                    out.push(',');
                }
            }
            _ => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_literals_become_json() {
        assert_eq!(
            object_literal_json("{ kty: 'EC', d: \"a'b\", x: `c`, }").as_deref(),
            Some("{ \"kty\": \"EC\", \"d\": \"a'b\", \"x\": \"c\" }")
        );
        assert_eq!(object_literal_json("{ k: process.env.K }"), None);
        assert_eq!(object_literal_json("{ k: `${a}` }"), None);
    }

    #[test]
    fn embedding_is_undone() {
        assert_eq!(
            unwrap_embedding("-----BEGIN X-----\\n\" +\n  \"QUJD\\n\" +\n  \"-----END X-----"),
            "-----BEGIN X-----\nQUJD\n-----END X-----"
        );
        assert_eq!(unwrap_embedding("a\\\\nb\\/c"), "a\nb/c");
        assert_eq!(unwrap_embedding("'ab' .\n 'cd'"), "'abcd'");
    }

    #[test]
    fn crc24_of_empty_is_the_init() {
        assert_eq!(crc24(b""), 0xB704CE);
    }

    #[test]
    fn der_lengths() {
        assert_eq!(der_len(&[0x05]), Some((5, 1)));
        assert_eq!(der_len(&[0x82, 0x01, 0x00]), Some((256, 3)));
        assert_eq!(der_len(&[0x80]), None);
    }
}
