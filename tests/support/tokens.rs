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
/// the regex does not describe.
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
    hir: Hir,
    /// The example the token is written into, and the secret's span there.
    example: String,
    span: Range<usize>,
    checksum: bool,
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
        if let Some(v) = &s.validator
            && !MEASURED_VALIDATORS.contains(&v.as_str())
        {
            skipped.push((i, "structural validator (the regex is not the format)"));
            continue;
        }
        let Some((example, span)) = s.examples.iter().find_map(|ex| {
            matcher
                .find(ex.as_bytes())
                .into_iter()
                .find(|m| m.rule == i)
                .map(|m| (ex.clone(), m.secret_start..m.secret_end))
        }) else {
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
        if let Err(why) = generatable(secret) {
            skipped.push((i, why));
            continue;
        }
        out.push(Format {
            rule: i,
            hir: secret.clone(),
            example,
            span,
            checksum: matches!(s.validator.as_deref(), Some("github-crc32" | "npm-crc32")),
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

fn generate(h: &Hir, rng: &mut Rng, out: &mut Vec<u8>) {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(l) => out.extend_from_slice(&l.0),
        HirKind::Class(c) => {
            let m = members(c);
            if !m.is_empty() {
                out.push(m[rng.below(m.len())]);
            }
        }
        HirKind::Repetition(r) => {
            let max = r.max.unwrap_or(r.min.saturating_add(20)).min(r.min + 200);
            let n = r.min + rng.below((max - r.min + 1) as usize) as u32;
            for _ in 0..n {
                generate(&r.sub, rng, out);
            }
        }
        HirKind::Capture(c) => generate(&c.sub, rng, out),
        HirKind::Concat(v) => v.iter().for_each(|h| generate(h, rng, out)),
        // A branch is drawn by how many strings it stands for at one
        // position (a class by its size): `[A-Za-z0-9]|%[0-9A-F]{2}` gives
        // mostly letters and digits, as real tokens have.
        HirKind::Alternation(v) => {
            let w: Vec<usize> = v.iter().map(weight).collect();
            let mut pick = rng.below(w.iter().sum::<usize>().max(1));
            for (h, &wi) in v.iter().zip(&w) {
                if pick < wi {
                    return generate(h, rng, out);
                }
                pick -= wi;
            }
            generate(&v[0], rng, out)
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
        let mut out = Vec::new();
        generate(&self.hir, rng, &mut out);
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
}

impl Tally {
    pub fn drops(&self) -> usize {
        self.dropped.values().map(|d| d.0).sum()
    }
}

/// Generate `count` tokens of `f` (seeded by the rule's index) and judge
/// each in place with the rule's own filters.
pub fn measure(rules: &RuleSet, f: &Format, count: usize) -> Tally {
    let mut rng = Rng::new(0x5EED ^ f.rule as u64);
    let mut t = Tally::default();
    let opts = Options::default();
    for _ in 0..count {
        let token = f.token(&mut rng);
        let text = format!(
            "{}{token}{}",
            &f.example[..f.span.start],
            &f.example[f.span.end..]
        );
        let want = f.span.start..f.span.start + token.len();
        t.tokens += 1;
        let cands = trace_one(rules, f.rule, text.as_bytes(), None, &opts);
        match cands
            .iter()
            .find(|c| c.secret_start == want.start && c.secret_end == want.end)
        {
            Some(c) => match &c.verdict {
                Verdict::Reported => t.reported += 1,
                Verdict::Dropped { stage, reason } => {
                    let e = t.dropped.entry(stage).or_insert((0, String::new()));
                    e.0 += 1;
                    if e.1.is_empty() {
                        // Random fakes: shown in full with JIKIMI_SHOW_TOKENS=1.
                        let shown = if std::env::var_os("JIKIMI_SHOW_TOKENS").is_some() {
                            token.clone()
                        } else {
                            jikimi::text::redact(&token)
                        };
                        e.1 = format!("{reason} ({shown})");
                    }
                }
            },
            None => t.unmatched += 1,
        }
    }
    t
}
