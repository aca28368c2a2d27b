//! Filters a candidate secret must pass after its rule's regex matched:
//! placeholder detection, Shannon entropy, and named structural validators
//! (checksums and formats) that rules refer to by name.

mod chance;
mod creds;
mod keys;
mod sequence;
mod wordlike;

pub use creds::{
    crc16, format_string, is_template, looks_like_code, looks_like_regex, placeholder_password,
};
pub use keys::{KeyState, crc24, pem_state, putty_state};

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

/// [`PLACEHOLDER_WORDS`] in one searcher: every candidate secret is checked
/// against all of them, and one pass is cheaper than forty.
fn placeholder_words() -> &'static aho_corasick::AhoCorasick {
    static AC: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    AC.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(PLACEHOLDER_WORDS)
            .expect("placeholder words compile")
    })
}

/// The placeholder word `secret` contains, if any (for `jikimi rules trace`).
///
/// A word of four letters or fewer (`xxxx`, `todo`) turns up by chance in
/// about one random 40-character token in 25,000: it counts only where it
/// stands apart, at an end of the value or next to punctuation
/// (`sk-xxxx-…`, `…_TODO`) and in one case, not inside a run of random
/// characters (`…HxXxX-…`).
pub fn placeholder_word(secret: &[u8]) -> Option<&'static str> {
    counted_words(secret).next().map(|(_, w)| w)
}

/// The hits of placeholder words in `secret` that [`placeholder_word`]
/// counts, with their places.
fn counted_words(
    secret: &[u8],
) -> impl Iterator<Item = (std::ops::Range<usize>, &'static str)> + '_ {
    placeholder_words()
        .find_overlapping_iter(secret)
        .filter_map(move |m| {
            let word = PLACEHOLDER_WORDS.get(m.pattern().as_usize()).copied()?;
            let short = word.len() <= 4 && word.bytes().all(|b| b.is_ascii_alphanumeric());
            let hit = &secret[m.start()..m.end()];
            let one_case =
                !hit.iter().any(u8::is_ascii_lowercase) || !hit.iter().any(u8::is_ascii_uppercase);
            let apart = |i: Option<&u8>| i.is_none_or(|b| !b.is_ascii_alphanumeric());
            let stands_apart = apart(m.start().checked_sub(1).and_then(|i| secret.get(i)))
                || apart(secret.get(m.end()));
            let cased = one_case || humps_at_word_starts(word, hit);
            (if short {
                stands_apart && one_case
            } else {
                cased
            })
            .then_some((m.start()..m.end(), word))
        })
}

/// Whether a mixed-case hit of a placeholder word has its capitals only
/// where the word's own parts start (`ChangeMe`, `YourKey`, `Example`): a
/// placeholder is written in one case or in camelCase humps, while a word
/// that turns up by chance in a random token is cased at random (`fiXme`,
/// `-HEre`). One random token in about 60,000 held a five-letter word in
/// some case; this leaves the random ones out.
fn humps_at_word_starts(word: &str, hit: &[u8]) -> bool {
    let parts: &[usize] = match word {
        "yourkey" | "yourapi" => &[4],
        "yoursecret" | "yourtoken" => &[4],
        "placeholder" => &[5],
        "changeme" | "change_me" => &[6, 7],
        "fixme" => &[3],
        "notreal" => &[3],
        "not-a-real" | "not_a_real" => &[4, 6],
        "fakekey" => &[4],
        "fake-key" | "fake_key" => &[5],
        "secret-key-here" => &[7, 11],
        _ => &[],
    };
    hit.iter().enumerate().all(|(i, b)| {
        !b.is_ascii_uppercase()
            || i == 0
            || parts.contains(&i)
            || hit.get(i - 1).is_some_and(|p| !p.is_ascii_alphabetic())
    })
}

/// Why a candidate was rejected as a placeholder, if it was.
pub fn placeholder_reason(secret: &[u8]) -> Option<&'static str> {
    placeholder_reason_with(secret, false)
}

/// [`placeholder_reason`] for a provider's random token: its placeholder
/// words count only when a random token of its length and alphabet would
/// hold them with a chance below one in a billion ([`chance::by_chance`]):
/// `AKIAIOSFODNN7EXAMPLE`, `sk-your-key-here`, not `dummy` at the end of a
/// random 40-character token.
/// The same gate holds for the words of a name (`token`, `key`: a
/// telnyx token starts with `KEY`) and runs are judged against the
/// characters the token shows ([`token_run_limit`]).
pub fn token_placeholder_reason(secret: &[u8]) -> Option<&'static str> {
    placeholder_reason_with(secret, true)
}

/// [`placeholder_reason`] or [`token_placeholder_reason`], as the rule's
/// kind asks: a provider format (its entropy calibrated) is a random token.
pub fn placeholder_reason_for(calibrated: bool, secret: &[u8]) -> Option<&'static str> {
    if calibrated {
        token_placeholder_reason(secret)
    } else {
        placeholder_reason(secret)
    }
}

/// The lengths of the placeholder words [`placeholder_word`] counts in
/// `secret`, at places that do not overlap.
fn placeholder_word_lengths(secret: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut end = 0;
    for (at, _) in counted_words(secret) {
        if at.start >= end {
            out.push(at.len());
            end = at.end;
        }
    }
    out
}

/// The placeholder checks; `token` for a provider's random token (see
/// [`token_placeholder_reason`]).
fn placeholder_reason_with(secret: &[u8], token: bool) -> Option<&'static str> {
    let has_word = |s: &[u8]| {
        if token {
            // A mask (`xxxx`, `*****`, `....`) standing apart always counts:
            // a key shown masked (`AccountKey=xxxxvdM0…`) is not a key.
            // So does a word of seven letters or more (`example`,
            // `placeholder`, `changeme`): one in a billion random tokens or
            // fewer holds one, about the gate's own level.
            let mask = counted_words(s)
                .any(|(_, w)| w.len() >= 7 || matches!(w, "xxxx" | "*****" | "...."));
            let words = placeholder_word_lengths(s);
            mask || (!words.is_empty() && chance::by_chance(s, &words, false) < chance::CHANCE)
        } else {
            placeholder_word(s).is_some()
        }
    };
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
    if has_word(secret) {
        return Some("placeholder word");
    }
    // A token whose random part is words: `xoxb-…-SlackBotAccessTokenHere`,
    // `sk_live_YourStripeSecretKeyGoesHere`.
    // Two of the words, or one in a camelCase name: one word of three to
    // six letters turns up by chance in a long random lower-case segment.
    if secret
        .split(|&b| b == b'-' || b == b'_' || b == b'.')
        .any(|seg| {
            if seg.len() < 12 {
                return false;
            }
            let l = seg.to_ascii_lowercase();
            let found: Vec<usize> = [
                "token", "key", "secret", "here", "password", "your", "access",
            ]
            .iter()
            .filter(|w| crate::text::find_bytes(&l, w.as_bytes()).is_some())
            .map(|w| w.len())
            .collect();
            let words = found.len();
            let camel =
                seg.iter().any(u8::is_ascii_uppercase) && seg.iter().any(u8::is_ascii_lowercase);
            looks_like_identifier(seg)
                && (words >= 2 || (words == 1 && camel))
                && (!token || chance::by_chance(seg, &found, true) < chance::CHANCE)
        })
    {
        return Some("placeholder words");
    }
    // Runs are judged within each part between separators, by that part's
    // length and alphabet (`APP_USR-<16 digits>-…`: a run of 6 digits is
    // chance there).
    for part in secret
        .split(|b| matches!(b, b'-' | b'_' | b'.' | b'/' | b':' | b'|' | b'+' | b'='))
        .filter(|p| p.len() >= 6)
    {
        let limit = if token {
            token_run_limit(part)
        } else {
            chance_run_limit(part)
        };
        if longest_run(part, |a, b| a == b) >= limit {
            return Some("repeated characters");
        }
        if longest_run(part, ascending) >= limit || longest_run(part, descending) >= limit {
            return Some("sequential characters");
        }
    }
    if longest_run(secret, |a, b| a == b) >= 12 {
        return Some("repeated characters");
    }
    if run_coverage(secret) * 5 >= secret.len() * 3 && secret.len() >= 10 {
        return Some("made of runs (sequential or repeated characters)");
    }
    if sequence::interleaved_sequence(secret) {
        return Some("interleaved sequential characters");
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

/// `b` follows `a` (`1` `2`, `c` `d`).
fn ascending(a: u8, b: u8) -> bool {
    a.is_ascii_alphanumeric() && b == a.wrapping_add(1)
}

/// `b` precedes `a` (`9` `8`, `z` `y`).
fn descending(a: u8, b: u8) -> bool {
    a.is_ascii_alphanumeric() && b == a.wrapping_sub(1) && b.is_ascii_alphanumeric()
}

/// The length of a repeated or sequential run that marks a placeholder in
/// `secret`: 6, or longer where such a run turns up by chance in a random
/// value of this length and alphabet more often than once in ten million
/// (a run of 6 equal digits is in one random 20-digit number in 7,000; of 6
/// equal hex digits in one random 40-hex token in 30,000).
fn chance_run_limit(secret: &[u8]) -> usize {
    let n = secret.len().max(2) as f64;
    let k = alphabet_size(secret).max(2) as f64;
    // n * k^-(r-1) <= 1e-7
    let r = 1.0 + ((n * 1e7).ln() / k.ln()).ceil();
    (r as usize).max(6)
}

/// [`chance_run_limit`] for a provider's random token: a run that turns
/// up by chance at most once in ten billion tokens, over the characters the
/// part shows (at most its alphabet's size): a fixed suffix or prefix in
/// another case (`…NRAL` after 40 hex digits) does not make the alphabet of
/// the random part bigger than it is.
fn token_run_limit(part: &[u8]) -> usize {
    let n = part.len().max(2) as f64;
    let distinct = {
        let mut seen = [false; 256];
        part.iter().for_each(|&b| seen[b as usize] = true);
        seen.iter().filter(|&&s| s).count()
    };
    let k = alphabet_size(part).min(distinct).max(2) as f64;
    // n * k^-(r-1) <= 1e-10
    let r = 1.0 + ((n * 1e10).ln() / k.ln()).ceil();
    (r as usize).max(6)
}

/// How many bytes of `secret` lie in runs of 4 or more repeated, ascending
/// or descending characters (`abcd`, `4321`, `aaaa`): a value mostly made
/// of them (`abcdef123456`, `1111aaaa2222`) is typed, not random.
fn run_coverage(secret: &[u8]) -> usize {
    let mut covered = vec![false; secret.len()];
    for rel in [
        (|a: u8, b: u8| a == b) as fn(u8, u8) -> bool,
        ascending,
        descending,
    ] {
        let mut start = 0;
        for i in 1..=secret.len() {
            if i < secret.len() && rel(secret[i - 1], secret[i]) {
                continue;
            }
            if i - start >= 4 {
                covered[start..i].iter_mut().for_each(|c| *c = true);
            }
            start = i;
        }
    }
    covered.iter().filter(|&&c| c).count()
}

/// The size of the alphabet `secret` seems drawn from: 16 for hex (letters
/// `a`-`f` in one case), else 10, 26 and 26 for the classes it uses; plus
/// one per other symbol.
pub fn alphabet_size(secret: &[u8]) -> usize {
    let (mut digit, mut lower, mut upper, mut hex) = (false, false, false, true);
    let mut other = [false; 256];
    for &b in secret {
        match b {
            b'0'..=b'9' => digit = true,
            b'a'..=b'z' => {
                lower = true;
                hex &= b <= b'f';
            }
            b'A'..=b'Z' => {
                upper = true;
                hex &= b <= b'F';
            }
            _ => other[b as usize] = true,
        }
    }
    let others = other.iter().filter(|&&o| o).count();
    if hex && (lower != upper) {
        return 16 + others;
    }
    10 * usize::from(digit) + 26 * usize::from(lower) + 26 * usize::from(upper) + others
}

/// Whether `secret`'s entropy is below `min` as the matcher judges it:
/// `Some((entropy, threshold))` when it is. With `calibrated`, the threshold
/// is lowered for a value so short, or drawn from an alphabet so small,
/// that a random one of its length and alphabet often falls below `min`
/// (a random 20-character base62 token averages 4.03 bits per byte, so half
/// fall below a rule's 4.0): to the mean entropy of such random values less
/// 6.5 standard deviations (see [`random_entropy`]). Never raised, and not
/// lowered for a value whose alphabet could not reach `min` at all (hex
/// digits for a rule expecting base64).
pub fn entropy_below(secret: &[u8], min: f64, calibrated: bool) -> Option<(f64, f64)> {
    let e = shannon_entropy(secret);
    if e >= min {
        return None;
    }
    if !calibrated || secret.len() < 8 {
        return Some((e, min));
    }
    let k = alphabet_size(secret);
    // A value that shows far fewer characters than a random one of its
    // classes would (`glptt-` before 40 hex digits: 19 where 26 of all
    // lower-case letters are expected) is calibrated by the characters it
    // shows: the fixed prefix made its classes wider than its random part.
    let distinct = {
        let mut seen = [false; 256];
        secret.iter().for_each(|&b| seen[b as usize] = true);
        seen.iter().filter(|&&s| s).count()
    };
    let kf = k.max(2) as f64;
    let expected = kf * (1.0 - (1.0 - 1.0 / kf).powi(secret.len() as i32));
    // At least 16 shown (hex): a value of few characters (`deadbeef`
    // repeated) is not helped.
    let shown = if distinct >= 16 && (distinct as f64) < 0.8 * expected {
        distinct.max(2)
    } else {
        k
    };
    // A value whose alphabet cannot reach the rule's floor (40 hex digits
    // for a base64 format with 4.0) is not of the rule's format: no help.
    if min > (k as f64).log2() - 0.25 {
        return Some((e, min));
    }
    let (mean, sd) = random_entropy(secret.len(), shown);
    let floor = min.min(mean - 6.5 * sd);
    (e < floor).then_some((e, floor))
}

/// Whether a rule's entropy threshold is calibrated to the value's length
/// and alphabet ([`entropy_below`]): provider formats, yes; the generic and
/// structural rules that judge free-form values (passwords, assignments),
/// no, their fixed threshold is part of their precision.
pub fn calibrates_entropy(family: &str, rule_id: &str) -> bool {
    family != "generic" && !crate::rules::syntax::refined(rule_id)
}

/// Mean and standard deviation of the Shannon entropy of uniformly random
/// strings of `n` symbols (capped at 256) over an alphabet of `k`: measured
/// once per (n, k) on 4,000 strings from a fixed seed, then remembered.
pub fn random_entropy(n: usize, k: usize) -> (f64, f64) {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    /// (length, alphabet) -> (mean, standard deviation).
    type Measured = HashMap<(usize, usize), (f64, f64)>;
    static CACHE: OnceLock<Mutex<Measured>> = OnceLock::new();
    let (n, k) = (n.clamp(1, 256), k.clamp(2, 256));
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(&v) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&(n, k)) {
        return v;
    }
    const SAMPLES: usize = 4000;
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15 ^ ((n as u64) << 32 | k as u64);
    let mut buf = vec![0u8; n];
    let (mut sum, mut sq) = (0.0, 0.0);
    for _ in 0..SAMPLES {
        for b in buf.iter_mut() {
            // xorshift64*
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let r = state.wrapping_mul(0x2545_F491_4F6C_DD1D);
            *b = ((r >> 32) % k as u64) as u8;
        }
        let e = shannon_entropy(&buf);
        sum += e;
        sq += e * e;
    }
    let mean = sum / SAMPLES as f64;
    let sd = (sq / SAMPLES as f64 - mean * mean).max(0.0).sqrt();
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert((n, k), (mean, sd));
    (mean, sd)
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
pub const VALIDATORS: &[&str] = &[
    "github-crc32",
    "npm-crc32",
    "jwt-hs",
    "jwt-signed",
    "supabase-service-role",
    "pem-private-key",
    "base64-pem-private-key",
    "base64-credential",
    "pem-encrypted-private-key",
    "putty-private-key",
    "putty-encrypted-private-key",
    "jwk-private-key",
    "nkey-seed",
    "random-token",
    "generic-secret",
    "named-value",
    "xml-element",
    "public-env-secret-name",
    "url-password",
    "db-url-password",
    "basic-auth",
    "basic-auth-field",
    "bearer-token",
    "npmrc-auth",
    "password-in",
    "kubeconfig-token",
    "credential-field",
];

/// Validators that decode what they judge (key material, base64
/// `user:password`, checksummed seeds): the matcher skips its text
/// placeholder heuristics for their rules, which would reject real keys (an
/// OpenSSH body is full of `AAAA` runs) and learn nothing from fake ones.
pub fn judges_placeholders(validator: &str) -> bool {
    matches!(
        validator,
        "pem-private-key"
            | "base64-pem-private-key"
            | "pem-encrypted-private-key"
            | "putty-private-key"
            | "putty-encrypted-private-key"
            | "jwk-private-key"
            | "nkey-seed"
            | "basic-auth"
            | "basic-auth-field"
            | "npmrc-auth"
            | "credential-field"
    )
}

/// The password inside a base64 `user:password` (an `.npmrc` `_auth`, a
/// Docker `config.json` `auth`) or a bare base64 password; `None` when the
/// value does not decode to printable text.
pub fn decoded_password(secret: &[u8]) -> Option<Vec<u8>> {
    creds::decoded_password(secret)
}

/// Run the named validator on the secret alone. `None` when the name is
/// unknown (the rule checker reports that), otherwise whether `secret` is
/// structurally valid.
pub fn run_validator(name: &str, secret: &[u8]) -> Option<bool> {
    run_validator_in(name, secret, secret)
}

/// Run the named validator with the whole regex match (`whole`, which
/// contains `secret`) at hand: some validators judge a value by the name it
/// is assigned to.
pub fn run_validator_in(name: &str, secret: &[u8], whole: &[u8]) -> Option<bool> {
    match name {
        "github-crc32" => Some(github_crc32(secret)),
        "npm-crc32" => Some(secret.starts_with(b"npm_") && github_crc32(secret)),
        "jwt-hs" => Some(jwt_hs(secret)),
        "jwt-signed" => Some(jwt_signed(secret)),
        "supabase-service-role" => Some(supabase_service_role(secret)),
        "pem-private-key" => Some(pem_private_key(secret)),
        "base64-pem-private-key" => Some(base64_pem_private_key(secret)),
        "base64-credential" => Some(base64_credential(secret, whole)),
        "pem-encrypted-private-key" => Some(pem_state(secret) == Some(KeyState::Encrypted)),
        "putty-private-key" => Some(putty_state(secret) == Some(KeyState::Plain)),
        "putty-encrypted-private-key" => Some(putty_state(secret) == Some(KeyState::Encrypted)),
        "jwk-private-key" => Some(keys::jwk_private(secret)),
        "nkey-seed" => Some(creds::nkey_seed(secret)),
        "random-token" => Some(random_token(secret)),
        "generic-secret" => Some(generic_secret(secret, whole)),
        "named-value" => Some(creds::named_value(secret, whole)),
        "xml-element" => Some(creds::xml_element(secret, whole)),
        "public-env-secret-name" => Some(public_env_secret_name(secret)),
        "url-password" => Some(creds::url_password(secret, whole, false)),
        "db-url-password" => Some(creds::url_password(secret, whole, true)),
        "basic-auth" => Some(creds::basic_auth(secret)),
        "basic-auth-field" => Some(creds::basic_auth_field(secret)),
        "bearer-token" => Some(creds::bearer_token(secret, whole)),
        "npmrc-auth" => Some(creds::npmrc_auth(secret, whole)),
        "credential-field" => Some(creds::credential_field(secret, whole)),
        "password-in" => Some(creds::password_in(secret, whole)),
        "kubeconfig-token" => Some(creds::kubeconfig_token(secret, whole)),
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

/// GitHub's token formats (`ghp_` + 30 random + 6 checksum) end in the
/// CRC32 (IEEE) of the random part after the prefix, written in base62 with
/// the `0-9A-Za-z` alphabet and left-padded with `0` to 6 characters. npm's
/// `npm_` tokens use the same scheme. (Checked against GitHub's 2021
/// token-format post and two published test vectors; see the unit test.)
pub fn github_crc32(secret: &[u8]) -> bool {
    let Some(us) = memchr::memrchr(b'_', secret) else {
        return false;
    };
    let body = &secret[us + 1..];
    if body.len() < 7 || !body.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let (random, check) = body.split_at(body.len() - 6);
    base62(u64::from(crc32fast::hash(random)), 6).as_bytes() == check
}

/// The JSON header and payload of a compact JWT, if both decode.
fn jwt_parts(secret: &[u8]) -> Option<(serde_json::Value, serde_json::Value)> {
    let mut parts = secret.split(|&b| b == b'.');
    let header = base64url_decode(parts.next()?)?;
    let payload = base64url_decode(parts.next()?)?;
    parts.next()?;
    Some((
        serde_json::from_slice(&header).ok()?,
        serde_json::from_slice(&payload).ok()?,
    ))
}

fn jwt_role(payload: &serde_json::Value) -> Option<&str> {
    payload.get("role").and_then(|r| r.as_str())
}

/// A JWT whose header says it is signed with an HMAC secret (`HS256`...).
/// Tokens whose payload says `"role": "anon"` are excluded: that is the
/// Supabase anon key, public by design.
pub fn jwt_hs(secret: &[u8]) -> bool {
    let Some((header, payload)) = jwt_parts(secret) else {
        return false;
    };
    header
        .get("alg")
        .and_then(|a| a.as_str())
        .is_some_and(|a| a.starts_with("HS"))
        && jwt_role(&payload) != Some("anon")
}

/// A JWT signed with any algorithm but `none` and the HMAC ones (`HS*`, which
/// `jwt-hs` reports): RS/PS/ES/EdDSA, NATS `ed25519-nkey`. Header and payload
/// decode to JSON objects, the signature to at least 32 bytes; Supabase anon
/// keys (public by design) are excluded.
pub fn jwt_signed(secret: &[u8]) -> bool {
    let Some((header, payload)) = jwt_parts(secret) else {
        return false;
    };
    let Some(alg) = header.get("alg").and_then(|a| a.as_str()) else {
        return false;
    };
    let signature = secret.rsplit(|&b| b == b'.').next().unwrap_or_default();
    !alg.eq_ignore_ascii_case("none")
        && !alg.starts_with("HS")
        && payload.is_object()
        && jwt_role(&payload) != Some("anon")
        && base64url_decode(signature).is_some_and(|s| s.len() >= 32)
}

/// A JWT whose payload says `"role": "service_role"`: a Supabase service-role
/// key, which bypasses row-level security.
pub fn supabase_service_role(secret: &[u8]) -> bool {
    jwt_parts(secret).is_some_and(|(_, payload)| jwt_role(&payload) == Some("service_role"))
}

/// An unencrypted private key block (PEM, OpenSSH or PGP armor) whose body
/// decodes to the structure of its label: a DER key, an `openssh-key-v1`
/// container, an OpenPGP secret-key packet. Indentation, string-literal
/// concatenation and `\n` escapes around it are undone first.
pub fn pem_private_key(secret: &[u8]) -> bool {
    pem_state(secret) == Some(KeyState::Plain)
}

/// A base64-encoded PEM private key (`LS0tLS1CRUdJTi…`, a Kubernetes
/// Secret's `tls.key`, a key passed through an environment variable or a
/// string constant): the decoded text is an unencrypted private key block.
pub fn base64_pem_private_key(secret: &[u8]) -> bool {
    base64url_decode(secret).is_some_and(|pem| pem_private_key(&pem))
}

/// A base64 value that decodes to a credential-like text (a Kubernetes
/// Secret's `data:` entry): at least 6 printable characters on one line, not
/// a placeholder, not a stock dummy word, not a PEM block (the PEM rules
/// judge those), and not under a key that names public data (`username`,
/// `host`, `port`, `database`, `url`, `*.crt`).
pub fn base64_credential(secret: &[u8], whole: &[u8]) -> bool {
    let key = whole
        .split(|&b| b == b':')
        .next()
        .unwrap_or_default()
        .trim_ascii()
        .to_ascii_lowercase();
    if [
        "user",
        "username",
        "login",
        "host",
        "hostname",
        "port",
        "database",
        "db",
        "dbname",
        "url",
        "uri",
        "endpoint",
        "region",
        "namespace",
        "name",
        "email",
        "ca.crt",
        "tls.crt",
    ]
    .iter()
    .any(|k| key.as_slice() == k.as_bytes() || key.ends_with(format!("_{k}").as_bytes()))
        || key.ends_with(b".crt")
        || key.ends_with(b".pem") && crate::text::find_bytes(&key, b"key").is_none()
    {
        return false;
    }
    let Some(decoded) = base64url_decode(secret) else {
        return false;
    };
    let text = decoded.trim_ascii();
    if text.len() < 6
        || !text.iter().all(|b| b.is_ascii_graphic() || *b == b' ')
        || placeholder_reason(text).is_some()
        || crate::text::find_bytes(text, b"-----BEGIN").is_some()
    {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    !DUMMY_PASSWORDS.contains(&lower.as_slice())
}

/// Values that stand for "a password goes here" in manifests and docs.
const DUMMY_PASSWORDS: &[&[u8]] = &[
    b"password",
    b"passw0rd",
    b"secret",
    b"admin123",
    b"123456",
    b"12345678",
    b"changeit",
    b"postgres",
    b"example",
    b"mypassword",
    b"supersecret",
];

/// A random-looking token, not a name or a phrase: at least 12 letters and
/// digits, two digits or both cases (`sk-learn`, `my-master-key-for-local-dev`
/// fail), and a body (after its lower-case prefix words such as `sk-`,
/// `sk-proj-`, `ser.`, `pina_`) that does not read as a name
/// (`sk-Button-Primary-Hover-State-Large-2024`, `ion_ConvertTheValueToThe...`):
/// see [`wordlike`], which bounds how often a random token is taken for a
/// name (one in 2^24), so that a rule's real tokens are not dropped by
/// chance (`cargo bench --bench placeholders`).
pub fn random_token(secret: &[u8]) -> bool {
    let count = |f: fn(&u8) -> bool| secret.iter().filter(|b| f(b)).count();
    let (digits, letters) = (count(u8::is_ascii_digit), count(u8::is_ascii_alphabetic));
    let cases =
        secret.iter().any(u8::is_ascii_lowercase) && secret.iter().any(u8::is_ascii_uppercase);
    digits + letters >= 12
        && letters >= 2
        && (digits >= 2 || cases)
        && !wordlike::reads_as_name(token_body(secret))
}

/// `secret` without up to three leading prefix words: a lower-case letter,
/// then up to seven lower-case letters or digits, then `-`, `_` or `.`
/// (`sk-`, `sk-ant-api03-`, `depot_project_`, `ser.`). A fixed prefix is
/// no evidence either way; a random token whose first characters happen to
/// look like one keeps a random body.
fn token_body(secret: &[u8]) -> &[u8] {
    let mut body = secret;
    for _ in 0..3 {
        let Some(sep) = body.iter().position(|b| matches!(b, b'-' | b'_' | b'.')) else {
            break;
        };
        let word = &body[..sep];
        if !(1..=8).contains(&word.len())
            || !word[0].is_ascii_lowercase()
            || !word
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            || sep + 1 >= body.len()
        {
            break;
        }
        body = &body[sep + 1..];
    }
    body
}

fn contains_ci(hay: &[u8], needle: &str) -> bool {
    let lower: Vec<u8> = hay.iter().map(u8::to_ascii_lowercase).collect();
    crate::text::find_bytes(&lower, needle.as_bytes()).is_some()
}

pub(crate) fn is_uuid(s: &[u8]) -> bool {
    s.len() == 36
        && s.iter().enumerate().all(|(i, &b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// A value assigned to a secret-sounding name (`api_key = "..."`) that is
/// plausibly a literal credential: not a UUID, URL, file path, dotted or
/// SCREAMING_CASE identifier, word slug, env lookup spelled as a string,
/// subresource-integrity hash, or a pure-hex digest assigned to a name about
/// hashes (`commit_sha_token`, `file_hash_secret`...). `whole` is the full
/// match, whose text before the secret is the name.
pub fn generic_secret(secret: &[u8], whole: &[u8]) -> bool {
    let name = match crate::text::find_bytes(whole, secret) {
        Some(i) => &whole[..i],
        None => whole,
    };
    if is_uuid(secret) {
        return false;
    }
    // Code, templates, regexes, format strings and timestamps are not
    // literals of a credential.
    if looks_like_code(secret)
        || looks_like_regex(secret)
        || is_template(secret)
        || creds::looks_like_timestamp(secret)
        || word_path(secret)
    {
        return false;
    }
    // The assigned name says what the value is: `tokenId`, `secret_name`,
    // `API_KEY_URL`, `apiKeyHeader` hold ids, names and addresses, not secrets.
    let words = name_words(name);
    if let Some(last) = words.last()
        && NON_SECRET_NAME_ENDINGS.contains(&last.as_str())
    {
        return false;
    }
    // A reference to the name itself (`X25519PrivateKey = x25519.X25519PrivateKey`,
    // `api_key = settings.API_KEY`) or a type annotation naming it
    // (`private_key: x25519.X25519PrivateKey`): a random secret never spells
    // the name it is assigned to.
    let ident_end = name
        .iter()
        .rposition(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
        .map_or(0, |i| i + 1);
    let ident_start = name[..ident_end]
        .iter()
        .rposition(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-'))
        .map_or(0, |i| i + 1);
    let squash = |s: &[u8]| -> Vec<u8> {
        s.iter()
            .filter(|b| !matches!(b, b'_' | b'-' | b'.'))
            .map(u8::to_ascii_lowercase)
            .collect()
    };
    let ident = squash(&name[ident_start..ident_end]);
    if ident.len() >= 5 && crate::text::find_bytes(&squash(secret), &ident).is_some() {
        return false;
    }
    // `CACHE_KEY`, `sortKey`, `PUBLIC_KEY`, `GPG_KEY`: keys that open nothing.
    if let [.., qualifier, last] = words.as_slice()
        && (last == "key" || last == "keys")
        && NON_SECRET_KEY_QUALIFIERS.contains(&qualifier.as_str())
    {
        return false;
    }
    if words.iter().any(|w| w == "public" || w == "publishable") {
        return false;
    }
    if crate::text::find_bytes(secret, b"://").is_some()
        || secret.starts_with(b"/")
        || secret.starts_with(b"./")
        || secret.starts_with(b"../")
        || secret.starts_with(b"~/")
        || (secret.len() > 2 && secret[1] == b':' && secret[2] == b'\\')
    {
        return false;
    }
    for env in [
        "process.env",
        "getenv",
        "environ",
        "env[",
        "env.",
        "secrets.",
        "vault:",
    ] {
        if contains_ci(secret, env) {
            return false;
        }
    }
    for sri in ["sha1-", "sha256-", "sha384-", "sha512-"] {
        if secret.starts_with(sri.as_bytes()) {
            return false;
        }
    }
    // A file name or path: `img/token-icon.svg`, `keys/secret_v2.json`,
    // `tests/ed25519_test_private_key.p8`.
    if let Some(dot) = memchr::memrchr(b'.', secret) {
        let ext = &secret[dot + 1..];
        let in_folder = memchr::memchr(b'/', secret).is_some();
        let ext_ok = if in_folder {
            (1..=5).contains(&ext.len())
                && ext
                    .iter()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                && ext.iter().any(u8::is_ascii_lowercase)
        } else {
            (2..=5).contains(&ext.len()) && ext.iter().all(u8::is_ascii_lowercase)
        };
        if ext_ok
            && (in_folder
                || secret[..dot]
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
        {
            return false;
        }
    }
    // `("name", "value")` is an argument pair only when the call closes
    // right after the value (`setProperty("k", "v")`); in a list of strings
    // (`"a.p8", "b.p8",`) the comma separates items.
    let sep_start = name
        .iter()
        .rposition(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-' || *b == b'.')
        .map_or(0, |i| i + 1);
    if name[sep_start..].contains(&b',') && !whole.trim_ascii_end().ends_with(b")") {
        return false;
    }
    // Dotted property path: `config.secrets.apiToken` (words, no digits;
    // random tokens with a dot nearly always have digits).
    if memchr::memchr(b'.', secret).is_some()
        && secret
            .split(|&b| b == b'.')
            .all(|p| !p.is_empty() && p.iter().all(|b| b.is_ascii_alphabetic() || *b == b'_'))
    {
        return false;
    }
    // An identifier or a dotted class name made of words:
    // `SunTls12RsaPremasterSecret`, `sun.security.pkcs11.P11SecretKeyFactory`.
    let word_part = |p: &[u8]| {
        let letters = p.iter().take_while(|b| b.is_ascii_lowercase()).count();
        letters >= 2 && p.len() - letters <= 3 && p[letters..].iter().all(u8::is_ascii_digit)
    };
    let dotted = memchr::memchr(b'.', secret).is_some();
    // Upper case and digits with no separator (`KDR5FXSOLNV6A5UAQYCKROSJ`, a
    // base32 TOTP seed) cannot be split into words: not an identifier.
    let caps_blob = secret.len() >= 16
        && secret.iter().any(u8::is_ascii_digit)
        && secret
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !caps_blob
        && secret
            .split(|&b| b == b'.')
            .all(|p| !p.is_empty() && (looks_like_identifier(p) || (dotted && word_part(p))))
    {
        return false;
    }
    // SCREAMING_CASE constant or env var name: `OPENAI_API_KEY_SECRET_NAME`.
    if memchr::memchr(b'_', secret).is_some()
        && secret
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
    {
        return false;
    }
    // Lower-case word slugs: `my-session-token-cookie-name`,
    // `auth_token_storage_key_v2` (words, digits only in short suffixes).
    let segments: Vec<&[u8]> = secret
        .split(|&b| b == b'-' || b == b'_' || b == b'.' || b == b':')
        .filter(|p| !p.is_empty())
        .collect();
    let wordy = |p: &&[u8]| {
        let cap = usize::from(p[0].is_ascii_uppercase());
        let letters = cap
            + p[cap..]
                .iter()
                .take_while(|b| b.is_ascii_lowercase())
                .count();
        p[letters..].iter().all(u8::is_ascii_digit) && p.len() - letters <= 3
    };
    if secret
        .iter()
        .all(|b| b.is_ascii_lowercase() || *b == b'-' || *b == b'_')
        || (segments.len() >= 3 && segments.iter().all(wordy))
    {
        return false;
    }
    // A resource path: `projects/p/secrets/openai-key/versions/latest`,
    // `arn:aws:secretsmanager:...:secret:name` (two or more slashes between
    // word-like segments, or an ARN).
    if secret.starts_with(b"arn:")
        || (secret.iter().filter(|&&b| b == b'/').count() >= 2
            && secret
                .split(|&b| b == b'/')
                .filter(|p| !p.is_empty())
                .all(segments_are_words))
    {
        return false;
    }
    // A value in a provider's own format is that provider rule's business:
    // when the specific rule rejected it (wrong length, bad checksum,
    // placeholder), the catch-all must not report it either.
    for prefix in PROVIDER_PREFIXES {
        if secret.starts_with(prefix.as_bytes()) {
            return false;
        }
    }
    if secret.iter().all(u8::is_ascii_hexdigit) {
        for word in [
            "hash",
            "sha",
            "digest",
            "checksum",
            "commit",
            "etag",
            "integrity",
            "md5",
            "fingerprint",
            "revision",
            "gpg",
            "pgp",
        ] {
            if contains_ci(name, word) {
                return false;
            }
        }
    }
    true
}

/// Whether `s` reads as a camelCase/PascalCase identifier made of words
/// (`passwordFile`, `SunTls12RsaPremasterSecret`) rather than random
/// characters: split at case and letter/digit changes, its letter runs are
/// long (random base62 splits into runs of one or two letters).
pub fn looks_like_identifier(s: &[u8]) -> bool {
    if s.len() < 6 || !s.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_') {
        return false;
    }
    let mut runs: Vec<usize> = Vec::new(); // lengths of letter runs
    let mut digits = 0;
    let mut cur = 0;
    for (i, &b) in s.iter().enumerate() {
        let boundary = i > 0 && {
            let p = s[i - 1];
            (p.is_ascii_lowercase() && b.is_ascii_uppercase())
                || (p.is_ascii_alphabetic() != b.is_ascii_alphabetic())
                || b == b'_'
                || p == b'_'
                // `HTTPServer`: the last capital starts the next word.
                || (p.is_ascii_uppercase()
                    && b.is_ascii_uppercase()
                    && s.get(i + 1).is_some_and(u8::is_ascii_lowercase))
        };
        if boundary && cur > 0 {
            runs.push(cur);
            cur = 0;
        }
        if b.is_ascii_alphabetic() {
            cur += 1;
        } else if b.is_ascii_digit() {
            digits += 1;
        }
    }
    if cur > 0 {
        runs.push(cur);
    }
    let letters: usize = runs.iter().sum();
    let short = runs.iter().filter(|&&r| r < 3).count();
    !runs.is_empty() && short * 4 <= runs.len() && digits * 4 <= letters && letters >= 6
}

/// Last words of assigned names that mean "not the secret itself".
const NON_SECRET_NAME_ENDINGS: &[&str] = &[
    "id",
    "ids",
    "name",
    "names",
    "url",
    "urls",
    "uri",
    "path",
    "file",
    "filename",
    "dir",
    "type",
    "header",
    "prefix",
    "suffix",
    "field",
    "length",
    "len",
    "count",
    "version",
    "ttl",
    "label",
    "endpoint",
    "format",
    "pattern",
    "regex",
    "placeholder",
    "hint",
    "message",
    "msg",
    "text",
    "title",
    "description",
    "icon",
    "class",
    "selector",
    "param",
    "env",
    "var",
    "expiry",
    "expires",
    "timeout",
    "size",
    "hash",
    "digest",
    "checksum",
];

/// Words before `key` in a name that make it something other than a
/// credential: a cache or sort key, a public or GPG key, an i18n key.
const NON_SECRET_KEY_QUALIFIERS: &[&str] = &[
    "cache",
    "sort",
    "primary",
    "foreign",
    "partition",
    "object",
    "s3",
    "storage",
    "map",
    "lookup",
    "idempotency",
    "public",
    "publishable",
    "site",
    "index",
    "row",
    "redis",
    "dedup",
    "translation",
    "i18n",
    "locale",
    "cursor",
    "shard",
    "routing",
    "group",
    "entity",
    "composite",
    "unique",
    "registry",
    "gpg",
    "pgp",
    "foreign",
    "query",
    "react",
    "list",
    "dict",
    "hash",
    "metric",
    "label",
    "field",
    "column",
    "table",
    "state",
    "store",
    "cookie",
    "header",
    "param",
    "event",
];

/// The words of the last identifier in `text`, lower-cased:
/// `const CACHE_KEY = ` gives `["cache", "key"]`, `sortKey:` `["sort", "key"]`.
fn name_words(text: &[u8]) -> Vec<String> {
    let Some(end) = text
        .iter()
        .rposition(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
        .map(|i| i + 1)
    else {
        return Vec::new();
    };
    let start = text[..end]
        .iter()
        .rposition(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-' || *b == b'.'))
        .map_or(0, |i| i + 1);
    let ident = &text[start..end];
    let mut words = Vec::new();
    let mut word_start = 0;
    for i in 0..=ident.len() {
        let split = i == ident.len()
            || matches!(ident[i], b'_' | b'-' | b'.')
            || (i > 0 && ident[i].is_ascii_uppercase() && ident[i - 1].is_ascii_lowercase());
        if split {
            if i > word_start {
                words.push(String::from_utf8_lossy(&ident[word_start..i]).to_ascii_lowercase());
            }
            word_start = if i < ident.len() && ident[i].is_ascii_uppercase() {
                i
            } else {
                i + 1
            };
        }
    }
    // Numbered copies (`tokenId2`) end like the original.
    if let Some(last) = words.last_mut() {
        let trimmed = last
            .trim_end_matches(|c: char| c.is_ascii_digit())
            .to_string();
        if !trimmed.is_empty() {
            *last = trimmed;
        }
    }
    words
}

/// The last word of the last identifier in `text` (the name a value is
/// assigned to), lower-cased: `const secretId = ` gives `id`, `API_KEY_URL:`
/// gives `url`.
#[cfg(test)]
fn last_word(text: &[u8]) -> Option<String> {
    let end = text
        .iter()
        .rposition(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')?
        + 1;
    let start = text[..end]
        .iter()
        .rposition(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-' || *b == b'.'))
        .map_or(0, |i| i + 1);
    let ident = &text[start..end];
    // Split on separators and lower-to-upper camelCase boundaries.
    let mut word_start = 0;
    for i in 0..ident.len() {
        let b = ident[i];
        if b == b'_' || b == b'-' || b == b'.' {
            word_start = i + 1;
        } else if i > 0 && b.is_ascii_uppercase() && ident[i - 1].is_ascii_lowercase() {
            word_start = i;
        }
    }
    // Numbered copies (`tokenId2`) end like the original.
    let word = &ident[word_start..];
    let letters = word
        .iter()
        .rposition(|b| !b.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let word = if letters > 0 { &word[..letters] } else { word };
    (!word.is_empty()).then(|| String::from_utf8_lossy(word).to_ascii_lowercase())
}

/// Prefixes of formats that specific rules own (see `generic_secret`).
const PROVIDER_PREFIXES: &[&str] = &[
    "sk-",
    "sk_",
    "rk_",
    "pk_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "AIza",
    "AKIA",
    "ASIA",
    "xox",
    "hf_",
    "gsk_",
    "pplx-",
    "xai-",
    "SG.",
    "npm_",
    "pypi-",
    "eyJ",
    "r8_",
    "lsv2_",
    "pcsk_",
    "whsec_",
    "shpat_",
    "dop_v1_",
    "GOCSPX-",
    "AGE-SECRET-KEY-",
];

/// Whether a value is a path of words joined by `/`, `:` or `?`: a MIME
/// type (`application/x-www-form-urlencoded`), an error code
/// (`auth/custom-token-mismatch`), an IAM action (`secretsmanager:GetSecretValue`),
/// a namespaced event or constant (`msal:acquireTokenStart`, `RULE_TYPE:SECRET`),
/// a parser state (`?InterpolationInTemplate`). Every part is a lower-case word
/// (a few digits allowed), an upper-case constant or a camelCase identifier;
/// a random token split at the same characters (base64's `/`) has parts that
/// are none of these.
fn word_path(secret: &[u8]) -> bool {
    if !secret.iter().any(|b| matches!(b, b'/' | b':' | b'?')) {
        return false;
    }
    let mut parts = 0;
    for part in secret
        .split(|b| matches!(b, b'/' | b':' | b'?' | b'-' | b'_' | b'.' | b'+'))
        .filter(|p| !p.is_empty())
    {
        parts += 1;
        // One short run of digits at most (`oauth2`, `v1`), not `s3cr3t`.
        let digits = part.iter().filter(|b| b.is_ascii_digit()).count();
        let digit_runs = part
            .iter()
            .enumerate()
            .filter(|&(i, b)| b.is_ascii_digit() && (i == 0 || !part[i - 1].is_ascii_digit()))
            .count();
        let lower = part
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && digits <= 3
            && digit_runs <= 1
            && digits < part.len();
        let upper = part.iter().all(u8::is_ascii_uppercase);
        if !(lower || upper || looks_like_identifier(part) || camel_words(part)) {
            return false;
        }
    }
    parts >= 2 || secret.starts_with(b"?")
}

/// Letters only, cut before each capital into chunks that read as words
/// (`InterpolationInTemplate`): random letters (`DXFehzdDwIhANwps`) cut into
/// many one-letter chunks.
fn camel_words(part: &[u8]) -> bool {
    if part.len() < 6 || !part.iter().all(u8::is_ascii_alphabetic) {
        return false;
    }
    let chunks = 1 + part
        .iter()
        .skip(1)
        .filter(|b| b.is_ascii_uppercase())
        .count();
    let singles = part
        .iter()
        .enumerate()
        .filter(|&(i, b)| {
            b.is_ascii_uppercase() && !part.get(i + 1).is_some_and(u8::is_ascii_lowercase)
        })
        .count();
    singles <= 1 && part.len() >= chunks * 4
}

/// Whether a path segment is made of words: `openai-key`, `versions`, `v2`.
fn segments_are_words(p: &[u8]) -> bool {
    p.split(|&b| b == b'-' || b == b'_' || b == b'.')
        .filter(|w| !w.is_empty())
        .all(|w| {
            let letters = w.iter().take_while(|b| b.is_ascii_alphabetic()).count();
            letters >= 1 && w[letters..].iter().all(u8::is_ascii_digit) && w.len() - letters <= 3
        })
}

/// Names of browser-exposed variables that are public by design even though
/// they say KEY or TOKEN (publishable keys, anon keys, site keys, DSNs...).
const PUBLIC_BY_DESIGN: &[&str] = &[
    "PUBLISHABLE",
    "ANON_KEY",
    "ANON_PUBLIC",
    "FIREBASE",
    "SITE_KEY",
    "SITEKEY",
    "RECAPTCHA",
    "HCAPTCHA",
    "TURNSTILE",
    "MAPBOX",
    "SENTRY_DSN",
    "POSTHOG",
    "ALGOLIA_SEARCH",
    "ALGOLIA_APP_ID",
    "SEARCH_ONLY",
    "SEARCH_API_KEY",
    "MEASUREMENT_ID",
    "_GA_",
    "_GTM_",
    "GOOGLE_MAPS",
    "MAPS_API_KEY",
    "MAPS_KEY",
    "CLERK_PUBLISHABLE",
    "SUPABASE_URL",
    "PUBLIC_KEY",
    "PUBLICKEY",
    "VAPID_PUBLIC",
    "CLIENT_ID",
    "APP_ID",
    "PROJECT_ID",
    "SEGMENT_WRITE_KEY",
    "AMPLITUDE_API_KEY",
    "MIXPANEL_TOKEN",
    "INTERCOM_APP",
    "PUSHER_KEY",
    "PUSHER_APP_KEY",
    "STREAM_API_KEY",
    "REVENUECAT",
    "DATADOG_CLIENT_TOKEN",
    "DD_CLIENT_TOKEN",
    "_RUM_",
    "LOGROCKET",
    "BUGSNAG",
    "ROLLBAR_CLIENT",
    "HOTJAR",
    "STATSIG_CLIENT",
    "LAUNCHDARKLY_CLIENT",
    "CLIENT_SIDE_ID",
    "CLIENT_KEY",
    "CLIENT_TOKEN",
];

/// Suffixes that make a secret-sounding name about something else: a URL,
/// a header name, a lifetime, a storage key name.
const NON_SECRET_SUFFIXES: &[&str] = &[
    "_URL",
    "_URI",
    "_ENDPOINT",
    "_HOST",
    "_DOMAIN",
    "_PATH",
    "_HEADER",
    "_NAME",
    "_TTL",
    "_EXPIRY",
    "_EXPIRES",
    "_EXPIRATION",
    "_LENGTH",
    "_TYPE",
    "_ID",
    "_ENABLED",
    "_COOKIE",
    "_STORAGE_KEY",
    "_FIELD",
    "_PARAM",
    "_LABEL",
];

/// A browser-exposed variable name (`VITE_OPENAI_API_KEY`) that names a
/// secret, as opposed to one public by design (`VITE_FIREBASE_API_KEY`,
/// `NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY`, `NEXT_PUBLIC_SUPABASE_ANON_KEY`).
pub fn public_env_secret_name(name: &[u8]) -> bool {
    let upper: Vec<u8> = name.iter().map(u8::to_ascii_uppercase).collect();
    let has = |w: &str| crate::text::find_bytes(&upper, w.as_bytes()).is_some();
    if PUBLIC_BY_DESIGN.iter().any(|w| has(w)) {
        return false;
    }
    if NON_SECRET_SUFFIXES
        .iter()
        .any(|s| upper.ends_with(s.as_bytes()))
    {
        return false;
    }
    true
}

/// Decode base64url or standard base64 (either alphabet, even mixed),
/// padding optional and anything from the first `=` on ignored, as keys and
/// tokens are written; a dangling last character (6 bits, no byte) is
/// dropped.
pub fn base64url_decode(s: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireNone),
    );
    let end = s.iter().position(|&b| b == b'=').unwrap_or(s.len());
    let mut std: Vec<u8> = s
        .iter()
        .take(end)
        .map(|&b| match b {
            b'-' => b'+',
            b'_' => b'/',
            b => b,
        })
        .collect();
    if std.len() % 4 == 1 {
        std.pop();
    }
    LENIENT.decode(&std).ok()
}

#[cfg(test)]
mod tests {

    #[test]
    fn entropy_floor_of_hex_behind_a_prefix() {
        // 40 random hex digits behind `glptt-` average 3.8 bits a byte:
        // the floor follows the characters shown, not all lower-case
        // letters.
        let t = concat!("glptt", "-36aeafaa306d3525b39447855350a6533e33653a").as_bytes();
        assert!(shannon_entropy(t) < 3.7);
        assert_eq!(entropy_below(t, 3.8, true), None);
        // A value of few characters still falls below.
        assert!(entropy_below(b"glptt-abababababababababababababababababab", 3.8, true).is_some());
    }

    #[test]
    fn token_placeholders_by_chance_and_by_hand() {
        // A word at the end of a random lower-case token: chance.
        let t = b"q8v3kz0x7m2p9w4r1t6y5u0i3o8a2s7d4fdummy";
        assert_eq!(placeholder_reason(t), Some("placeholder word"));
        assert_eq!(token_placeholder_reason(t), None);
        // Written by hand: a long word, several words, names.
        for p in [
            "AKIAIOSFODNN7EXAMPLE",
            "sk-your-key-here",
            "sk_live_YourStripeSecretKeyGoesHere",
            "xoxb-1234-SlackBotAccessTokenHere",
            "ghp_ChangeMe0000000000000000000000000000",
        ] {
            assert!(token_placeholder_reason(p.as_bytes()).is_some(), "{p}");
        }
        // A format whose fixed prefix is a word (`KEY`, telnyx) and a
        // random camel-cased body: not a name.
        assert_eq!(
            token_placeholder_reason(b"KEY0196NphmYKogjQZQ8rTxWv_PSxzLmaB3"),
            None
        );
        // A run of six in 40 hex digits with a fixed suffix in capitals
        // happens once in 30,000 random tokens: chance, for a token.
        let hex = b"28f3c9a1e7b4d6aaaaaa2c8e1f9b3d7a5c0e4f1bNRAL";
        assert_eq!(placeholder_reason(hex), Some("repeated characters"));
        assert_eq!(token_placeholder_reason(hex), None);
        assert!(
            token_placeholder_reason(b"28f3c9a1e7aaaaaaaaaaaaaa1f9b3d7a5c0e4f1bNRAL").is_some()
        );
    }
    #[test]
    fn placeholder_word_names_the_word_found() {
        assert_eq!(placeholder_word(b"sk-EXAMPLEq8Zt"), Some("example"));
        assert_eq!(placeholder_word(b"sk-q8ZtW3nL5rY"), None);
        // Written by a person: one case, or capitals where the word's parts start.
        for (value, word) in [
            ("sk-ChangeMe-0000", "changeme"),
            ("YourKey", "yourkey"),
            ("my-Api-Key-Here", "-here"),
            ("tok_Placeholder_value", "placeholder"),
            ("FIXME", "fixme"),
        ] {
            assert_eq!(placeholder_word(value.as_bytes()), Some(word), "{value}");
        }
        // Cased at random: a word that turned up inside a random token.
        for value in ["q8ZtW3fiXmenL5rY", "Kd93pa-HEreLq0x", "Qz7eXAMpleR2w9"] {
            assert_eq!(placeholder_word(value.as_bytes()), None, "{value}");
        }
    }

    use super::*;

    #[test]
    fn identifiers_versus_random_tokens() {
        assert!(!generic_secret(
            b"sun.security.pkcs11.P11SecretKeyFactory",
            b"String P11SecretKeyFactory = \"sun.security.pkcs11.P11SecretKeyFactory\""
        ));
        for id in [
            "SunTls12RsaPremasterSecret",
            "passwordFile",
            "P11SecretKeyFactory",
            "HTTPServerConfig",
            "useFirstPass",
        ] {
            assert!(looks_like_identifier(id.as_bytes()), "{id}");
        }
        for tok in [
            "Qm7vT2kR9pLx4NcZ8wYb",
            "cqnLGp9NjmtNL1EihJvc7t3QMlJhc5B7",
            "h3pgzgIjnkKiDXw0LrY1yFFr",
            "RowH5d2QaUYekJJoFQjYAsx5uJtJ",
        ] {
            assert!(!looks_like_identifier(tok.as_bytes()), "{tok}");
        }
    }

    #[test]
    fn last_word_of_assigned_names() {
        assert_eq!(last_word(b"var secretId5=\"").as_deref(), Some("id"));
        assert_eq!(last_word(b"const secretId = '").as_deref(), Some("id"));
        assert_eq!(last_word(b"API_KEY_URL: \"").as_deref(), Some("url"));
        assert_eq!(last_word(b"client_secret = \"").as_deref(), Some("secret"));
        assert_eq!(
            last_word(b"config[\"auth_token\"] = \"").as_deref(),
            Some("token")
        );
        assert!(!generic_secret(
            b"45a1c9f2e8d7b6a5c4d3e2f1",
            b"var secretId = \"45a1c9f2e8d7b6a5c4d3e2f1\""
        ));
        assert!(generic_secret(
            b"Qm7vT2kR9pLx4NcZ8wYbXe3",
            b"client_secret = \"Qm7vT2kR9pLx4NcZ8wYbXe3\"" // jikimi:allow (fake)
        ));
    }

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
            "xoxb-283749102836-918273645501-SlackBotUserAccessTokenHere",
            "sk_live_YourStripeSecretKeyGoesHere",
        ] {
            assert!(placeholder_reason(p.as_bytes()).is_some(), "{p}");
        }
        assert!(placeholder_reason(b"Qm7vT2kR9pLx4NcZ8wYb").is_none());
        // Obvious placeholders, whatever their length and alphabet.
        for p in [
            "abcdef123456abcdef123456",
            "1111aaaa2222bbbb3333",
            "zyxwvutsrqponm",
            "9876543210987654",
            "sk-xxxx-Qm7vT2kR9pLx4NcZ",
            "sk_live_your_api_key_0000",
            "AKIAXXXXXXXXXXXXXXXX",
        ] {
            assert!(placeholder_reason(p.as_bytes()).is_some(), "{p}");
        }
        // A real token may hold `1234`, `abcd` or `todo` by chance.
        for t in [
            "Qm7vT2kR1234pLx4NcZ8wYb",
            "9f3abcd2e8c41b7d06a5f1e2",
            "Zq8TODOw3kR9pLx4NcZ8wYbQ",
            "xq9XXXXk3Rt7pLm2",
            "0123e8c41b7d06a5f1e29b3d4c7a8e11f0a2b3c4", // 6 ascending hex digits: a 40-hex token holds a run of 6 by chance
        ] {
            assert!(placeholder_reason(t.as_bytes()).is_none(), "{t}");
        }
        // Entropy: a random 20-character base62 token below a floor of 4.0
        // is lowered for, a low-entropy value is not.
        assert!(entropy_below(b"Qm7vT2kQ9pLx4mcZ8wQm", 4.0, true).is_none());
        assert!(entropy_below(b"Qm7vT2kQ9pLx4mcZ8wQm", 4.0, false).is_some());
        assert!(entropy_below(b"deadbeefdeadbeefdeadbeefdeadbeef", 3.0, true).is_some());
        // 40 hex digits for a rule whose floor hex cannot reach.
        assert!(entropy_below(b"6b91cda411dfd72f1a3447c745c48c0b90a16be3", 4.0, true).is_some());
    }

    /// Published test vectors for GitHub's token checksum: the example token
    /// in coolaj86's "GitHub base62 token format" gist, and the unit test of
    /// aseriousbiz/abbot's `Checksum.ComputeCrc32Base62Checksum`. Both pin the
    /// `0-9A-Za-z` alphabet (Go's big.Int default `0-9a-zA-Z` gives different
    /// results) and a CRC over the random part only, prefix excluded.
    #[test]
    fn github_checksum_known_vectors() {
        let crc = |s: &str| base62(u64::from(crc32fast::hash(s.as_bytes())), 6);
        assert_eq!(crc("zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ"), "0mLq17");
        assert_eq!(crc("fIkRGaBu5PeKsznMzXQOg3kETH1Sgx"), "2oIfSC");
        assert!(github_crc32(b"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")); // jikimi:allow (fake)
        assert!(!github_crc32(b"ghp_zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ0MlQ17")); // jikimi:allow (fake, bad checksum)
        assert!(!github_crc32(b"ghp_zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ0mLq1"));
    }

    #[test]
    fn npm_checksum() {
        let random = "Hq4WnT8vLd2XkP9sRz3YbM6cJf1GtA";
        let token = format!(
            "npm_{random}{}",
            base62(u64::from(crc32fast::hash(random.as_bytes())), 6)
        );
        assert_eq!(run_validator("npm-crc32", token.as_bytes()), Some(true));
        let wrong_prefix = token.replacen("npm_", "ghp_", 1);
        assert_eq!(
            run_validator("npm-crc32", wrong_prefix.as_bytes()),
            Some(false)
        );
        let mut bad = token.into_bytes();
        bad[10] = if bad[10] == b'Q' { b'R' } else { b'Q' };
        assert_eq!(run_validator("npm-crc32", &bad), Some(false));
    }

    #[test]
    fn jwt_roles() {
        // {"alg":"HS256","typ":"JWT"} . {"role":"anon"}
        assert!(!jwt_hs(
            b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoiYW5vbiJ9.sig"
        ));
        // {"alg":"HS256","typ":"JWT"} . {"role":"service_role"}
        let service = b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.sig";
        assert!(jwt_hs(service));
        assert!(supabase_service_role(service));
        assert!(!supabase_service_role(
            b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoiYW5vbiJ9.sig"
        ));
        assert!(!jwt_hs(b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"));
    }

    #[test]
    fn pem_structure() {
        // A generated SEC1 P-256 key (fake: random scalar and point).
        let body = "MHcCAQEEIK6BK03ymA400y5QG45s6Jbl5VS/VSYBFEaPfq+hL9gDoAoGCCqGSM49\n\
                    AwEHoUQDQgAEsCd2wS19KFFZ3DBU+I4mKc2uU1kO+Ny6bS/McFy0umUTgoEXZHqr\n\
                    9uY8d+LFAOLJIKU+DgANh7tA6/cwKZbwCg==";
        let ok = format!("-----BEGIN EC PRIVATE KEY-----\n{body}\n-----END EC PRIVATE KEY-----");
        assert!(pem_private_key(ok.as_bytes()));
        let escaped = ok.replace('\n', "\\n");
        assert!(pem_private_key(escaped.as_bytes()));
        let indented = ok.replace('\n', "\n      ");
        assert!(pem_private_key(indented.as_bytes()));
        let concatenated = format!("\"{}\\n\"", ok.replace('\n', "\\n\" +\n  \""));
        assert!(pem_private_key(concatenated.trim_matches('"').as_bytes()));
        let mismatch = ok.replace("END EC", "END RSA");
        assert!(!pem_private_key(mismatch.as_bytes()));
        let public = ok.replace("EC PRIVATE", "EC PUBLIC");
        assert!(!pem_private_key(public.as_bytes()));
        // Random bytes in the same armor: not a DER key.
        let random = "O1WpRCvhhZvnbgta9BaugM4Z0B9BRzfrb+LwmqAO/Uybdg6Mc87o80vIHyHKb0e8\n\
                      UozHkPKzvLtaE/v6KtKmuglG2GkIZz8sRGVWNbHHRhy9msgT5cD7McZ4IK8yHt2D\n\
                      1aO/9EvrPhdnSEPx5b3gmxeGbAj7kpqcYA==";
        assert!(!pem_private_key(ok.replace(body, random).as_bytes()));
        assert!(!pem_private_key(
            b"-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----"
        ));
        assert!(!pem_private_key(
            b"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----"
        ));
    }

    #[test]
    fn random_tokens() {
        assert!(random_token(b"sk-7f3a9c2e4b6d8f0a1c3e5b7d9f2a4c6e")); // jikimi:allow (fake)
        assert!(random_token(b"sk-abc-Qm7vT2kR9pLx4NcZ8wYb3HsJ"));
        assert!(!random_token(b"sk-learn"));
        assert!(!random_token(b"sk-button-primary-hover-state-large-2x"));
        assert!(!random_token(b"sk-averyveryverylongwordwithoutdigits"));
        // A base64url body: `-` and `_` are random characters there.
        assert!(random_token(b"pa-Xq3_kT9v-Lm2Wc8Rz_pQ4nB7yH1sDf6Gj")); // jikimi:allow (fake)
        assert!(!random_token(b"sk-Button-Primary-Hover-State-Large-2024"));
    }

    #[test]
    fn word_paths_are_not_secrets() {
        for v in [
            "application/x-www-form-urlencoded",
            "auth/custom-token-mismatch",
            "secretsmanager:GetSecretValue",
            "msal:acquireTokenFromNetworkStart",
            "DATADOG_RULE_TYPE:SECRET",
            "?InterpolationInTemplate",
            "token-vault/default/oauth2credentialprovider",
        ] {
            assert!(word_path(v.as_bytes()), "{v}");
        }
        for v in [
            "MEYCIQCKZLWyTk5run/pHa+DXFehzdDwIhANwps",
            "Qm7vT2kR9pLx4NcZ8wYb3HsJ",
            "svc:Qm7vT2kR9pLx4NcZ8wYb",
            "admin:Tz4pQ8wLm2x",
            "s3cr3t/v4lu3z",
        ] {
            assert!(!word_path(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn generic_values() {
        let ok = |v: &str, name: &str| {
            generic_secret(v.as_bytes(), format!("{name} = \"{v}").as_bytes())
        };
        assert!(ok("Qm7vT2kR9pLx4NcZ8wYb3HsJ", "api_key"));
        assert!(ok("9f86d081884c7d659a2feaa0c55ad015", "api_secret"));
        assert!(!ok("9f86d081884c7d659a2feaa0c55ad015", "commit_hash_token"));
        assert!(!ok("123e4567-e89b-12d3-a456-426614174000", "token"));
        assert!(!ok("https://api.example.com/v1/token", "token_url"));
        assert!(!ok("./config/secrets/token.json", "token_file"));
        assert!(!ok("assets/icons/token-badge.svg", "token_icon"));
        assert!(!ok("config.secrets.apiToken", "token"));
        assert!(!ok("OPENAI_API_KEY_SECRET_NAME", "secret_name"));
        assert!(!ok("session-token-cookie-name", "token_cookie"));
        assert!(!ok("auth_token_storage_key_v2", "TOKEN_KEY"));
        assert!(!ok("X-Session-Token-Name", "TOKEN_HEADER"));
        assert!(ok("live_8f3kQ2_Zx9mP4vL7nR2c", "token"));
        assert!(!ok("process.env.OPENAI_API_KEY", "api_key"));
        assert!(!ok(
            "sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K",
            "integrity_token"
        ));
    }

    #[test]
    fn public_env_names() {
        for secret in [
            "VITE_OPENAI_API_KEY",
            "NEXT_PUBLIC_STRIPE_SECRET_KEY",
            "REACT_APP_GITHUB_TOKEN",
            "NEXT_PUBLIC_SUPABASE_SERVICE_ROLE_KEY",
            "VITE_OMEGA_SECRET",
        ] {
            assert!(public_env_secret_name(secret.as_bytes()), "{secret}");
        }
        for public in [
            "VITE_FIREBASE_API_KEY",
            "NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY",
            "NEXT_PUBLIC_SUPABASE_ANON_KEY",
            "NEXT_PUBLIC_RECAPTCHA_SITE_KEY",
            "NEXT_PUBLIC_GA_MEASUREMENT_ID",
            "VITE_GOOGLE_MAPS_API_KEY",
            "NEXT_PUBLIC_AUTH_TOKEN_URL",
        ] {
            assert!(!public_env_secret_name(public.as_bytes()), "{public}");
        }
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
