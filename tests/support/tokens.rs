//! Random format-valid tokens for every rule with a generatable format, and
//! the placeholder-precision measure (issue 18): a random real-format token
//! must never be dropped by the placeholder, entropy or checksum filters.
//!
//! The format is the rule's own regex: the capture group that holds the
//! secret is parsed (regex-syntax, as the rule is compiled: bytes, no
//! Unicode classes) and walked, each class drawing a random member, each
//! repetition a random count (`{20,}` draws 20 to 40). A rule is
//! generatable when every class in its secret is a token alphabet (letters,
//! digits, `_-+/=.~`): a free alphabet (`[^\s'"]`, a password) is no format.
//! Rules checking a checksum get it (`github-crc32`, `npm-crc32`: the last
//! six characters are the CRC of the random part); rules with a structural
//! validator (JWT, PEM, URL userinfo, generic assignments) are left out.
//!
//! Each token takes the place of the secret in the rule's first example
//! that yields one (a context the rule accepts), and the rule's own filters
//! judge it through `jikimi::rules::trace::trace_one`.
//!
//! Used by the `placeholders` test module (a few hundred tokens a rule) and
//! `cargo bench --bench placeholders` (100,000 a rule).
#![allow(dead_code, clippy::string_slice)]

use std::collections::BTreeMap;
use std::ops::Range;

use jikimi::matcher::Matcher;
use jikimi::rules::trace::{Options, Verdict, trace_one};
use jikimi::rules::{RuleKind, RuleSet};
use regex_syntax::hir::{Class, Hir, HirKind};

/// Characters a token alphabet may hold.
const TOKEN_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+/=.~";

/// Validators whose rules are measured: checksums (generated) and the
/// randomness check (judged as it is). Other validators judge a structure
/// the regex does not describe; some of those are generated as structures
/// ([`Structure`]). Provider rules with `generic-secret` are not measured
/// yet: measured once (session 9), that validator dropped 1 to 6 in 100
/// random tokens of eleven of them (docs/rules.md).
const MEASURED_VALIDATORS: &[&str] = &["github-crc32", "npm-crc32", "random-token"];

/// A small deterministic generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) % n.max(1) as u64) as usize
    }
}

/// One rule's generator.
pub struct Format {
    pub rule: usize,
    /// The secret's regex, compiled to a generator.
    program: Gen,
    /// The example the token is written into, and the secret's span there.
    example: String,
    span: Range<usize>,
    checksum: bool,
    /// A structure the regex does not describe, generated as such.
    structure: Option<Structure>,
}

/// Structural formats generated as valid random instances: the validator
/// judges a structure (a JWT's JSON, a base64 `user:password`, a seed's
/// CRC), so a regex walk would give invalid ones.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Structure {
    /// A JWT with an HMAC `alg`, random claims and a random 32-byte
    /// signature (`jwt-hs`).
    JwtHs,
    /// A JWT signed with RS256, ES256 or EdDSA: random claims and a random
    /// signature of that algorithm's length (`jwt-signed`).
    JwtSigned,
    /// A Supabase service-role JWT: random project ref, times and signature
    /// (`supabase-service-role`).
    SupabaseServiceRole,
    /// base64 of a random user name and password (`basic-auth`).
    BasicAuth,
    /// base64 of a random password (`base64-credential`).
    Base64Password,
    /// A NATS user, account or operator seed: base32 of its prefix, 32
    /// random bytes and their CRC-16 (`nkey-seed`).
    NkeySeed,
    /// An unencrypted private key block: a PKCS#1 RSA key of random
    /// integers, a PKCS#8 Ed25519 key or a SEC1 P-256 key of random bytes,
    /// wrapped at 64 columns; `escaped` joins the lines with `\n` as in a
    /// JSON string (`pem-private-key`).
    Pem { escaped: bool },
}

impl Structure {
    fn of(validator: &str, example_secret: &str) -> Option<Structure> {
        Some(match validator {
            // A key in a JSON string (the GCP service-account rule): its
            // regex did not find most generated keys back in place; not
            // measured.
            "pem-private-key" if example_secret.contains("\\n") => return None,
            "pem-private-key" => Structure::Pem { escaped: false },
            "jwt-hs" => Structure::JwtHs,
            "jwt-signed" => Structure::JwtSigned,
            "supabase-service-role" => Structure::SupabaseServiceRole,
            "basic-auth" => Structure::BasicAuth,
            "base64-credential" => Structure::Base64Password,
            "nkey-seed" => Structure::NkeySeed,
            _ => return None,
        })
    }
}

/// Why a rule has no generatable format.
pub type Skip = (usize, &'static str);

/// The generatable formats of `rules`' secret rules, and the rules left out
/// with the reason.
pub fn formats(matcher: &Matcher) -> (Vec<Format>, Vec<Skip>) {
    let rules = matcher.rules();
    let (mut out, mut skipped) = (Vec::new(), Vec::new());
    for (i, rule) in rules.rules.iter().enumerate() {
        let s = &rule.syntax;
        if s.kind != RuleKind::Secret {
            continue;
        }
        if rule.family == "generic" || jikimi::rules::syntax::refined(rule.id()) {
            skipped.push((i, "free-form value (generic or structural rule)"));
            continue;
        }
        let example = s.examples.iter().find_map(|ex| {
            matcher
                .find(ex.as_bytes())
                .into_iter()
                .find(|m| m.rule == i)
                .map(|m| (ex.clone(), m.secret_start..m.secret_end))
        });
        let structure = s
            .validator
            .as_deref()
            .and_then(|v| Structure::of(v, example.as_ref().map_or("", |(e, r)| &e[r.clone()])));
        if let Some(v) = &s.validator
            && !MEASURED_VALIDATORS.contains(&v.as_str())
            && structure.is_none()
        {
            skipped.push((i, "structural validator (the regex is not the format)"));
            continue;
        }
        let Some((example, span)) = example else {
            skipped.push((i, "no example yields a secret"));
            continue;
        };
        let Ok(hir) = regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(&s.regex)
        else {
            skipped.push((i, "regex does not parse"));
            continue;
        };
        let Some(secret) = capture(&hir, rule.secret_group() as u32) else {
            skipped.push((i, "no secret group"));
            continue;
        };
        if structure.is_none()
            && let Err(why) = generatable(secret)
        {
            skipped.push((i, why));
            continue;
        }
        out.push(Format {
            rule: i,
            program: Gen::of(secret),
            example,
            span,
            checksum: matches!(s.validator.as_deref(), Some("github-crc32" | "npm-crc32")),
            structure,
        });
    }
    (out, skipped)
}

/// The capture group `index` in `hir` (the whole regex for 0).
fn capture(hir: &Hir, index: u32) -> Option<&Hir> {
    if index == 0 {
        return Some(hir);
    }
    match hir.kind() {
        HirKind::Capture(c) if c.index == index => Some(&c.sub),
        HirKind::Capture(c) => capture(&c.sub, index),
        HirKind::Repetition(r) => capture(&r.sub, index),
        HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().find_map(|h| capture(h, index)),
        _ => None,
    }
}

/// The bytes a class allows.
fn members(class: &Class) -> Vec<u8> {
    match class {
        Class::Unicode(c) => c
            .ranges()
            .iter()
            .flat_map(|r| (r.start() as u32)..=(r.end() as u32).min(0x7f))
            .filter_map(|c| u8::try_from(c).ok())
            .collect(),
        Class::Bytes(c) => c
            .ranges()
            .iter()
            .flat_map(|r| r.start()..=r.end().min(0x7f))
            .collect(),
    }
}

/// Whether the secret is a token format: classes of token characters only,
/// no multi-line value, some random part.
fn generatable(hir: &Hir) -> Result<(), &'static str> {
    fn walk(h: &Hir, random: &mut usize) -> Result<(), &'static str> {
        match h.kind() {
            HirKind::Class(c) => {
                let m = members(c);
                if m.iter().any(|b| !TOKEN_CHARS.contains(b)) {
                    return Err("free alphabet (a class beyond token characters)");
                }
                if m.len() > 2 {
                    *random += 1;
                }
                Ok(())
            }
            HirKind::Literal(l) if l.0.contains(&b'\n') => Err("multi-line value"),
            HirKind::Repetition(r) => {
                let before = *random;
                walk(&r.sub, random)?;
                if *random > before {
                    *random += r.min as usize;
                }
                Ok(())
            }
            HirKind::Capture(c) => walk(&c.sub, random),
            HirKind::Concat(v) | HirKind::Alternation(v) => {
                v.iter().try_for_each(|h| walk(h, random))
            }
            _ => Ok(()),
        }
    }
    let mut random = 0;
    walk(hir, &mut random)?;
    if random < 8 {
        return Err("too little random part to measure");
    }
    Ok(())
}

/// A regex compiled for drawing random matches: each class's members and
/// each branch's weight are computed once, not per character.
enum Gen {
    Bytes(Vec<u8>),
    Class(Vec<u8>),
    Repeat {
        min: u32,
        max: u32,
        sub: Box<Gen>,
    },
    Concat(Vec<Gen>),
    /// Branches with their weights (see [`weight`]) and the total.
    Alternation(Vec<(usize, Gen)>, usize),
}

impl Gen {
    fn of(h: &Hir) -> Gen {
        match h.kind() {
            HirKind::Empty | HirKind::Look(_) => Gen::Bytes(Vec::new()),
            HirKind::Literal(l) => Gen::Bytes(l.0.to_vec()),
            HirKind::Class(c) => Gen::Class(members(c)),
            HirKind::Repetition(r) => {
                let max = r.max.unwrap_or(r.min.saturating_add(20)).min(r.min + 200);
                Gen::Repeat {
                    min: r.min,
                    max,
                    sub: Box::new(Gen::of(&r.sub)),
                }
            }
            HirKind::Capture(c) => Gen::of(&c.sub),
            HirKind::Concat(v) => Gen::Concat(v.iter().map(Gen::of).collect()),
            // A branch is drawn by how many strings it stands for at one
            // position (a class by its size): `[A-Za-z0-9]|%[0-9A-F]{2}`
            // gives mostly letters and digits, as real tokens have.
            HirKind::Alternation(v) => {
                let branches: Vec<(usize, Gen)> =
                    v.iter().map(|h| (weight(h), Gen::of(h))).collect();
                let total = branches.iter().map(|b| b.0).sum::<usize>().max(1);
                Gen::Alternation(branches, total)
            }
        }
    }

    fn run(&self, rng: &mut Rng, out: &mut Vec<u8>) {
        match self {
            Gen::Bytes(b) => out.extend_from_slice(b),
            Gen::Class(m) => {
                if !m.is_empty() {
                    out.push(m[rng.below(m.len())]);
                }
            }
            Gen::Repeat { min, max, sub } => {
                let n = min + rng.below((max - min + 1) as usize) as u32;
                for _ in 0..n {
                    sub.run(rng, out);
                }
            }
            Gen::Concat(v) => v.iter().for_each(|g| g.run(rng, out)),
            Gen::Alternation(v, total) => {
                let mut pick = rng.below(*total);
                for (w, g) in v {
                    if pick < *w {
                        return g.run(rng, out);
                    }
                    pick -= w;
                }
                if let Some((_, g)) = v.first() {
                    g.run(rng, out);
                }
            }
        }
    }
}

fn weight(h: &Hir) -> usize {
    match h.kind() {
        HirKind::Class(c) => members(c).len().max(1),
        HirKind::Capture(c) => weight(&c.sub),
        HirKind::Alternation(v) => v.iter().map(weight).sum(),
        _ => 1,
    }
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

impl Format {
    /// A random token of this format.
    pub fn token(&self, rng: &mut Rng) -> String {
        if let Some(st) = self.structure {
            return structured(st, rng);
        }
        let mut out = Vec::new();
        self.program.run(rng, &mut out);
        if self.checksum
            && let Some(us) = out.iter().rposition(|&b| b == b'_')
            && out.len() - us > 7
        {
            let n = out.len();
            let crc = crc32fast::hash(&out[us + 1..n - 6]);
            let mut v = u64::from(crc);
            for i in (n - 6..n).rev() {
                out[i] = BASE62[(v % 62) as usize];
                v /= 62;
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// Which structure this rule's tokens are, if they are not a regex walk.
impl Format {
    pub fn structure(&self) -> Option<Structure> {
        self.structure
    }
}

/// `min` to `min + spread - 1` characters of `alphabet`.
fn draw(rng: &mut Rng, alphabet: &[u8], min: usize, spread: usize) -> String {
    let n = min + rng.below(spread);
    (0..n)
        .map(|_| char::from(alphabet[rng.below(alphabet.len())]))
        .collect()
}

/// `n` random bytes.
fn bytes(rng: &mut Rng, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.below(256) as u8).collect()
}

fn b64url(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

fn b64(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn base32(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut out, mut acc, mut bits) = (String::new(), 0u32, 0u32);
    for &b in data {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(A[((acc >> bits) & 31) as usize]));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(A[((acc << (5 - bits)) & 31) as usize]));
    }
    out
}

const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// Characters of a random password (letters, digits and the symbols
/// password generators use).
const PASSWORD: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#%&*+-.?@^_~";

/// Random claims: a subject, an issuer, times, sometimes a scope.
fn claims(rng: &mut Rng) -> String {
    let iat = 1_500_000_000 + rng.below(400_000_000);
    let (sub, iss) = (draw(rng, ALNUM, 8, 16), draw(rng, LOWER, 4, 8));
    let exp = iat + 3600 * (1 + rng.below(24 * 365));
    let mut c = format!(r#"{{"sub":"{sub}","iss":"https://{iss}.example","iat":{iat},"exp":{exp}"#);
    if rng.below(2) == 0 {
        c.push_str(&format!(r#","scope":"{}""#, draw(rng, LOWER, 3, 10)));
    }
    c.push('}');
    c
}

fn jwt(header: &str, payload: &str, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        b64url(header.as_bytes()),
        b64url(payload.as_bytes()),
        b64url(signature)
    )
}

/// A DER element: tag, length, content.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    match n {
        0..=0x7f => out.push(n as u8),
        0x80..=0xff => out.extend([0x81, n as u8]),
        _ => out.extend([0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(content);
    out
}

/// A positive DER INTEGER of `n` random bytes.
fn der_int(rng: &mut Rng, n: usize) -> Vec<u8> {
    let mut v = bytes(rng, n);
    v[0] |= 0x80;
    v.insert(0, 0);
    der(0x02, &v)
}

/// A random private key block (see [`Structure::Pem`]).
fn pem(rng: &mut Rng, escaped: bool) -> String {
    let (label, body) = match rng.below(3) {
        0 => {
            let mut seq = der(0x02, &[0]);
            for n in [256, 3, 256, 128, 128, 128, 128, 128] {
                if n == 3 {
                    seq.extend(der(0x02, &[1, 0, 1]));
                } else {
                    seq.extend(der_int(rng, n));
                }
            }
            ("RSA PRIVATE KEY", der(0x30, &seq))
        }
        1 => {
            let mut seq = der(0x02, &[0]);
            seq.extend(der(0x30, &der(0x06, &[0x2b, 0x65, 0x70])));
            seq.extend(der(0x04, &der(0x04, &bytes(rng, 32))));
            ("PRIVATE KEY", der(0x30, &seq))
        }
        _ => {
            let mut seq = der(0x02, &[1]);
            seq.extend(der(0x04, &bytes(rng, 32)));
            let oid = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
            seq.extend(der(0xa0, &der(0x06, &oid)));
            let mut point = vec![0, 4];
            point.extend(bytes(rng, 64));
            seq.extend(der(0xa1, &der(0x03, &point)));
            ("EC PRIVATE KEY", der(0x30, &seq))
        }
    };
    let b = b64(&body);
    let nl = if escaped { "\\n" } else { "\n" };
    let mut out = format!("-----BEGIN {label}-----{nl}");
    for chunk in b.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push_str(nl);
    }
    out.push_str(&format!("-----END {label}-----"));
    out
}

/// A valid random instance of `st`.
fn structured(st: Structure, rng: &mut Rng) -> String {
    match st {
        Structure::Pem { escaped } => pem(rng, escaped),
        Structure::JwtHs => {
            let alg = ["HS256", "HS384", "HS512"][rng.below(3)];
            let n = 32 + 16 * rng.below(3);
            let sig = bytes(rng, n);
            jwt(
                &format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#),
                &claims(rng),
                &sig,
            )
        }
        Structure::JwtSigned => {
            let (alg, n) =
                [("RS256", 256), ("ES256", 64), ("EdDSA", 64), ("PS384", 384)][rng.below(4)];
            let kid = draw(rng, ALNUM, 8, 24);
            let sig = bytes(rng, n);
            jwt(
                &format!(r#"{{"alg":"{alg}","typ":"JWT","kid":"{kid}"}}"#),
                &claims(rng),
                &sig,
            )
        }
        Structure::SupabaseServiceRole => {
            let iat = 1_600_000_000 + rng.below(200_000_000);
            let project = draw(rng, LOWER, 20, 1);
            let exp = iat + 315_360_000;
            let payload = format!(
                r#"{{"iss":"supabase","ref":"{project}","role":"service_role","iat":{iat},"exp":{exp}}}"#
            );
            let sig = bytes(rng, 32);
            jwt(r#"{"alg":"HS256","typ":"JWT"}"#, &payload, &sig)
        }
        Structure::BasicAuth => {
            let user = draw(rng, LOWER, 3, 10);
            let pw = draw(rng, PASSWORD, 12, 13);
            b64(format!("{user}:{pw}").as_bytes())
        }
        Structure::Base64Password => b64(draw(rng, PASSWORD, 12, 13).as_bytes()),
        Structure::NkeySeed => {
            // `SU` user, `SA` account, `SO` operator seeds.
            let kind: u8 = [20 << 3, 0, 14 << 3][rng.below(3)];
            let mut raw = vec![(18 << 3) | (kind >> 5), (kind & 31) << 3];
            raw.extend(bytes(rng, 32));
            let crc = jikimi::rules::validate::crc16(&raw);
            raw.extend(crc.to_le_bytes());
            base32(&raw)
        }
    }
}

/// What became of the generated tokens of one rule.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub tokens: usize,
    pub reported: usize,
    /// Stage → count, and one redacted-free example reason per stage.
    pub dropped: BTreeMap<&'static str, (usize, String)>,
    /// The token did not match the rule's regex back in place (a greedy
    /// neighbour, a boundary): a generator miss, not a drop.
    pub unmatched: usize,
    /// Reported tokens that the plain placeholder-word check (the one
    /// before the chance gate, still used for passwords) would have
    /// dropped: a word there by chance.
    pub word_by_chance: usize,
}

impl Tally {
    pub fn drops(&self) -> usize {
        self.dropped.values().map(|d| d.0).sum()
    }
}

/// Generate `count` tokens of `f` (seeded by the rule's index) and judge
/// each in place with the rule's own filters, many tokens a trace
/// ([`verdicts_batched`]).
pub fn measure(rules: &RuleSet, f: &Format, count: usize) -> Tally {
    tally(rules, f, &verdicts_batched(rules, f, count, BATCH))
}

/// Tokens written into one text by [`verdicts_batched`].
pub const BATCH: usize = 256;

/// One generated token and what the rule's filters made of it (`None`: it
/// did not match back in place).
pub type Judged = (String, Option<Verdict>);

/// Count the verdicts of [`verdicts_single`] or [`verdicts_batched`].
pub fn tally(rules: &RuleSet, f: &Format, judged: &[Judged]) -> Tally {
    let s = &rules.rules[f.rule].syntax;
    let words_judged = !s
        .validator
        .as_deref()
        .is_some_and(jikimi::rules::validate::judges_placeholders);
    let mut t = Tally::default();
    for (token, verdict) in judged {
        t.tokens += 1;
        match verdict {
            Some(Verdict::Reported) => {
                t.reported += 1;
                if words_judged
                    && jikimi::rules::validate::placeholder_word(token.as_bytes()).is_some()
                    && jikimi::rules::validate::placeholder_reason(token.as_bytes())
                        == Some("placeholder word")
                {
                    t.word_by_chance += 1;
                }
            }
            Some(Verdict::Dropped { stage, reason }) => {
                let e = t.dropped.entry(stage).or_insert((0, String::new()));
                e.0 += 1;
                if e.1.is_empty() {
                    // Random fakes: shown in full with JIKIMI_SHOW_TOKENS=1.
                    let shown = if std::env::var_os("JIKIMI_SHOW_TOKENS").is_some() {
                        token.clone()
                    } else {
                        jikimi::text::redact(token)
                    };
                    e.1 = format!("{reason} ({shown})");
                }
            }
            None => t.unmatched += 1,
        }
    }
    t
}

/// The tokens of `f` and their verdicts, one trace of the rule's example
/// per token: the reference [`verdicts_batched`] is checked against.
pub fn verdicts_single(rules: &RuleSet, f: &Format, count: usize) -> Vec<Judged> {
    let mut rng = Rng::new(0x5EED ^ f.rule as u64);
    let opts = Options::default();
    (0..count)
        .map(|_| {
            let token = f.token(&mut rng);
            let text = format!(
                "{}{token}{}",
                &f.example[..f.span.start],
                &f.example[f.span.end..]
            );
            let want = f.span.start..f.span.start + token.len();
            let cands = trace_one(rules, f.rule, text.as_bytes(), None, &opts);
            let v = cands
                .into_iter()
                .find(|c| c.secret_start == want.start && c.secret_end == want.end)
                .map(|c| c.verdict);
            (token, v)
        })
        .collect()
}

/// The same tokens and verdicts as [`verdicts_single`], `batch` copies of
/// the example a trace: each copy holds its token, and the copies are
/// apart by more newlines than any window, context gap or line the rule's
/// filters look at, so no copy sees another; each verdict is mapped back
/// by the token's offset. One trace of 256 copies costs the per-text work
/// (lower-casing, the regex's start-up, the keyword search) once.
pub fn verdicts_batched(rules: &RuleSet, f: &Format, count: usize, batch: usize) -> Vec<Judged> {
    let rule = &rules.rules[f.rule];
    let [before, after] = rule.window();
    let gap = rule.context_split().map_or(0, |s| s.gap);
    let pad = "\n".repeat(before.max(after).max(gap) + 64);
    let (head, tail) = (&f.example[..f.span.start], &f.example[f.span.end..]);
    let mut rng = Rng::new(0x5EED ^ f.rule as u64);
    let opts = Options {
        max_candidates: Some(usize::MAX),
        ..Options::default()
    };
    let mut out = Vec::with_capacity(count);
    let mut text = String::new();
    let mut spans = Vec::with_capacity(batch);
    while out.len() < count {
        let n = batch.max(1).min(count - out.len());
        text.clear();
        spans.clear();
        for _ in 0..n {
            let token = f.token(&mut rng);
            text.push_str(&pad);
            text.push_str(head);
            let at = text.len();
            text.push_str(&token);
            text.push_str(tail);
            spans.push((at, token));
        }
        text.push_str(&pad);
        let mut cands = trace_one(rules, f.rule, text.as_bytes(), None, &opts);
        cands.sort_by_key(|c| (c.secret_start, c.secret_end));
        for (at, token) in spans.drain(..) {
            let want = (at, at + token.len());
            let v = cands
                .binary_search_by_key(&want, |c| (c.secret_start, c.secret_end))
                .ok()
                .map(|i| cands[i].verdict.clone());
            out.push((token, v));
        }
    }
    out
}
