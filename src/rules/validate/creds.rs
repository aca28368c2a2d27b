//! Credentials recognised by where they sit rather than by an issuer's
//! format: passwords in URLs, connection strings and config files,
//! `Authorization` headers, registry auth entries, values assigned to
//! secret-sounding names. Shared here: what a placeholder password looks
//! like, and what a value that is code, a template, a regex or a format
//! string looks like.

use super::{
    base64url_decode, generic_secret, looks_like_identifier, placeholder_reason, shannon_entropy,
};

/// Passwords that documentation, tutorials and defaults use (compared
/// ASCII case-insensitively, whole value).
const PLACEHOLDER_PASSWORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "pw",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "pa55word",
    "secret",
    "mypass",
    "mypassword",
    "mysecret",
    "testpassword",
    "testpass",
    "test",
    "testing",
    "changeme",
    "changeit",
    "hackme",
    "optional",
    "default",
    "inactive",
    "invalid",
    "example",
    "sample",
    "dummy",
    "fake",
    "foo",
    "bar",
    "foobar",
    "baz",
    "qwerty",
    "letmein",
    "hunter2",
    "admin",
    "administrator",
    "root",
    "guest",
    "user",
    "username",
    "login",
    "pass123",
    "password1",
    "password123",
    "none",
    "null",
    "nil",
    "empty",
    "blank",
    "unset",
    "undefined",
    "hidden",
    "masked",
    "redacted",
    "removed",
    "token",
    "apikey",
    "key",
    "xxx",
    "abc",
    "abc123",
    "s3cret",
    "s3cr3t",
    "sekret",
    "sekrit",
    "postgres",
    "mysql",
    "mongo",
    "redis",
    "rabbitmq",
];

/// Words that make a letters-only password a placeholder (`dbPassword`,
/// `your_secret`, `TestPass`).
const PLACEHOLDER_STEMS: &[&str] = &[
    "password",
    "passwd",
    "passw0rd",
    "secret",
    "changeme",
    "changeit",
    "example",
    "sample",
    "placeholder",
    "dummy",
    "mypass",
    "testpass",
    "yourpass",
    "default",
    "insecure",
    "redacted",
    "notasecret",
    "notreal",
    "fake",
    "geheim",
];

/// Template or interpolation syntax: `${VAR}`, `$VAR`, `$(cmd)`, `%VAR%`,
/// `{{ var }}`, `<value>`, `#{var}`, `[password]` / `password]`
/// (documentation syntax for an optional part), `{0}` / `{}` / `%s` (format
/// strings).
pub fn is_template(v: &[u8]) -> bool {
    let has = |n: &[u8]| crate::text::find_bytes(v, n).is_some();
    if has(b"${") || has(b"$(") || has(b"{{") || has(b"}}") || has(b"#{") || has(b"%(") {
        return true;
    }
    if v.first() == Some(&b'$')
        && v.get(1)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
    {
        return true;
    }
    if v.len() > 2 && v[0] == b'%' && v[v.len() - 1] == b'%' {
        return true;
    }
    if v.first() == Some(&b'<')
        || v.last() == Some(&b'>')
        || v.first() == Some(&b'[')
        || v.last() == Some(&b']')
    {
        return true;
    }
    format_string(v)
}

/// `%s`, `%d`, `%v`, `%q`, `%@` conversions; `{}`, `{0}`, `{name}` fields.
pub fn format_string(v: &[u8]) -> bool {
    for (i, &b) in v.iter().enumerate() {
        if b == b'%'
            && let Some(&c) = v.get(i + 1)
            && matches!(c, b's' | b'd' | b'v' | b'q' | b'@')
            && !v.get(i + 2).is_some_and(u8::is_ascii_alphanumeric)
        {
            return true;
        }
        if b == b'{'
            && let Some(close) = memchr::memchr(b'}', &v[i + 1..])
        {
            let inner = &v[i + 1..i + 1 + close];
            if inner.len() <= 32
                && inner
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b':' | b' '))
            {
                return true;
            }
        }
    }
    false
}

/// Source code rather than a literal: a function call (`newSecret(`), member
/// access (`this.token`), a concatenation (`+this.accessToken+`), an
/// operator.
pub fn looks_like_code(v: &[u8]) -> bool {
    let has = |n: &[u8]| crate::text::find_bytes(v, n).is_some();
    if has(b"this.") || has(b"self.") || has(b"->") || has(b"=>") || has(b"==") || has(b"!=") {
        return true;
    }
    if has(b"&&") || has(b"||") || has(b"::") {
        return true;
    }
    if matches!(
        v.first(),
        Some(b'+' | b'.' | b',' | b'(' | b')' | b';' | b':' | b'=' | b'>')
    ) || matches!(v.last(), Some(b'+' | b',' | b'(' | b';'))
    {
        return true;
    }
    // A call: an identifier of two or more letters right before `(`.
    for (i, &b) in v.iter().enumerate() {
        if b == b'('
            && i >= 2
            && v[i - 2..i]
                .iter()
                .all(|c| c.is_ascii_alphabetic() || *c == b'_')
        {
            return true;
        }
    }
    // Indexing: `Shards[-1].ShardId`, `args[0]`.
    for (i, &b) in v.iter().enumerate() {
        if b == b'['
            && let Some(close) = memchr::memchr(b']', &v[i + 1..])
            && close > 0
            && v[i + 1..i + 1 + close]
                .iter()
                .all(|c| c.is_ascii_digit() || matches!(c, b'-' | b'\'' | b'"'))
        {
            return true;
        }
    }
    // A concatenation: `prefix+accessToken`.
    if v.contains(&b'+')
        && v.split(|&b| b == b'+')
            .any(|p| looks_like_identifier(p) || dotted_identifier(p))
    {
        return true;
    }
    false
}

/// `config.api_key`, `settings.Token`: identifiers joined by dots.
fn dotted_identifier(p: &[u8]) -> bool {
    p.contains(&b'.')
        && p.split(|&b| b == b'.').all(|w| {
            w.first()
                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
                && w.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
        })
        && p.iter().filter(|b| b.is_ascii_digit()).count() <= 2
}

/// A regular expression: character classes, escapes, groups, quantifiers.
pub fn looks_like_regex(v: &[u8]) -> bool {
    const MARKS: &[&[u8]] = &[
        b"[a-z", b"[A-Z", b"[0-9", b"a-z]", b"A-Z]", b"0-9]", b"\\d", b"\\w", b"\\s", b"[^",
        b"(?:", b"(?i", b"(?P", b".*", b".+", b"\\.",
    ];
    if MARKS
        .iter()
        .any(|m| crate::text::find_bytes(v, m).is_some())
    {
        return true;
    }
    // A counted quantifier: `{32}`, `{8,64}`.
    v.iter().enumerate().any(|(i, &b)| {
        b == b'{' && {
            let rest = &v[i + 1..];
            let digits = rest
                .iter()
                .take_while(|c| c.is_ascii_digit() || **c == b',')
                .count();
            digits > 0 && rest.get(digits) == Some(&b'}')
        }
    })
}

/// A date, time or timestamp: `2024-05-01T12:00:00Z`, `20240501120000`.
pub fn looks_like_timestamp(v: &[u8]) -> bool {
    let digits = v.iter().filter(|b| b.is_ascii_digit()).count();
    digits >= 8
        && digits * 10 >= v.len() * 6
        && v.iter().all(|b| {
            b.is_ascii_digit() || matches!(b, b'-' | b':' | b'T' | b'Z' | b'.' | b'+' | b'/' | b' ')
        })
}

/// Whether `pw` is a documentation, default or masked password rather than
/// a real one.
pub fn placeholder_password(pw: &[u8]) -> bool {
    if pw.is_empty() || placeholder_reason(pw).is_some() || is_template(pw) {
        return true;
    }
    let lower = String::from_utf8_lossy(pw).to_ascii_lowercase();
    if PLACEHOLDER_PASSWORDS.contains(&lower.as_str()) || crate::rules::syntax::dummy_value(pw) {
        return true;
    }
    if pw.iter().all(|b| {
        matches!(
            b,
            b'*' | b'x' | b'X' | b'.' | b'#' | b'?' | b'-' | b'_' | b'0'
        )
    }) {
        return true;
    }
    // Words and a short number: `mypassword1`, `Test_Secret!`, `your-password`,
    // also spelled with digits for letters (`P@ssw0rd`, `s3cr3t`).
    let unleet: String = lower
        .chars()
        .map(|c| match c {
            '@' | '4' => 'a',
            '0' => 'o',
            '3' => 'e',
            '1' | '!' => 'i',
            '$' | '5' => 's',
            _ => c,
        })
        .collect();
    if PLACEHOLDER_PASSWORDS.contains(&unleet.as_str()) {
        return true;
    }
    let letters: String = lower.chars().filter(char::is_ascii_alphabetic).collect();
    let digits = pw.iter().filter(|b| b.is_ascii_digit()).count();
    let others = pw.len() - letters.len() - digits;
    let unleet_letters: String = unleet.chars().filter(char::is_ascii_alphabetic).collect();
    if digits <= 4
        && others <= 2
        && PLACEHOLDER_STEMS
            .iter()
            .any(|s| letters.contains(s) || unleet_letters.contains(s))
    {
        return true;
    }
    false
}

/// Undo percent-encoding (twice, as URLs in code are sometimes encoded
/// twice) so that `p%40ssword` is judged as `p@ssword`.
/// A `+` is a space, as in form encoding.
fn percent_decoded(v: &[u8]) -> Vec<u8> {
    let once = |v: &[u8]| -> Vec<u8> {
        let plus: Vec<u8> = v
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        percent_encoding::percent_decode(&plus).collect()
    };
    once(&once(v))
}

/// A password that is plausibly real: long enough, not a placeholder, not
/// code, not a template, and not the user name again (`guest:guest`).
pub fn password_value(pw: &[u8], user: Option<&[u8]>) -> bool {
    if pw.len() < 5 || placeholder_password(pw) || looks_like_code(pw) || looks_like_regex(pw) {
        return false;
    }
    if let Some(u) = user
        && (u.eq_ignore_ascii_case(pw) || is_template(u))
    {
        return false;
    }
    true
}

/// URL schemes the `database.*` rules own.
const DATABASE_SCHEMES: &[&str] = &[
    "postgres",
    "postgresql",
    "pgsql",
    "postgis",
    "mysql",
    "mariadb",
    "mssql",
    "sqlserver",
    "oracle",
    "mongodb",
    "redis",
    "rediss",
    "amqp",
    "amqps",
];

/// Hosts of documentation examples.
fn example_host(host: &[u8]) -> bool {
    let host = String::from_utf8_lossy(host).to_ascii_lowercase();
    let name = host.split([':', '/']).next().unwrap_or("");
    matches!(
        name,
        "host" | "hostname" | "server" | "domain" | "your-host" | "yourhost"
    ) || name == "example"
        || name.starts_with("example.")
        || name.ends_with(".example")
        || name.contains(".example.")
}

/// The password of `scheme://user:password@host`, judged with the user and
/// host around it. With `database` false, URLs whose scheme a `database.*`
/// rule owns are left to that rule (it has its own allow list).
pub fn url_password(secret: &[u8], whole: &[u8], database: bool) -> bool {
    let Some(sep) = crate::text::find_bytes(whole, b"://") else {
        return false;
    };
    let scheme = String::from_utf8_lossy(&whole[..sep]).to_ascii_lowercase();
    let base = scheme.split('+').next().unwrap_or("");
    let base = base.rsplit(':').next().unwrap_or(base);
    if !database && DATABASE_SCHEMES.contains(&base) {
        return false;
    }
    let userinfo = &whole[sep + 3..];
    let Some(colon) = memchr::memchr(b':', userinfo) else {
        return false;
    };
    let user = &userinfo[..colon];
    let host = memchr::memrchr(b'@', whole).map_or(&b""[..], |at| &whole[at + 1..]);
    if example_host(host) || format_string(user) {
        return false;
    }
    // `john:smith@`, `alice:wonderland@`: a short lower-case word for both is
    // a documentation example, not a generated or chosen password.
    let word = |w: &[u8]| !w.is_empty() && w.iter().all(u8::is_ascii_lowercase);
    if word(user) && word(secret) && secret.len() < 8 {
        return false;
    }
    let decoded = percent_decoded(secret);
    password_value(secret, (!user.is_empty()).then_some(user))
        && (decoded == secret || !placeholder_password(&decoded))
}

/// Standard base64 (padding optional) decoded to printable ASCII.
fn decode_printable(b64: &[u8]) -> Option<Vec<u8>> {
    if !b64
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    {
        return None;
    }
    let raw = base64url_decode(b64)?;
    raw.iter().all(|b| (0x20..0x7f).contains(b)).then_some(raw)
}

/// `base64(user:password)` decoded, with the offset of its first colon.
fn decoded_login(secret: &[u8]) -> Option<(Vec<u8>, usize)> {
    let raw = decode_printable(secret)?;
    let colon = memchr::memchr(b':', &raw)?;
    Some((raw, colon))
}

/// `base64(user:password)`, as in `Authorization: Basic`, a Docker
/// `config.json` `auth` or an `.npmrc` `_auth`: decodes to a user and a
/// real password (or to a token used as the user name, `sk_live_...:`).
pub fn basic_auth(secret: &[u8]) -> bool {
    let Some((raw, colon)) = decoded_login(secret) else {
        return false;
    };
    let (user, pw) = (&raw[..colon], &raw[colon + 1..]);
    if pw.is_empty() {
        return user.len() >= 16 && shannon_entropy(user) >= 3.5 && !is_template(user);
    }
    !user.is_empty() && plausible_decoded_password(pw, user)
}

/// A password decoded out of base64 `user:password`: a real one unless it
/// is short, a placeholder or the user name again. Not judged as code or a
/// regex, as a value in source is: nobody base64-encodes code into a Basic
/// credential, and a random generated password (`+k.*Zq^…`) holds such
/// characters by chance (one in twenty was dropped).
fn plausible_decoded_password(pw: &[u8], user: &[u8]) -> bool {
    pw.len() >= 5
        && !placeholder_password(pw)
        && !user.eq_ignore_ascii_case(pw)
        && !is_template(user)
}

/// A token after `Bearer`, or an `_authToken`: random-looking, not a
/// template, code or word.
pub fn bearer_token(secret: &[u8], whole: &[u8]) -> bool {
    !is_template(secret)
        && !looks_like_code(secret)
        && !looks_like_regex(secret)
        && generic_secret(secret, whole)
}

/// An `.npmrc` auth entry: `_authToken` is a token, `_auth` is
/// `base64(user:password)`, `:_password` is `base64(password)`.
pub fn npmrc_auth(secret: &[u8], whole: &[u8]) -> bool {
    let has = |n: &[u8]| crate::text::find_bytes(whole, n).is_some();
    if has(b"_authToken") {
        // Legacy npm tokens are UUIDs. A value of `//registry/:_authToken=`
        // (a form only `.npmrc` has) is the registry's credential whatever
        // its shape: a weak one is reported at low severity.
        (super::is_uuid(secret) && !is_template(secret))
            || (shannon_entropy(secret) >= 3.0 && bearer_token(secret, whole))
            || (has(b"/:_authToken")
                && credential_field(secret, whole)
                && placeholder_reason(secret).is_none()
                && !looks_like_code(secret))
    } else if has(b"_password") {
        decode_printable(secret).is_some_and(|pw| credential_field(&pw, b""))
    } else {
        basic_auth_field(secret)
    }
}

/// `base64(user:password)` in a field whose format says it is a login (an
/// `.npmrc` `_auth`, a Docker `config.json` `auth`): a credential whatever
/// the password's strength, unless it decodes to a stock placeholder, a
/// template or the user name again.
pub fn basic_auth_field(secret: &[u8]) -> bool {
    let Some((raw, colon)) = decoded_login(secret) else {
        return false;
    };
    let (user, pw) = (&raw[..colon], &raw[colon + 1..]);
    if pw.is_empty() {
        return basic_auth(secret);
    }
    !user.is_empty()
        && !is_template(user)
        && !user.eq_ignore_ascii_case(pw)
        && credential_field(pw, b"")
        && placeholder_reason(pw).is_none()
        && !crate::rules::syntax::dummy_value(pw)
}

/// The password inside a base64 `user:password` (or a bare base64
/// password), for judging its strength.
pub fn decoded_password(secret: &[u8]) -> Option<Vec<u8>> {
    let raw = decode_printable(secret)?;
    Some(match memchr::memchr(b':', &raw) {
        Some(colon) => raw[colon + 1..].to_vec(),
        None => raw,
    })
}

/// The user name in front of a password in `whole`: `-u user:pw`,
/// `User ID=app;Password=pw`, `login user ... password pw`, `username: u`.
fn user_before(secret: &[u8], whole: &[u8]) -> Option<Vec<u8>> {
    let at = crate::text::rfind_bytes(whole, secret)?;
    let before = &whole[..at];
    if let Some(prefix) = before.strip_suffix(b":") {
        let start = prefix
            .iter()
            .rposition(|b| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'=' | b'/'))
            .map_or(0, |i| i + 1);
        return Some(prefix[start..].to_vec());
    }
    let lower = before.to_ascii_lowercase();
    for key in [
        &b"user id="[..],
        b"userid=",
        b"uid=",
        b"username=",
        b"user=",
    ] {
        if let Some(i) = crate::text::rfind_bytes(&lower, key) {
            let v = &before[i + key.len()..];
            let end = v
                .iter()
                .position(|b| matches!(b, b';' | b'&' | b'\n' | b'"' | b'\''))
                .unwrap_or(v.len());
            return Some(v[..end].trim_ascii().to_vec());
        }
    }
    let words: Vec<&[u8]> = before
        .split(|b| b.is_ascii_whitespace() || matches!(b, b'=' | b':'))
        .filter(|w| !w.is_empty())
        .collect();
    let named = words
        .windows(2)
        .rev()
        .find(|w| {
            [&b"login"[..], b"username", b"user"]
                .iter()
                .any(|k| w[0].eq_ignore_ascii_case(k))
        })
        .map(|w| w[1].to_vec());
    if named.is_some() {
        return named;
    }
    // A client's `-u<user>` or `-u <user>` (`mysql -uapp -p…`), on the
    // secret's own line.
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let line: Vec<&[u8]> = before[line_start..]
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    for (i, w) in line.iter().enumerate().rev() {
        if *w == b"-u" {
            if let Some(next) = line.get(i + 1) {
                return Some(next.to_vec());
            }
        } else if let Some(u) = w.strip_prefix(b"-u") {
            return Some(u.to_vec());
        }
    }
    None
}

/// A password in context (a `.netrc` entry, `curl -u`, a connection string,
/// a config file): real-looking and not the user name again.
pub fn password_in(secret: &[u8], whole: &[u8]) -> bool {
    let user = user_before(secret, whole);
    password_value(secret, user.as_deref())
}

/// A field that a credential file's format defines as a password or token
/// (`.pgpass`, `.netrc`, an SFTP client's config): a credential whatever
/// its strength, unless it is empty, a template or variable, a mask, a
/// stock placeholder or the user name again.
pub fn credential_field(secret: &[u8], whole: &[u8]) -> bool {
    let lower = String::from_utf8_lossy(secret).to_ascii_lowercase();
    let masked = secret
        .iter()
        .all(|b| matches!(b, b'*' | b'x' | b'X' | b'.' | b'#' | b'?' | b'-' | b'_'));
    let variable = secret.starts_with(b"$") || secret.starts_with(b"%") || secret.starts_with(b"<");
    let user_again = user_before(secret, whole).is_some_and(|u| u.eq_ignore_ascii_case(secret));
    !secret.is_empty()
        && !masked
        && !variable
        && !is_template(secret)
        && !PLACEHOLDER_PASSWORDS.contains(&lower.as_str())
        && !user_again
}

/// Whether the name a value is assigned to is about a password.
fn password_name(name: &[u8]) -> bool {
    let lower = name.to_ascii_lowercase();
    let has = |n: &[u8]| crate::text::find_bytes(&lower, n).is_some();
    has(b"pass") || has(b"pwd")
}

/// A value assigned to a secret-sounding name in config syntax (INI, YAML,
/// properties, XML, an API client collection): a password by the password
/// rules when the name says password, otherwise a high-entropy literal by
/// [`generic_secret`].
pub fn named_value(secret: &[u8], whole: &[u8]) -> bool {
    let name = match crate::text::rfind_bytes(whole, secret) {
        Some(i) => &whole[..i],
        None => whole,
    };
    if looks_like_code(secret)
        || looks_like_regex(secret)
        || is_template(secret)
        || looks_like_timestamp(secret)
    {
        return false;
    }
    // A passphrase of capitalised words with a digit (`BlueHorse7Tango`)
    // reads like an identifier, but under a password name it is a password.
    let mixed = |v: &[u8]| {
        !v.contains(&b'_')
            && v.iter().any(u8::is_ascii_digit)
            && v.iter().any(u8::is_ascii_uppercase)
            && v.iter().any(u8::is_ascii_lowercase)
    };
    if password_name(name) && super::looks_like_identifier(secret) && mixed(secret) {
        return password_value(secret, None);
    }
    if !generic_secret(secret, whole) {
        return false;
    }
    // A padded base64 value (a Kubernetes Secret's `data:`) is judged by
    // what it decodes to: `cGFzc3dvcmQ=` is the word `password`.
    if secret.ends_with(b"=")
        && let Some(decoded) = super::base64url_decode(secret)
        && decoded.iter().all(|b| b.is_ascii_graphic() || *b == b' ')
        && !super::base64_credential(secret, b"")
    {
        return false;
    }
    if password_name(name) {
        password_value(secret, None)
    } else {
        shannon_entropy(secret) >= 3.5
    }
}

/// A kubeconfig user token: a service-account JWT or an opaque token.
pub fn kubeconfig_token(secret: &[u8], whole: &[u8]) -> bool {
    if secret.starts_with(b"eyJ") {
        return super::jwt_signed(secret) || super::jwt_hs(secret);
    }
    shannon_entropy(secret) >= 3.0 && bearer_token(secret, whole)
}

/// `<name>value</name>` with the same name on both tags, the value judged by
/// [`named_value`].
pub fn xml_element(secret: &[u8], whole: &[u8]) -> bool {
    let Some(open) = whole.strip_prefix(b"<") else {
        return false;
    };
    let name_len = open
        .iter()
        .position(|b| b.is_ascii_whitespace() || *b == b'>')
        .unwrap_or(open.len());
    let name = &open[..name_len];
    let mut close = b"</".to_vec();
    close.extend_from_slice(name);
    close.push(b'>');
    whole.ends_with(&close) && named_value(secret, &whole[..whole.len() - close.len()])
}

/// CRC-16/XMODEM, the checksum of NATS nkeys.
pub fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in data {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// RFC 4648 base32 without padding.
fn base32_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in s {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        acc = (acc << 5) | u32::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// A NATS nkey seed (`SU...` user, `SA...` account, `SO...` operator, also
/// server, cluster and curve seeds): base32 of a two-byte prefix, a 32-byte
/// Ed25519 seed and a CRC-16 that must agree.
pub fn nkey_seed(secret: &[u8]) -> bool {
    let Some(raw) = base32_decode(secret) else {
        return false;
    };
    if raw.len() != 36 || raw[0] >> 3 != 18 {
        return false;
    }
    let kind = ((raw[0] & 7) << 5) | (raw[1] >> 3);
    let known = [20 << 3, 14 << 3, 0, 13 << 3, 2 << 3, 23 << 3];
    known.contains(&kind) && crc16(&raw[..34]) == u16::from_le_bytes([raw[34], raw[35]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_passwords() {
        for p in [
            "password",
            "mypass",
            "testpassword",
            "changeme",
            "inactive",
            "invalid",
            "secret",
            "xxx",
            "...",
            "********",
            "${DB_PASSWORD}",
            "$DB_PASS",
            "%DB_PASSWORD%",
            "<password>",
            "{{ .Values.password }}",
            "password]",
            "%s",
            "{0}",
            "{}",
            "MyPassword1",
            "your_secret",
        ] {
            assert!(placeholder_password(p.as_bytes()), "{p}");
        }
        for p in ["hXJklg2TcF6qjcANF3", "q9ies-ZA5q", "Tr0ub4dor&3x"] {
            assert!(!placeholder_password(p.as_bytes()), "{p}");
        }
    }

    #[test]
    fn code_templates_regexes() {
        for c in [
            "StreamDescription.Shards[-1].ShardId",
            "+this.accessToken+",
            "+newPlausibleSecret(",
            "getToken()",
            "prefix+accessToken",
            "a==b",
        ] {
            assert!(looks_like_code(c.as_bytes()), "{c}");
        }
        for r in ["([a-zA-Z0-9]{32})", "^[A-Za-z0-9_-]+$", "\\d{6}"] {
            assert!(looks_like_regex(r.as_bytes()), "{r}");
        }
        for f in ["client=%s&user_token=%s", "key-{0}", "Bearer {}"] {
            assert!(format_string(f.as_bytes()), "{f}");
        }
        for t in ["2024-05-01T12:00:00Z", "20240501120000123"] {
            assert!(looks_like_timestamp(t.as_bytes()), "{t}");
        }
        for ok in [
            "Qm7vT2kR9pLx4NcZ8wYb",
            "ab+cd/EF12gh+IJ34kl=",
            "3Pf0UccrpQxlqV7_XlZmTR%Js7m3g@pkCrug7E-N",
        ] {
            assert!(
                !looks_like_code(ok.as_bytes()) && !looks_like_regex(ok.as_bytes()),
                "{ok}"
            );
            assert!(!is_template(ok.as_bytes()), "{ok}");
        }
    }

    #[test]
    fn url_passwords() {
        let url = |u: &str| {
            let at = u.rfind('@').unwrap();
            let colon = crate::text::to(u, at).rfind(':').unwrap();
            url_password(&u.as_bytes()[colon + 1..at], u.as_bytes(), false)
        };
        assert!(url("https://deploy:hXJklg2TcF6qjcANF3@git.acme-corp.dev")); // jikimi:allow (fake)
        assert!(url("ftp://backup:Tr0ub4dor&3x@files.acme-corp.dev")); // jikimi:allow (fake)
        assert!(!url("https://user:password@git.acme-corp.dev"));
        assert!(!url("https://deploy:deploy@git.acme-corp.dev"));
        assert!(!url("https://deploy:hXJklg2TcF6qjcANF3@example.com"));
        // The database rules own this scheme.
        assert!(!url("postgres://app:hXJklg2TcF6qjcANF3@db.internal")); // jikimi:allow (fake)
        assert!(!url("postgresql://[user[:password]@"));
        assert!(!url("socks5://john:smith@proxy.acme-corp.dev"));
        assert!(!url("http://u%40ser:p%2540ssword@proxy.acme-corp.dev"));
    }

    #[test]
    fn basic_credentials() {
        // "deploy:Tr0ub4dor&3x", "user:password", "sk_live_..." as the user.
        assert!(basic_auth(b"ZGVwbG95OlRyMHViNGRvciYzeA=="));
        assert!(!basic_auth(b"dXNlcjpwYXNzd29yZA=="));
        assert!(!basic_auth(b"bm90IGEgY3JlZGVudGlhbA"));
        assert!(!basic_auth(b"example"));
    }

    #[test]
    fn random_passwords_in_basic_credentials() {
        use base64::Engine as _;
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        // Generated passwords hold `+`, `.*`, `&&` by chance.
        for pw in ["+k.*Zq^a9X&&m", ".Hw7#tq+Rm2x9", "Vb3^q-Lz8(w)Xp"] {
            assert!(basic_auth(b64(&format!("deploy:{pw}")).as_bytes()), "{pw}");
        }
        for pw in ["password", "deploy", "changeme", "${PASS}"] {
            assert!(!basic_auth(b64(&format!("deploy:{pw}")).as_bytes()), "{pw}");
        }
    }

    #[test]
    fn nkey_checksum() {
        assert_eq!(crc16(b"123456789"), 0x31C3);
        assert!(!nkey_seed(
            b"SUAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        ));
    }
}
