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
    calibrates_entropy, entropy_below, judges_placeholders, placeholder_reason_for,
    placeholder_word, run_validator_in,
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

/// How to trace.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options<'p> {
    /// The file's path: rules about a credential file format run on such
    /// files without their keywords, and the language-aware refinement of
    /// the generic rules knows the language.
    pub path: Option<&'p str>,
    /// Report a candidate on a line with an inline `jikimi:allow` marker as
    /// dropped (`rules trace`); the scan lists those with its suppressions.
    pub inline_markers: bool,
    /// Leave out candidates whose rule's context word or keyword occurs
    /// nowhere in the text (a bare 40-hex pattern of a prefix-less rule
    /// matches every commit id in a file): `scan --explain-drops` lists only
    /// the candidates a reader could have expected to be reported.
    pub relevant_only: bool,
    /// Candidates kept per rule (default [`PER_RULE`], for a reader): the
    /// placeholder-precision bench traces hundreds of tokens in one text.
    pub max_candidates: Option<usize>,
}

/// Trace every rule of `rules` over `hay`.
pub fn trace(rules: &RuleSet, hay: &[u8]) -> anyhow::Result<Vec<Candidate>> {
    let matcher = Matcher::new(rules)?;
    Ok(trace_in(
        &matcher,
        hay,
        &Options {
            inline_markers: true,
            ..Options::default()
        },
    ))
}

/// Trace every enabled rule of `matcher` over `hay`.
pub fn trace_in(matcher: &Matcher, hay: &[u8], opts: &Options) -> Vec<Candidate> {
    let found = matcher.find_in(opts.path, hay);
    let lower = hay.to_ascii_lowercase();
    let ctx = Ctx {
        rules: matcher.rules(),
        hay,
        lower: &lower,
        found: Some(&found),
        opts,
    };
    let mut out = Vec::new();
    for (idx, rule) in matcher.rules().rules.iter().enumerate() {
        if matcher.is_enabled(idx) {
            trace_rule(&ctx, idx, rule, &mut out);
        }
    }
    out.sort_by_key(|c| (c.secret_start, c.rule));
    out
}

/// Trace one rule (index `idx` in `rules`) over `hay`. With `found` (the
/// matcher's matches in `hay`) a candidate that passes every filter is
/// checked against attribution between rules; without it, it is
/// `Reported` when it passes the rule's own filters.
pub fn trace_one(
    rules: &RuleSet,
    idx: usize,
    hay: &[u8],
    found: Option<&[RawMatch]>,
    opts: &Options,
) -> Vec<Candidate> {
    let lower = hay.to_ascii_lowercase();
    let ctx = Ctx {
        rules,
        hay,
        lower: &lower,
        found,
        opts,
    };
    let mut out = Vec::new();
    trace_rule(&ctx, idx, &rules.rules[idx], &mut out);
    out
}

/// The file and what the matcher made of it.
struct Ctx<'a> {
    rules: &'a RuleSet,
    hay: &'a [u8],
    lower: &'a [u8],
    found: Option<&'a [RawMatch]>,
    opts: &'a Options<'a>,
}

fn trace_rule(ctx: &Ctx, idx: usize, rule: &Rule, out: &mut Vec<Candidate>) {
    let hay = ctx.hay;
    let split = rule.context_split();
    let re = match (split, rule.regex()) {
        (Some(split), _) => &split.rest,
        (None, Ok(re)) => re,
        (None, Err(_)) => return,
    };
    if ctx.opts.relevant_only && !relevant(ctx, rule) {
        return;
    }
    let group = rule.secret_group();
    let limit = ctx.opts.max_candidates.unwrap_or(PER_RULE);
    for caps in re.captures_iter(hay).take(limit) {
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

/// Whether the rule's context words (a split rule) or keywords occur
/// anywhere in the text (see [`Options::relevant_only`]).
fn relevant(ctx: &Ctx, rule: &Rule) -> bool {
    let has = |w: &[u8]| !w.is_empty() && crate::text::find_bytes(ctx.lower, w).is_some();
    if let Some(split) = rule.context_split() {
        return split.words.iter().any(|w| has(w));
    }
    if file_rule_applies(ctx, rule) {
        return true;
    }
    rule.syntax
        .keywords
        .iter()
        .any(|k| has(&k.to_ascii_lowercase().into_bytes()))
}

/// A rule about a credential file format, on such a file: the matcher runs
/// it over the whole text, without keywords.
fn file_rule_applies(ctx: &Ctx, rule: &Rule) -> bool {
    !rule.syntax.files.is_empty()
        && ctx
            .opts
            .path
            .is_some_and(|p| crate::rules::syntax::path_is(p, &rule.syntax.files))
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
    let (hay, rules) = (ctx.hay, ctx.rules);
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
    if !s.files.is_empty() && !file_rule_applies(ctx, rule) {
        return drop(
            "prefilter",
            format!(
                "the rule reads credential files only ({}), and this is not one",
                s.files.join(", ")
            ),
        );
    }
    if s.files.is_empty() && !keyword_reaches(rule, hay, ctx.lower, start) {
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
        let calibrated = calibrates_entropy(&rule.family, rule.id());
        if !judged && let Some(why) = placeholder_reason_for(calibrated, value) {
            let why = match (why, placeholder_word(value)) {
                ("placeholder word", Some(w)) => format!("placeholder word `{w}`"),
                (why, _) => why.to_string(),
            };
            return drop("placeholder", why);
        }
        if let Some(min) = s.min_entropy
            && let Some((e, floor)) =
                entropy_below(value, min, calibrates_entropy(&rule.family, rule.id()))
        {
            return drop(
                "entropy",
                if floor < min {
                    format!(
                        "entropy {e:.2} bits per byte, below {floor:.2} (the rule's {min}, \
                         lowered for a token this short)"
                    )
                } else {
                    format!("entropy {e:.2} bits per byte, below the rule's {min}")
                },
            );
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
            "random-token" => "does not look random (a word, an identifier or a path)",
            "generic-secret" | "named-value" | "credential-field" => {
                "not a credential value for its name (a reference, code, a word or a dummy)"
            }
            "url-password" | "db-url-password" => "not a password in a URL's userinfo",
            _ => "rejected",
        };
        return drop("validator", format!("validator `{v}`: {what}"));
    }
    if crate::rules::syntax::refined(rule.id()) {
        let lang = ctx.opts.path.map(|p| crate::rules::syntax::lang(p, hay));
        if !crate::rules::syntax::plausible(rule.id(), lang, hay, secret.start, secret.end) {
            return drop(
                "syntax",
                "not a credential where it stands in this file's language (the name it is \
                 assigned to, a cut value, a dummy, prose)"
                    .into(),
            );
        }
    }
    let Some(found) = ctx.found else {
        return Verdict::Reported;
    };
    if found
        .iter()
        .any(|m| m.rule == idx && m.secret_start == secret.start && m.secret_end == secret.end)
    {
        if ctx.opts.inline_markers
            && let Some(marker) = crate::findings::suppress::inline_marker(line_of(hay, &secret))
        {
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
