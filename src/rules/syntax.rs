//! The syntax a generic candidate sits in: the file's language or format,
//! the key a value is assigned to and what that key means, and the lines
//! around it. Rules that decide by words and shapes alone (`generic.*`,
//! `config.*`, `url.password`) ask [`plausible`] whether a match is a
//! credential in its syntax; rules with `files` run over every file of the
//! credential format they name ([`file_matches`]).
//!
//! Light lexing only: a line, its key, its neighbours. Nothing here parses a
//! whole file, so a 10 MB line costs no more than it did before.

/// A language family or data format, from a file's name (content sniffing
/// for names without an extension).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Ruby,
    Python,
    Script,
    Php,
    Jvm,
    CSharp,
    Go,
    Shell,
    Yaml,
    Toml,
    Ini,
    Env,
    Json,
    Xml,
    Html,
    Sql,
    Markdown,
    Other,
}

/// The language of `path` (a file name or a path; `/`-separated).
pub fn lang(path: &str, text: &[u8]) -> Lang {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    // Generator templates keep their target's extension before `.tt`,
    // `.erb`, `.tmpl`, `.j2`: `database.yml.tt` is YAML.
    let base = [
        "tt", "erb", "tmpl", "tpl", "j2", "template", "example", "sample", "dist",
    ]
    .iter()
    .find_map(|t| lower.strip_suffix(&format!(".{t}")))
    .unwrap_or(&lower);
    let ext = base.rsplit_once('.').map_or("", |(_, e)| e);
    match ext {
        "rb" | "rake" | "gemspec" | "ru" => Lang::Ruby,
        "py" | "pyi" => Lang::Python,
        "js" | "mjs" | "cjs" | "jsx" | "ts" | "tsx" | "vue" | "svelte" => Lang::Script,
        "php" | "phtml" | "inc" => Lang::Php,
        "java" | "kt" | "kts" | "scala" | "groovy" | "gradle" => Lang::Jvm,
        "cs" | "vb" | "fs" => Lang::CSharp,
        "go" => Lang::Go,
        "sh" | "bash" | "zsh" | "ps1" | "bat" | "cmd" => Lang::Shell,
        "yml" | "yaml" => Lang::Yaml,
        "toml" => Lang::Toml,
        "ini" | "cfg" | "conf" | "properties" | "pgpass" | "npmrc" | "pypirc" => Lang::Ini,
        "env" => Lang::Env,
        "json" | "jsonc" | "json5" => Lang::Json,
        "xml" | "config" | "csproj" | "plist" | "xaml" => Lang::Xml,
        "html" | "htm" | "xhtml" => Lang::Html,
        "sql" => Lang::Sql,
        "md" | "markdown" | "rst" | "txt" | "adoc" => Lang::Markdown,
        _ if base.starts_with(".env") => Lang::Env,
        _ if base == "gemfile" || base == "rakefile" => Lang::Ruby,
        _ => match text.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{' | b'[') => Lang::Json,
            Some(b'<') => Lang::Xml,
            _ if text.starts_with(b"#!") => Lang::Shell,
            _ => Lang::Other,
        },
    }
}

/// Whether `path` is one of `names`: an entry is a file name (`.pgpass`) or
/// a path tail (`.vscode/sftp.json`), compared ASCII case-insensitively.
pub fn path_is(path: &str, names: &[String]) -> bool {
    let p = path.replace('\\', "/").to_ascii_lowercase();
    names.iter().any(|n| {
        let n = n.to_ascii_lowercase();
        p == n || p.ends_with(&format!("/{n}"))
    })
}

/// The line holding byte `at`: its start and end.
fn line_at(text: &[u8], at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let start = text[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let end = text[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |i| at + i);
    (start, end)
}

/// The key a value at `value_start` is assigned to: the last identifier-ish
/// run before the assignment operator on its line (`api_key` in
/// `config["api_key"] = "…"`, `secret` in `:secret => '…'`, `Pass` in
/// `<Pass encoding="base64">`). Lower-cased.
pub fn key_before(text: &[u8], value_start: usize) -> String {
    key_before_at(text, value_start, true)
}

fn key_before_at(text: &[u8], value_start: usize, look_up: bool) -> String {
    let (ls, _) = line_at(text, value_start);
    let before = &text[ls..value_start.min(text.len())];
    let mut i = before.len();
    while i > 0 && matches!(before[i - 1], b'"' | b'\'' | b'`') {
        i -= 1;
    }
    // A string prefix: f"", r'', @"", $"" (not the end of a word).
    if i > 0
        && matches!(
            before[i - 1],
            b'f' | b'F' | b'r' | b'R' | b'b' | b'B' | b'u' | b'U' | b'@' | b'$'
        )
        && (i < 2 || !(before[i - 2].is_ascii_alphanumeric() || before[i - 2] == b'_'))
    {
        i -= 1;
    }
    while i > 0 && matches!(before[i - 1], b' ' | b'\t') {
        i -= 1;
    }
    // XML element text: the element's name.
    if i > 0 && before[i - 1] == b'>' {
        if let Some(lt) = before[..i].iter().rposition(|&b| b == b'<') {
            let tag = &before[lt + 1..i - 1];
            let end = tag
                .iter()
                .position(|b| b.is_ascii_whitespace() || *b == b'/')
                .unwrap_or(tag.len());
            return String::from_utf8_lossy(&tag[..end]).to_ascii_lowercase();
        }
    }
    while i > 0
        && matches!(
            before[i - 1],
            b' ' | b'\t'
                | b'='
                | b':'
                | b'>'
                | b'['
                | b']'
                | b'"'
                | b'\''
                | b','
                | b'?'
                | b'('
                | b'.'
        )
    {
        i -= 1;
    }
    let end = i;
    while i > 0
        && (before[i - 1].is_ascii_alphanumeric() || matches!(before[i - 1], b'_' | b'-' | b'.'))
    {
        i -= 1;
    }
    let key = String::from_utf8_lossy(&before[i..end]).to_ascii_lowercase();
    // A value alone on its line (an array item, a YAML block value): the
    // key ends the line before.
    if key.is_empty()
        && look_up
        && ls > 0
        && before[..i]
            .iter()
            .all(|b| b.is_ascii_whitespace() || matches!(b, b'[' | b'-' | b'(' | b','))
    {
        return key_before_at(text, ls - 1, false);
    }
    // An HTML input's value: the input's name says what it is.
    if key == "value" {
        let tag_start = before.iter().rposition(|&b| b == b'<').unwrap_or(0);
        let tag = before[tag_start..].to_ascii_lowercase();
        if let Some(n) = crate::text::find_bytes(&tag, b"name=") {
            let v = &tag[n + 5..];
            let v = v
                .strip_prefix(b"\"")
                .or_else(|| v.strip_prefix(b"'"))
                .unwrap_or(v);
            let e = v
                .iter()
                .position(|b| matches!(b, b'"' | b'\'' | b' ' | b'>'))
                .unwrap_or(v.len());
            return String::from_utf8_lossy(&v[..e]).into_owned();
        }
    }
    key
}

/// Key words that look like a secret's name but name something public or
/// per-request: identifiers, names, paths, anti-forgery tokens, nonces,
/// digests, WebAuthn data.
const LOOKALIKE_WORDS: &[&str] = &[
    "authenticity",
    "csrf",
    "xsrf",
    "nonce",
    "digest",
    "checksum",
    "fingerprint",
    "integrity",
    "authenticator",
    "attestation",
    "assertion",
    "credential_id",
    "credentialid",
    "raw_id",
    "rawid",
    "auth_data",
    "authdata",
    "requestverification",
    "client_data",
    "clientdata",
    "public",
    "_hash",
    "hashed",
    "nexttoken",
    "next_token",
    "pagetoken",
    "page_token",
    "continuation",
    "paginat",
    "cursor",
    "withcredentials",
    "mechanism",
    "algorithm",
];

/// Words of a UI string's key (`TITLE_CHANGE_PASSWORD`), as a whole
/// `_`-separated word of the key.
const UI_STRING_WORDS: &[&str] = &[
    "label",
    "title",
    "tooltip",
    "advice",
    "mandatory",
    "show",
    "hide",
    "invalid",
    "button",
    "btn",
    "msg",
    "error",
    "successfully",
    "changed",
    "matching",
    "forgot",
    "hint",
    "prompt",
    "caption",
    "heading",
    "notification",
];

/// Key endings that name a thing about a secret, not the secret.
const LOOKALIKE_ENDINGS: &[&str] = &[
    "_name",
    "name",
    "_id",
    "_ids",
    "_path",
    "path",
    "_url",
    "url",
    "_uri",
    "_field",
    "field",
    "_header",
    "header",
    "_param",
    "param",
    "_route",
    "_label",
    "label",
    "_type",
    "_length",
    "_prefix",
    "_format",
    "_title",
    "_message",
    "_hint",
    "_placeholder",
    "_text",
    "address",
    "variable",
];

/// Whether a key names a look-alike rather than a secret.
pub fn lookalike_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase().replace('-', "_");
    if k.ends_with("secret_id") {
        return false;
    }
    let camel_tail = k.rsplit(['.', '_']).next().unwrap_or(&k);
    // A UI string's key in a translation catalogue (`LABEL_PASSWORD`,
    // `SHOW_PASSWORD_ADVICE`, `INVALID_TWO_FACTOR_AUTH_TOKEN`): its value is
    // words in some language.
    if k.contains('_') && k.split('_').any(|w| UI_STRING_WORDS.contains(&w)) {
        return true;
    }
    LOOKALIKE_WORDS.iter().any(|w| k.contains(w))
        || LOOKALIKE_ENDINGS.iter().any(|e| k.ends_with(e))
        || camel_tail == "id"
}

/// A value cut for display (`8f3a1c...`, `sk_live_…`): a placeholder.
pub fn cut_value(text: &[u8], secret_end: usize) -> bool {
    let end = secret_end.min(text.len());
    let tail = &text[end..];
    let head = &text[..end];
    let ellipsis = |t: &[u8]| t.starts_with(b"...") || t.starts_with("…".as_bytes());
    ellipsis(tail) || head.ends_with(b"...") || head.ends_with("…".as_bytes())
}

/// Documentation dummies that pass entropy checks: `user123:pass456`,
/// `pass123`, `secret456`.
pub fn dummy_value(secret: &[u8]) -> bool {
    let s = secret.to_ascii_lowercase();
    let digits = s.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 6 {
        return false;
    }
    let mut word = &s[..s.len() - digits];
    if let Some(w) = word.strip_suffix(b"_").or_else(|| word.strip_suffix(b"-")) {
        word = w;
    }
    [
        &b"pass"[..],
        b"password",
        b"passwd",
        b"pwd",
        b"secret",
        b"user",
        b"username",
        b"test",
        b"admin",
        b"key",
        b"token",
        b"apikey",
        b"root",
        b"demo",
    ]
    .contains(&word)
}

/// A per-request token signed by a key beside it: a webhook payload's
/// `token:` next to `timestamp:` and `signature:` (Mailgun-style), where the
/// signing key is the secret and the token is a nonce.
fn nonce_beside_signature(text: &[u8], at: usize) -> bool {
    let (ls, le) = line_at(text, at);
    let lo = text[..ls]
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, b)| **b == b'\n')
        .nth(3)
        .map_or(0, |(i, _)| i);
    let hi = text[le..]
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(3)
        .map_or(text.len(), |(i, _)| le + i);
    let near = text[lo..hi].to_ascii_lowercase();
    let has = |w: &[u8]| crate::text::find_bytes(&near, w).is_some();
    has(b"timestamp") && has(b"signature")
}

/// A JSON document of UI strings (`"TITLE_FORGOT_PASSWORD": "Forgot your
/// password?"`): translation keys whose values are prose.
fn prose(secret: &[u8]) -> bool {
    secret.iter().filter(|b| **b == b' ').count() >= 2 || foreign_text(secret)
}

/// Text in a script other than Latin (`パスワード`, `请提供密码`, `Passwörter`
/// is not): a translation catalogue's value. Passwords and tokens are
/// ASCII in practice; a value whose characters are mostly outside it, and
/// that has at least two of them, is words.
fn foreign_text(secret: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(secret) else {
        return false;
    };
    let (mut wide, mut all) = (0usize, 0usize);
    for c in s.chars() {
        all += 1;
        if !c.is_ascii() && c.is_alphabetic() {
            wide += 1;
        }
    }
    wide >= 2 && wide * 2 >= all
}

/// Whether a generic candidate is a credential in its syntax: the key it is
/// assigned to names a secret (not a look-alike), the value is not cut,
/// not a documentation dummy, not a nonce beside its signature, not prose.
pub fn plausible(
    rule_id: &str,
    lang: Option<Lang>,
    text: &[u8],
    secret_start: usize,
    secret_end: usize,
) -> bool {
    let secret = &text[secret_start..secret_end.min(text.len())];
    // Configuration formats have their base64 payloads decoded and scanned
    // already (the decoded block is reported as `pem.private-key`): the
    // encoded form is this rule's business in every other file.
    if rule_id == "pem.base64-private-key" {
        return !lang.is_some_and(|l| {
            matches!(
                l,
                Lang::Yaml | Lang::Toml | Lang::Ini | Lang::Env | Lang::Json
            )
        });
    }
    if cut_value(text, secret_end)
        || dummy_value(secret)
        || keyboard_walk(secret)
        || base64_word(secret)
        || validation_rule_name(secret)
        || prose(secret)
        || reference_or_advice(secret)
    {
        return false;
    }
    // Unquoted values are literals in config formats only: in a program
    // (`withCredentials: kEnumerableProperty`, `password: AuthPlugin<{`)
    // they are expressions and types.
    let unquoted_rule = matches!(
        rule_id,
        "generic.config-assignment" | "generic.config-password" | "config.username-password"
    );
    let quoted = secret.starts_with(b"\"") || secret.starts_with(b"'");
    if unquoted_rule && !quoted && lang.is_some_and(program) {
        return false;
    }
    // A name/value pair's value outside quotes in a program is an
    // expression (`name: forgery_token.to_s, value: form_token)` in a Rails
    // helper), as it is for the unquoted config rules.
    if rule_id == "generic.env-name-value"
        && lang.is_some_and(program)
        && !(secret_start > 0 && matches!(text[secret_start - 1], b'"' | b'\''))
    {
        return false;
    }
    if password_hash(secret) || (structured_data(secret) && !salt_define(text, secret_start)) {
        return false;
    }
    if css_selector(secret) || word_phrase(secret) {
        return false;
    }
    if secret.ends_with(b"{")
        || secret.ends_with(b"(")
        || crate::text::find_bytes(secret, b"<{").is_some()
    {
        return false;
    }
    if rule_id == "sql.password" {
        return !user_again_in_statement(text, secret_start, secret);
    }
    if rule_id == "url.password" || database_url(rule_id) {
        return !paired_dummy(text, secret_start, secret_end)
            && !encoded_dummy(secret)
            && !encoded_words(secret);
    }
    if route(text, secret_start)
        || route_target(secret)
        || file_name(secret)
        || dotted_reference(secret)
    {
        return false;
    }
    let key = key_before(text, secret_start);
    if !key.is_empty() && (lookalike_key(&key) || file_name(key.as_bytes())) {
        return false;
    }
    if identifier_value(secret, &key, !rule_id.contains("password"))
        || public_address(secret, &key)
        || spelled_placeholder(secret)
        || word_pairs(secret)
    {
        return false;
    }
    if validation_rules(secret) {
        return false;
    }
    if matches!(key.as_str(), "token" | ":token") && nonce_beside_signature(text, secret_start) {
        return false;
    }
    if form_field_token(&key, text, secret_start) {
        return false;
    }
    if matches!(key.trim_start_matches(['@', ':']), "token" | "_token") && anti_forgery_file(text) {
        return false;
    }
    // A bare hex digest compared with a password column in SQL (`WHERE
    // password = '202cb962…'`) is what the password became.
    if rule_id == "generic.password-assignment"
        && hex_digest(secret)
        && sql_where(text, secret_start)
    {
        return false;
    }
    true
}

/// A framework's anti-forgery form field: Laravel's `_token`, Symfony's
/// `_csrf_token` (the CSRF words are look-alikes already) in an HTML input or
/// a request log's parameters. Issued per session, never a credential.
fn form_field_token(key: &str, text: &[u8], at: usize) -> bool {
    if key != "_token" {
        return false;
    }
    let (ls, _) = line_at(text, at);
    let line = text[ls..at.min(text.len())].to_ascii_lowercase();
    crate::text::find_bytes(&line, b"<input").is_some()
        || crate::text::find_bytes(&line, b"parameters:").is_some()
        || crate::text::find_bytes(&line, b"\"_token\"=>").is_some()
}

/// A bare `token` in code about request forgery (`@token = "…"` in a CSRF
/// test, a file that speaks of `authenticity_token`, CSRF or forgery): an
/// anti-forgery token. The file is read (its first 256 KiB), not the lines
/// around: such tests set the token up far from where the word appears.
fn anti_forgery_file(text: &[u8]) -> bool {
    // Bounded: a minified bundle with many `token` candidates is not read
    // whole for each.
    let near = text[..text.len().min(1 << 18)].to_ascii_lowercase();
    [&b"authenticity_token"[..], b"csrf", b"forgery", b"xsrf"]
        .iter()
        .any(|w| crate::text::find_bytes(&near, w).is_some())
}

/// Whether the "key" a value is assigned to is a route's parameter: the
/// text before the operator is a path (`put "/disk/:encoded_token" =>
/// "disk#update"`, `"/reset/{token}": …`).
fn route(text: &[u8], value_start: usize) -> bool {
    let (ls, _) = line_at(text, value_start);
    let before = &text[ls..value_start.min(text.len())];
    let mut i = before.len();
    while i > 0
        && matches!(
            before[i - 1],
            b' ' | b'\t' | b'=' | b'>' | b':' | b',' | b'"' | b'\'' | b'`'
        )
    {
        i -= 1;
    }
    let start = before[..i]
        .iter()
        .rposition(|b| matches!(b, b'"' | b'\'' | b'`' | b' ' | b'\t' | b'(' | b'['))
        .map_or(0, |p| p + 1);
    let seg = &before[start..i];
    seg.starts_with(b"/")
        && [&b"/:"[..], b"/{", b"/<", b"/*"]
            .iter()
            .any(|w| crate::text::find_bytes(seg, w).is_some())
}

/// A route's target, `controller#action` (`active_storage/disk#update`),
/// or a Spring MVC view name (`redirect:/users/password/edit/`).
fn route_target(v: &[u8]) -> bool {
    if v.starts_with(b"redirect:") || v.starts_with(b"forward:") {
        return true;
    }
    let Some(h) = v.iter().position(|b| *b == b'#') else {
        return false;
    };
    h > 0
        && h + 1 < v.len()
        && v[..h]
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'/'))
        && v[h + 1..]
            .iter()
            .all(|b| b.is_ascii_lowercase() || *b == b'_')
}

/// A file name (`KnAM4a_development.yml.enc`): a value ending in a
/// configuration, key or source file's extension names a file.
fn file_name(v: &[u8]) -> bool {
    let lower = v.to_ascii_lowercase();
    [
        &b".yml"[..],
        b".yaml",
        b".enc",
        b".json",
        b".key",
        b".pem",
        b".crt",
        b".p12",
        b".txt",
        b".env",
        b".conf",
        b".xml",
        b".rb",
        b".js",
        b".py",
        b".html",
        b".php",
        b".ts",
        b".go",
        b".java",
        b".cs",
        b".sql",
        b".md",
    ]
    .iter()
    .any(|e| lower.len() > e.len() + 1 && lower.ends_with(e))
}

/// An SQL login whose password is its user or database name again
/// (a GRANT to user `petclinic` identified by `petclinic`): a sample's default.
fn user_again_in_statement(text: &[u8], at: usize, secret: &[u8]) -> bool {
    let (ls, _) = line_at(text, at);
    let before = text[ls..at.saturating_sub(1).max(ls)].to_ascii_lowercase();
    let s = secret.to_ascii_lowercase();
    let find = |pre: &[u8], post: &[u8]| {
        let mut w = pre.to_vec();
        w.extend_from_slice(&s);
        w.extend_from_slice(post);
        crate::text::find_bytes(&before, &w).is_some()
    };
    find(b"'", b"'")
        || find(b"\"", b"\"")
        || find(b" ", b" ")
        || find(b" ", b".")
        || find(b"`", b"`")
}

/// A validation rule string (`required|confirmed|min:8`, Laravel and
/// similar): words joined by `|`, each with optional `:arguments`.
fn validation_rules(v: &[u8]) -> bool {
    let parts: Vec<&[u8]> = v.split(|b| *b == b'|').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            let name = p.split(|b| *b == b':').next().unwrap_or(p);
            !name.is_empty()
                && name
                    .iter()
                    .all(|b| b.is_ascii_lowercase() || matches!(b, b'_' | b'-'))
        })
}

/// URL rules of the `database.*` family, whose dummy credentials are the
/// same as `url.password`'s.
fn database_url(rule_id: &str) -> bool {
    rule_id.starts_with("database.") && rule_id.ends_with("-url")
}

/// A generated template's pair (`cacheuser:cachepass@`, `appuser:apppassword@`):
/// the password is the user name with its `user` word swapped for `pass`.
fn paired_dummy(text: &[u8], start: usize, end: usize) -> bool {
    let pw = text[start..end.min(text.len())].to_ascii_lowercase();
    if start == 0 || text[start - 1] != b':' {
        return false;
    }
    let u_end = start - 1;
    let u_start = text[..u_end]
        .iter()
        .rposition(|b| matches!(b, b'/' | b'"' | b'\'' | b' ' | b'\n' | b'='))
        .map_or(0, |p| p + 1);
    let user = text[u_start..u_end].to_ascii_lowercase();
    let stem = |w: &[u8], ends: &[&[u8]]| -> Option<Vec<u8>> {
        ends.iter()
            .find_map(|e| w.strip_suffix(*e).map(|s| s.to_vec()))
    };
    match (
        stem(&user, &[&b"user"[..], b"usr", b"username", b"_user"]),
        stem(
            &pw,
            &[
                &b"password"[..],
                b"pass",
                b"passwd",
                b"pwd",
                b"pw",
                b"_pass",
            ],
        ),
    ) {
        (Some(a), Some(b)) => a == b || a.strip_suffix(b"_") == Some(&b[..]),
        _ => false,
    }
}

/// A percent-encoded documentation dummy (`%31%32%33` is `123`): decoded,
/// at most six digits.
fn encoded_dummy(v: &[u8]) -> bool {
    if !v.contains(&b'%') {
        return false;
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < v.len() {
        if v[i] == b'%' && i + 2 < v.len() {
            let h = std::str::from_utf8(&v[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match h {
                Some(b) => {
                    out.push(b);
                    i += 3;
                    continue;
                }
                None => return false,
            }
        }
        out.push(v[i]);
        i += 1;
    }
    let lower = out.to_ascii_lowercase();
    (!out.is_empty() && out.len() <= 6 && out.iter().all(u8::is_ascii_digit))
        || crate::text::find_bytes(&lower, b"ssword").is_some()
}

/// Dummy words of URL-parsing tests and documentation.
const URL_DUMMY_WORDS: &[&[u8]] = &[
    b"foo",
    b"bar",
    b"baz",
    b"qux",
    b"one",
    b"two",
    b"three",
    b"nota",
    b"hex",
    b"pass",
    b"word",
    b"user",
    b"test",
    b"secret",
    b"password",
    b"pwd",
    b"name",
    b"at",
    b"slash",
];

/// A percent-encoded userinfo of a URL-parsing test (`foo%40bar`,
/// `one+two%3F`, `%2F%40`, `nota%hex`): decoded (leniently: a `%` that
/// starts no escape stays), it is punctuation and dummy words only.
fn encoded_words(v: &[u8]) -> bool {
    if !v.contains(&b'%') {
        return false;
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let hex = (v[i] == b'%' && i + 3 <= v.len())
            .then(|| {
                std::str::from_utf8(&v[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            })
            .flatten();
        match hex {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(if v[i] == b'+' { b' ' } else { v[i] });
                i += 1;
            }
        }
    }
    let lower = out.to_ascii_lowercase();
    lower
        .split(|b| !b.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .all(|w| URL_DUMMY_WORDS.contains(&w))
}

/// Runs along a keyboard row (`asdfqwer1234asdf`, `qwerty123`): a value
/// made only of runs of three or more keys of one row is typed, not chosen.
fn keyboard_walk(v: &[u8]) -> bool {
    const ROWS: &[&[u8]] = &[b"1234567890", b"qwertyuiop", b"asdfghjkl", b"zxcvbnm"];
    let t = unquoted(v).to_ascii_lowercase();
    if t.len() < 6 {
        return false;
    }
    let mut i = 0;
    while i < t.len() {
        let mut best = 0;
        for row in ROWS {
            let mut n = 0;
            while i + n < t.len() && crate::text::find_bytes(row, &t[i..=i + n]).is_some() {
                n += 1;
            }
            best = best.max(n);
        }
        if best < 3 {
            return false;
        }
        i += best;
    }
    true
}

/// A Laravel key written as a word (`base64:randomkey`): a real key is 32
/// random bytes in base64 after the prefix.
fn base64_word(v: &[u8]) -> bool {
    let t = unquoted(v);
    t.strip_prefix(b"base64:")
        .is_some_and(|rest| rest.len() < 16 || rest.iter().all(u8::is_ascii_lowercase))
}

/// One validation rule with its parameter (`Confirmed:custom`, `min:8`):
/// what a form checks the password against.
fn validation_rule_name(v: &[u8]) -> bool {
    let t = unquoted(v).to_ascii_lowercase();
    let Some(colon) = t.iter().position(|b| *b == b':') else {
        return false;
    };
    [
        &b"confirmed"[..],
        b"required",
        b"min",
        b"max",
        b"size",
        b"between",
        b"same",
        b"different",
        b"regex",
        b"current_password",
    ]
    .contains(&&t[..colon])
        && t[colon + 1..]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b','))
}

/// The value without the quotes some rules take with it.
fn unquoted(v: &[u8]) -> &[u8] {
    let t = v
        .strip_prefix(b"\"")
        .or_else(|| v.strip_prefix(b"'"))
        .unwrap_or(v);
    t.strip_suffix(b"\"")
        .or_else(|| t.strip_suffix(b"'"))
        .unwrap_or(t)
}

/// A parameter reference (`%mailer_password%`: Symfony parameters, Windows
/// environment variables) or a value that tells the reader what to put
/// there (`YourPwdShouldBeLongAndSecure!`).
fn reference_or_advice(v: &[u8]) -> bool {
    let t = unquoted(v);
    let lower = t.to_ascii_lowercase();
    let wrapped = |c: u8| t.len() > 2 && t[0] == c && t[t.len() - 1] == c;
    // `@project.version@`: a Maven resource filter's token.
    wrapped(b'%')
        || wrapped(b'@')
        || translated_password_word(&lower)
        || (t.len() < v.len() && crate::rules::validate::placeholder_password(t))
        || (lower.len() > 8 && lower.starts_with(b"your") && lower[4].is_ascii_alphabetic())
        || [
            &b"changethis"[..],
            b"changeme",
            b"change_me",
            b"change-me",
            b"replaceme",
            b"replace_me",
            b"replacethis",
        ]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// The word "password" in another language (a translation catalogue or a
/// localised `.properties` bundle in Latin-1: `Password=Contrase\xf1a`).
fn translated_password_word(lower: &[u8]) -> bool {
    [
        &b"contrase"[..],
        b"passwort",
        b"mot de passe",
        b"motdepasse",
        b"wachtwoord",
        b"senha",
        b"lozinka",
        b"haslo",
        b"salasana",
        b"losenord",
        b"adgangskode",
        b"parola",
    ]
    .iter()
    .any(|w| lower.starts_with(w) && lower.len() <= w.len() + 3)
}

/// A reference to another setting (`azurerm_cluster.main.kube_config.0.password`,
/// Terraform and HCL attributes): dotted names ending in a secret word.
fn dotted_reference(v: &[u8]) -> bool {
    let lower = v.to_ascii_lowercase();
    let Some(dot) = lower.iter().rposition(|b| *b == b'.') else {
        return false;
    };
    let last = &lower[dot + 1..];
    lower.iter().filter(|b| **b == b'.').count() >= 2
        && lower
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        && ["password", "secret", "token", "key", "passwd"]
            .iter()
            .any(|w| last == w.as_bytes())
}

/// Whether the line before `at` is an SQL condition (`… WHERE … =`).
fn sql_where(text: &[u8], at: usize) -> bool {
    let start = text[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    crate::text::find_bytes(&text[start..at].to_ascii_lowercase(), b"where ").is_some()
}

/// Lower-case hex of a digest's length (MD5, SHA-1, SHA-256, SHA-512).
fn hex_digest(v: &[u8]) -> bool {
    matches!(v.len(), 32 | 40 | 64 | 128)
        && v.iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
}

/// A stored password hash (Django, bcrypt, crypt(3), argon2): what a
/// password becomes, not the password.
pub fn password_hash(v: &[u8]) -> bool {
    let lower = v.to_ascii_lowercase();
    [
        &b"pbkdf2_sha"[..],
        b"pbkdf2$",
        b"argon2$",
        b"bcrypt$",
        b"bcrypt_sha256$",
        b"scrypt$",
        b"sha1$",
        b"md5$",
        b"$2a$",
        b"$2b$",
        b"$2y$",
        b"$argon2",
        b"$1$",
        b"$5$",
        b"$6$",
        b"{ssha}",
        b"{sha}",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
}

/// Serialised data (a minified bundle's tables, a list): at least three
/// brackets, braces, angle brackets, commas, pipes or semicolons, which no
/// token alphabet and few passwords use.
fn structured_data(v: &[u8]) -> bool {
    v.iter()
        .filter(|b| {
            matches!(
                b,
                b'[' | b']' | b'{' | b'}' | b'<' | b'>' | b',' | b'|' | b';'
            )
        })
        .count()
        >= 3
}

/// A WordPress key or salt (`define('AUTH_KEY', '…')`): generated from the
/// whole printable alphabet, brackets included, so never serialised data.
fn salt_define(text: &[u8], at: usize) -> bool {
    let (ls, _) = line_at(text, at);
    let before = text[ls..at.min(text.len())].to_ascii_uppercase();
    let mut before: Vec<u8> = before
        .into_iter()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    if matches!(before.last(), Some(b'\'' | b'"')) {
        before.pop();
    }
    let before = before.strip_suffix(b",").unwrap_or(&before);
    let before = before
        .strip_suffix(b"'")
        .or_else(|| before.strip_suffix(b"\""))
        .unwrap_or(before);
    before.starts_with(b"DEFINE(") && (before.ends_with(b"_KEY") || before.ends_with(b"_SALT"))
}

/// A CSS selector (`DIV.credentials-select-content-param`, `#password-field`,
/// `input.api-token`): an element's tag and class or id, not a value.
fn css_selector(v: &[u8]) -> bool {
    let t = unquoted(v);
    let Some(mark) = t.iter().position(|b| matches!(b, b'.' | b'#')) else {
        return false;
    };
    let tag = t[..mark].to_ascii_lowercase();
    let tags: &[&[u8]] = &[
        b"",
        b"div",
        b"span",
        b"input",
        b"a",
        b"ul",
        b"li",
        b"p",
        b"table",
        b"tr",
        b"td",
        b"form",
        b"select",
        b"button",
        b"img",
        b"section",
        b"label",
        b"textarea",
        b"option",
    ];
    if !tags.contains(&tag.as_slice()) {
        return false;
    }
    // Each `.class` / `#id` part is a hyphenated lower-case name.
    let parts = t[mark..].split(|b| matches!(b, b'.' | b'#')).skip(1);
    let mut hyphen = false;
    for part in parts {
        if part.is_empty()
            || !part[0].is_ascii_alphabetic()
            || !part
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_'))
        {
            return false;
        }
        hyphen |= part.contains(&b'-');
    }
    hyphen
}

/// Words joined by underscores (`123456_set_at_workflow_level`,
/// `replace_with_your_own_key`): a phrase telling the reader something, with
/// at least three lower-case words of letters only, and no other character
/// than digits in the remaining parts.
fn word_phrase(v: &[u8]) -> bool {
    let parts: Vec<&[u8]> = v.split(|b| *b == b'_').collect();
    let words = parts
        .iter()
        .filter(|p| (2..=12).contains(&p.len()) && p.iter().all(u8::is_ascii_lowercase))
        .count();
    parts.len() >= 4
        && words >= 3
        && parts.iter().all(|p| {
            p.iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .iter()
            .filter(|p| !p.iter().all(u8::is_ascii_lowercase))
            .all(|p| p.iter().all(u8::is_ascii_digit))
}

/// Programming languages, where a value without quotes is an expression.
fn program(lang: Lang) -> bool {
    matches!(
        lang,
        Lang::Ruby | Lang::Python | Lang::Script | Lang::Php | Lang::Jvm | Lang::CSharp | Lang::Go
    )
}

/// A value that is an identifier, not a literal secret (registry packages,
/// session 9): the key's own name again (an enum member `X = "X"`,
/// `Table["X"] = "X"`), or a camelCase/PascalCase name made of words
/// (`cfBackgroundColor`, `?InterpolationInJSX`: a parser state).
/// Passwords made of words (`SummerVacation`) stay passwords: the camelCase
/// test is only for `camel` (token and key rules).
fn identifier_value(secret: &[u8], key: &str, camel: bool) -> bool {
    let v = unquoted(secret);
    let v = v.strip_prefix(b"?").unwrap_or(v);
    if v.is_empty() {
        return false;
    }
    let last = key.rsplit(['.', ':', '[']).next().unwrap_or(key);
    if !last.is_empty() && v.eq_ignore_ascii_case(last.as_bytes()) {
        return true;
    }
    camel && camel_identifier(v)
}

/// Letters only (a digit or two at the end), cut into chunks at each
/// capital (a run of capitals is one acronym, its last capital starting the
/// next word when lower case follows): at least two words of a capital or
/// small letter then lower case with a vowel, at most one acronym, and no
/// other chunk but a short lower-case prefix (`cf`, `is`). Random letters
/// cut into one-letter and vowel-less chunks (`kZtRwQmV`, `DXFehzdDw`).
fn camel_identifier(v: &[u8]) -> bool {
    let body_len = v.len() - v.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let body = &v[..body_len];
    if body.len() < 8 || v.len() - body.len() > 2 || !body.iter().all(u8::is_ascii_alphabetic) {
        return false;
    }
    if !body.iter().any(u8::is_ascii_uppercase) || !body.iter().any(u8::is_ascii_lowercase) {
        return false;
    }
    let mut chunks: Vec<&[u8]> = Vec::new();
    let mut start = 0;
    for i in 1..body.len() {
        let (p, b) = (body[i - 1], body[i]);
        let next_lower = body.get(i + 1).is_some_and(u8::is_ascii_lowercase);
        if (p.is_ascii_lowercase() && b.is_ascii_uppercase())
            || (p.is_ascii_uppercase() && b.is_ascii_uppercase() && next_lower)
        {
            chunks.push(&body[start..i]);
            start = i;
        }
    }
    chunks.push(&body[start..]);
    let vowel = |c: &[u8]| {
        c.iter().any(|b| {
            matches!(
                b.to_ascii_lowercase(),
                b'a' | b'e' | b'i' | b'o' | b'u' | b'y'
            )
        })
    };
    let (mut words, mut acronyms) = (0, 0);
    for (i, c) in chunks.iter().enumerate() {
        let word = c.len() >= 2 && c[1..].iter().all(u8::is_ascii_lowercase) && vowel(c);
        let acronym = (2..=4).contains(&c.len()) && c.iter().all(u8::is_ascii_uppercase);
        let prefix = i == 0 && c.len() <= 3 && c.iter().all(u8::is_ascii_lowercase);
        if word {
            words += 1;
        } else if acronym {
            acronyms += 1;
        } else if !prefix {
            return false;
        }
    }
    let word_letters: usize = chunks.iter().map(|c| c.len()).sum();
    words >= 2 && acronyms <= 1 && word_letters >= words * 3
}

/// An Ethereum-style address (`0x` and 40 hex digits) under a token or key
/// name: a token contract's or account's public address, not a key (a
/// private key is 64 hex digits).
fn public_address(secret: &[u8], key: &str) -> bool {
    let v = unquoted(secret);
    v.len() == 42
        && v.starts_with(b"0x")
        && v[2..].iter().all(u8::is_ascii_hexdigit)
        && !key.contains("private")
}

/// A value that spells out what it stands for in capitals before the
/// filler (`VERYLONGSECRETeyJ…` in AWS's API examples).
fn spelled_placeholder(secret: &[u8]) -> bool {
    let v = unquoted(secret);
    let caps = v.iter().take_while(|b| b.is_ascii_uppercase()).count();
    if caps < 8 || caps == v.len() {
        return false;
    }
    let head = &v[..caps];
    [&b"SECRET"[..], b"TOKEN", b"PASSWORD", b"APIKEY"]
        .iter()
        .any(|w| crate::text::find_bytes(head, w).is_some())
        && [
            &b"VERY"[..],
            b"LONG",
            b"YOUR",
            b"MY",
            b"EXAMPLE",
            b"SAMPLE",
            b"FAKE",
        ]
        .iter()
        .any(|w| head.starts_with(w))
}

/// `Name=word` pairs of a connection-string or config fragment
/// (`DefaultEndpointsProtocol=http`: the names of the parts a sanitizer
/// masks), every side letters only.
fn word_pairs(secret: &[u8]) -> bool {
    let v = unquoted(secret);
    v.contains(&b'=')
        && !v.ends_with(b"=")
        && v.split(|b| matches!(b, b'=' | b';'))
            .filter(|p| !p.is_empty())
            .all(|p| p.iter().all(u8::is_ascii_alphabetic))
}

/// Rules that decide by words and shapes, which [`plausible`] refines.
pub fn refined(rule_id: &str) -> bool {
    rule_id.starts_with("generic.")
        || rule_id.starts_with("config.")
        || rule_id == "url.password"
        || rule_id == "sql.password"
        || database_url(rule_id)
        || rule_id == "pem.base64-private-key"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_addresses_and_spelled_placeholders() {
        for v in [
            "cfBackgroundColor",
            "InterpolationInJSX",
            "DSTokenInterface",
            "TSPrivateKeyword",
            "getAuthenticationToken",
        ] {
            assert!(camel_identifier(v.as_bytes()), "{v}");
        }
        for v in [
            "kZtRwQmVbNxPlDfG",
            "DXFehzdDwIhANwps",
            "Qm7vT2kR9pLx4NcZ8wYb3HsJ",
            "aoakHigTUDPNXxZwOMXMMxOWDLEjgP",
            "abcdefghijklmnop",
            "ABCDEFGHIJKLMNOP",
        ] {
            assert!(!camel_identifier(v.as_bytes()), "{v}");
        }
        assert!(identifier_value(
            b"\"DSTokenInterface\"",
            "dstokeninterface",
            false
        ));
        // An enum member named like its value, whatever its shape.
        assert!(identifier_value(
            b"ISuperstateTokenV4",
            "isuperstatetokenv4",
            false
        ));
        assert!(!identifier_value(b"\"SummerVacation\"", "password", false));
        let addr = format!("0x{}", "a0b86991c6218b36c1d19d4a2e9eb0ce3606eb48");
        assert!(public_address(addr.as_bytes(), "token"));
        assert!(!public_address(addr.as_bytes(), "private_key"));
        assert!(!public_address(format!("{addr}0a1b").as_bytes(), "token"));
        assert!(spelled_placeholder(b"VERYLONGSECRETeyJraWQiOiJrZXk"));
        assert!(!spelled_placeholder(b"AKQWERTYSECRETzzz"));
        assert!(word_pairs(b"DefaultEndpointsProtocol=http"));
        assert!(!word_pairs(b"dGhpcyBpcyBhIHRlc3Q="));
        assert!(!word_pairs(b"key=Qm7vT2kR9pLx4NcZ"));
    }

    #[test]
    fn dummies_by_shape() {
        assert!(keyboard_walk(b"asdfqwer1234asdf"));
        assert!(keyboard_walk(b"123456"));
        assert!(!keyboard_walk(b"Forge123"));
        assert!(!keyboard_walk(b"qwerty1235456"));
        assert!(base64_word(b"base64:randomkey"));
        assert!(!base64_word(b"base64:Ge+W23u+VZI2tbrp5QCGWrsUuxgcD65i"));
        assert!(encoded_words(b"foo%40bar"));
        assert!(encoded_words(b"%2F%40"));
        assert!(!encoded_words(b"Kq7%23vT2mRx9"));
        assert!(word_phrase(b"123456_set_at_workflow_level"));
        assert!(!word_phrase(b"sk_live_abc"));
        assert!(css_selector(b"DIV.credentials-select-content-param"));
        assert!(!css_selector(b"a.b"));
        assert!(validation_rule_name(b"Confirmed:custom"));
    }

    #[test]
    fn keys_before_values() {
        let k = |s: &str| {
            let at = s.find('V').unwrap();
            key_before(s.as_bytes(), at)
        };
        assert_eq!(k("api_key = \"V\""), "api_key");
        assert_eq!(k("  :secret => 'V'"), "secret");
        assert_eq!(k("config[\"auth_token\"] = \"V\""), "auth_token");
        assert_eq!(k("  SESSION_TOKEN_NAME = \"V\""), "session_token_name");
        assert_eq!(k("$dbpasswd = \"V\""), "dbpasswd");
        assert_eq!(k("token: f\"V\""), "token");
        assert_eq!(
            k("const noPasswordAuthMechanisms = [\n  'V'"),
            "nopasswordauthmechanisms"
        );
    }

    #[test]
    fn lookalikes() {
        for k in [
            "session_token_name",
            "credential_id",
            "authenticity_token",
            "token_digest",
            "authenticator_data_token",
            "webhook_nonce",
            "reset_password_url",
            "csrf_token",
        ] {
            assert!(lookalike_key(k), "{k}");
        }
        for k in [
            "api_key",
            "secret_key_base",
            "dbpasswd",
            "client_secret",
            "password",
            "token",
        ] {
            assert!(!lookalike_key(k), "{k}");
        }
    }

    #[test]
    fn dummies() {
        assert!(dummy_value(b"pass456"));
        assert!(dummy_value(b"user123"));
        assert!(!dummy_value(b"Qm7vRt2kLp9xZ"));
        assert!(!dummy_value(b"tulip"));
        assert!(dummy_value(b"key_1234"));
        assert!(dummy_value(b"Admin12345"));
        assert!(!dummy_value(b"kestrel7"));
    }

    #[test]
    fn hashes_and_data() {
        assert!(password_hash(b"pbkdf2_sha256$10000$abc$def="));
        assert!(password_hash(b"$2b$12$KIXQJQ1e0b0m4nVhXHc1hO"));
        assert!(!password_hash(b"Qm7vRt2kLp9xZ"));
        assert!(structured_data(b"!<p!aR!YOX$qXY,QYZ,QZ[$q[]&X]"));
        assert!(!structured_data(b"l!t+dmzf97rt9s*yrsux1py_1@odvz1szr"));
    }

    #[test]
    fn routes_files_and_paired_dummies() {
        let at = |s: &str| s.find('V').unwrap();
        let t = "put \"/disk/:encoded_token\" => \"V\"";
        assert!(route(t.as_bytes(), at(t)));
        let t = "api_token = \"V\"";
        assert!(!route(t.as_bytes(), at(t)));
        assert!(route_target(b"active_storage/disk#update"));
        assert!(!route_target(b"Qm7vRt2k#Lp9xZ"));
        assert!(file_name(b"KnAM4a_development.yml.enc"));
        assert!(!file_name(b"Qm7vRt2kLp9xZ"));
        let t = b"mysql2://cacheuser:cachepass@localhost/db";
        assert!(paired_dummy(t, 19, 28));
        // Built at run time: the repository's self-scan reads this file.
        let t = format!("mysql2://orders:{}@localhost/db", "Qm7vRt2kLp9");
        assert!(!paired_dummy(t.as_bytes(), 16, 27));
        assert!(encoded_dummy(b"%31%32%33"));
        assert!(!encoded_dummy(b"Qm%21vRt2kLp9"));
        assert!(!encoded_dummy(b"%3"));
        assert!(encoded_dummy(b"p%C3%A4ssword"));
        assert!(reference_or_advice(b"\"%mailer_password%\""));
        assert!(reference_or_advice(b"YourPwdShouldBeLongAndSecure!"));
        assert!(!reference_or_advice(b"Qm7v%Rt2kLp9"));
        assert!(reference_or_advice(b"@projectversion@"));
        assert!(reference_or_advice(b"\"pass\""));
        assert!(reference_or_advice(b"Contrase\xf1a"));
        assert!(dotted_reference(
            b"azurerm_kubernetes_cluster.main.kube_config.0.password"
        ));
        assert!(!dotted_reference(b"Qm7v.Rt2k.Lp9x"));
        assert!(route_target(b"redirect:/users/password/edit/"));
        assert!(validation_rules(b"required|confirmed|min:8"));
        assert!(!validation_rules(b"Qm7v|Rt2kLp9x"));
    }

    #[test]
    fn languages() {
        assert_eq!(lang("config/database.yml.tt", b""), Lang::Yaml);
        assert_eq!(lang("app/models/user.rb", b""), Lang::Ruby);
        assert_eq!(lang(".env.production", b""), Lang::Env);
        assert_eq!(lang("README", b"{\"a\":1}"), Lang::Json);
    }
}
