//! `jikimi rules trace FILE`: why a candidate was, or was not, reported.
//!
//! Every rule's pattern is run over the whole file (no keyword windows), and
//! each match is walked through the matcher's stages in the matcher's order:
//! context word, keyword prefilter, token boundary, the rule's allow list,
//! placeholder text, entropy, validator, attribution between rules, and the
//! inline `jikimi:allow` markers of the scan. The first stage that drops a
//! candidate is its reason; a candidate that passes them all is `reported`.
//! It reads the file as it is (no archive, decoding or history stage), so a
//! secret that only a decoded form holds is not traced.

use crate::matcher::{Matcher, RawMatch};
use crate::rules::validate::{
    judges_placeholders, placeholder_reason, placeholder_word, run_validator_in, shannon_entropy,
};
use crate::rules::{Rule, RuleKind, RuleSet};

/// What became of one candidate.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The matcher reports it.
    Reported,
    /// Dropped at `stage` for `reason`.
    Dropped { stage: &'static str, reason: String },
}

/// One regex match of one rule.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Index of the rule in the set.
    pub rule: usize,
    pub secret_start: usize,
    pub secret_end: usize,
    pub verdict: Verdict,
}

/// Candidates per rule at most: a generic rule on a big file could match
/// thousands of times, and the trace is read by a person.
const PER_RULE: usize = 200;

/// Trace every rule of `rules` over `hay`.
pub fn trace(rules: &RuleSet, hay: &[u8]) -> anyhow::Result<Vec<Candidate>> {
    let matcher = Matcher::new(rules)?;
    let found = matcher.find(hay);
    let lower = hay.to_ascii_lowercase();
    let ctx = Ctx {
        rules,
        hay,
        lower: &lower,
        found: &found,
    };
    let mut out = Vec::new();
    for (idx, rule) in rules.rules.iter().enumerate() {
        trace_rule(&ctx, idx, rule, &mut out);
    }
    out.sort_by_key(|c| (c.secret_start, c.rule));
    Ok(out)
}

/// The file and what the matcher made of it.
struct Ctx<'a> {
    rules: &'a RuleSet,
    hay: &'a [u8],
    lower: &'a [u8],
    found: &'a [RawMatch],
}

fn trace_rule(ctx: &Ctx, idx: usize, rule: &Rule, out: &mut Vec<Candidate>) {
    let hay = ctx.hay;
    let split = rule.context_split();
    let re = match (split, rule.regex()) {
        (Some(split), _) => &split.rest,
        (None, Ok(re)) => re,
        (None, Err(_)) => return,
    };
    let group = rule.secret_group();
    for caps in re.captures_iter(hay).take(PER_RULE) {
        let whole = caps.get(0).expect("group 0 always matches");
        let Some(secret) = caps.get(group) else {
            continue;
        };
        let verdict = judge(ctx, idx, rule, whole.start()..whole.end(), secret.range());
        out.push(Candidate {
            rule: idx,
            secret_start: secret.start(),
            secret_end: secret.end(),
            verdict,
        });
    }
}

fn drop(stage: &'static str, reason: String) -> Verdict {
    Verdict::Dropped { stage, reason }
}

fn judge(
    ctx: &Ctx,
    idx: usize,
    rule: &Rule,
    whole: std::ops::Range<usize>,
    secret: std::ops::Range<usize>,
) -> Verdict {
    let (hay, found, rules) = (ctx.hay, ctx.found, ctx.rules);
    let (start, end) = (whole.start, whole.end);
    let s = &rule.syntax;
    let start = match rule.context_split() {
        Some(split) => match split.context_span(hay, start, secret.end) {
            Some(_)
                if crate::rules::context::in_named_url_path(
                    hay,
                    secret.start,
                    secret.end,
                    &split.words,
                ) =>
            {
                return drop(
                    "context",
                    "the token is a path segment of a URL whose host names the provider (a resource id)"
                        .to_string(),
                );
            }
            Some(c) => c,
            None => {
                let words: Vec<String> = split
                    .words
                    .iter()
                    .map(|w| String::from_utf8_lossy(w).into_owned())
                    .collect();
                return drop(
                    "context",
                    format!(
                        "no context word ({}) within {} bytes before the token or after it on its line",
                        words.join(", "),
                        split.gap
                    ),
                );
            }
        },
        None => start,
    };
    if !keyword_reaches(rule, hay, ctx.lower, start) {
        return drop(
            "prefilter",
            format!(
                "no keyword of the rule ({}) close enough before or after (window {:?} bytes{})",
                s.keywords.join(", "),
                rule.window(),
                if s.exact_keywords || s.after_keyword.is_some() {
                    ", with the rule's keyword conditions"
                } else {
                    ""
                }
            ),
        );
    }
    let value = &hay[secret.clone()];
    if s.kind == RuleKind::Secret {
        if secret.start >= 2
            && matches!(hay[secret.start - 1], b'-' | b'+')
            && hay[secret.start - 2].is_ascii_alphanumeric()
        {
            return drop(
                "boundary",
                "glued to the end of another string (an alphanumeric, then `-` or `+`)".into(),
            );
        }
        if s.allow.iter().any(|a| a.as_bytes() == value) {
            return drop(
                "allowlist",
                format!(
                    "a known example value in the rule's allow list ({})",
                    rule.source
                ),
            );
        }
        let judged = s.validator.as_deref().is_some_and(judges_placeholders);
        if !judged && let Some(why) = placeholder_reason(value) {
            let why = match (why, placeholder_word(value)) {
                ("placeholder word", Some(w)) => format!("placeholder word `{w}`"),
                (why, _) => why.to_string(),
            };
            return drop("placeholder", why);
        }
        if let Some(min) = s.min_entropy {
            let e = shannon_entropy(value);
            if e < min {
                return drop(
                    "entropy",
                    format!("entropy {e:.2} bits per byte, below the rule's {min}"),
                );
            }
        }
    }
    if let Some(v) = &s.validator
        && run_validator_in(v, value, &hay[start..end]) != Some(true)
    {
        let what = match v.as_str() {
            "github-crc32" | "npm-crc32" => "checksum failed",
            "jwt-hs" | "jwt-signed" | "supabase-service-role" => "not a JWT of the expected kind",
            "pem-private-key"
            | "base64-pem-private-key"
            | "putty-private-key"
            | "jwk-private-key" => "does not decode as a private key",
            _ => "rejected",
        };
        return drop("validator", format!("validator `{v}`: {what}"));
    }
    if found
        .iter()
        .any(|m| m.rule == idx && m.secret_start == secret.start && m.secret_end == secret.end)
    {
        if let Some(marker) = crate::findings::suppress::inline_marker(line_of(hay, &secret)) {
            return drop("allowlist", format!("inline `{marker}` marker on the line"));
        }
        return Verdict::Reported;
    }
    if let Some(m) = found
        .iter()
        .find(|m| m.rule != idx && m.secret_start < secret.end && secret.start < m.secret_end)
    {
        return drop(
            "attribution",
            format!(
                "the same bytes are reported by `{}`, which ranks higher",
                rules.rules[m.rule].id()
            ),
        );
    }
    drop(
        "matcher",
        "passed every filter but was not kept (overlapping matches of the same rule, or a match cut by its window)".into(),
    )
}

/// Whether a keyword hit that counts for `rule` has a window that reaches
/// the match starting at `at` (the matcher runs the regex from a window's
/// start to the end of its line).
fn keyword_reaches(rule: &Rule, hay: &[u8], lower: &[u8], at: usize) -> bool {
    let [before, after] = rule.window();
    rule.syntax.keywords.iter().any(|k| {
        let k = k.to_ascii_lowercase().into_bytes();
        if k.is_empty() {
            return false;
        }
        let lo = at.saturating_sub(after + k.len());
        let hi = at.saturating_add(before + k.len()).min(lower.len());
        let mut from = lo;
        while let Some(i) = lower
            .get(from..hi)
            .and_then(|t| crate::text::find_bytes(t, &k))
        {
            let ks = from + i;
            let ke = ks + k.len();
            if ks.saturating_sub(before) <= at && rule.hit_counts(hay, ks, ke) {
                return true;
            }
            from = ks + 1;
        }
        false
    })
}

/// The line holding `range` (at most 4 KiB either side).
fn line_of<'a>(hay: &'a [u8], range: &std::ops::Range<usize>) -> &'a [u8] {
    let lo = range.start.saturating_sub(4096);
    let hi = range.end.saturating_add(4096).min(hay.len());
    let ls = memchr::memrchr(b'\n', &hay[lo..range.start]).map_or(lo, |i| lo + i + 1);
    let le = memchr::memchr(b'\n', &hay[range.end..hi]).map_or(hi, |i| range.end + i);
    &hay[ls..le]
}
