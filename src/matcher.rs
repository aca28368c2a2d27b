//! The matcher: one pass over a blob's bytes with an Aho-Corasick keyword
//! prefilter, then the regexes of only those rules whose keywords hit, each
//! on a bounded window around its hits.
//!
//! Position in the pipeline: `input` hands it bytes, it hands back
//! [`RawMatch`]es (byte ranges and the rule that matched). It knows nothing of
//! files, git, causes or reports. Windows keep the regex work proportional to
//! the number of keyword hits, so a 10 MB single-line bundle costs one
//! Aho-Corasick pass plus a few small regex searches: linear time.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use anyhow::{Result, anyhow};

use crate::rules::validate::{placeholder_reason, run_validator_in, shannon_entropy};
use crate::rules::{Rule, RuleKind, RuleSet};

/// A rule match in a blob, before it becomes a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawMatch {
    /// Index of the rule in the [`RuleSet`].
    pub rule: usize,
    /// Byte range of the whole regex match.
    pub start: usize,
    pub end: usize,
    /// Byte range of the secret (the capture group).
    pub secret_start: usize,
    pub secret_end: usize,
}

/// The compiled prefilter over a rule set.
pub struct Matcher<'r> {
    rules: &'r RuleSet,
    /// `None` when no rule has keywords (nothing can match).
    ac: Option<AhoCorasick>,
    /// For each Aho-Corasick pattern, the rules that own that keyword.
    owners: Vec<Vec<usize>>,
    /// Rules that are enabled (all by default).
    enabled: Vec<bool>,
}

impl<'r> Matcher<'r> {
    /// Build the prefilter for every rule in `rules`.
    pub fn new(rules: &'r RuleSet) -> Result<Matcher<'r>> {
        Self::with_enabled(rules, vec![true; rules.len()])
    }

    /// Build the prefilter for the rules whose `enabled` flag is set.
    pub fn with_enabled(rules: &'r RuleSet, enabled: Vec<bool>) -> Result<Matcher<'r>> {
        let mut keywords: Vec<Vec<u8>> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        for (i, rule) in rules.rules.iter().enumerate() {
            if !enabled[i] {
                continue;
            }
            for kw in &rule.syntax.keywords {
                let kw = kw.to_ascii_lowercase().into_bytes();
                if kw.is_empty() {
                    continue;
                }
                match keywords.iter().position(|k| *k == kw) {
                    Some(p) => {
                        if !owners[p].contains(&i) {
                            owners[p].push(i)
                        }
                    }
                    None => {
                        keywords.push(kw);
                        owners.push(vec![i]);
                    }
                }
            }
        }
        let ac = if keywords.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&keywords)
                    .map_err(|e| anyhow!("cannot build keyword prefilter: {e}"))?,
            )
        };
        Ok(Matcher {
            rules,
            ac,
            owners,
            enabled,
        })
    }

    pub fn rules(&self) -> &'r RuleSet {
        self.rules
    }

    /// All matches in `hay`, sorted by position, after placeholder, entropy,
    /// validator and allow-list filtering and cross-rule attribution (when two
    /// rules claim overlapping secrets, the more specific one wins).
    pub fn find(&self, hay: &[u8]) -> Vec<RawMatch> {
        let Some(ac) = &self.ac else {
            return Vec::new();
        };
        // Windows per rule, merged as hits arrive (hits come in order of end
        // position, so a window either extends the last one or starts anew).
        let mut windows: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.rules.len()];
        let mut touched: Vec<usize> = Vec::new();
        for hit in ac.find_overlapping_iter(hay) {
            for &r in &self.owners[hit.pattern().as_usize()] {
                let rule = &self.rules.rules[r];
                if !rule.hit_counts(hay, hit.start(), hit.end()) {
                    continue;
                }
                let [before, after] = rule.window();
                let ws = hit.start().saturating_sub(before);
                let we = hit.end().saturating_add(after).min(hay.len());
                let list = &mut windows[r];
                if list.is_empty() {
                    touched.push(r);
                }
                match list.last_mut() {
                    Some(last) if ws <= last.1 => last.1 = last.1.max(we),
                    _ => list.push((ws, we)),
                }
            }
        }
        let mut out = Vec::new();
        touched.sort_unstable();
        for r in touched {
            let rule = &self.rules.rules[r];
            for &(ws, we) in &windows[r] {
                self.run_rule(r, rule, &hay[..we], ws, &mut out);
            }
        }
        attribute(self.rules, out)
    }

    fn run_rule(&self, idx: usize, rule: &Rule, hay: &[u8], from: usize, out: &mut Vec<RawMatch>) {
        let Ok(re) = rule.regex() else { return };
        let group = rule.secret_group();
        let mut pos = from;
        while pos <= hay.len() {
            let Some(caps) = re.captures_at(hay, pos) else {
                break;
            };
            let whole = caps.get(0).expect("group 0 always matches");
            pos = if whole.end() > whole.start() {
                whole.end()
            } else {
                whole.end() + 1
            };
            let Some(secret) = caps.get(group) else {
                continue;
            };
            // A token glued to the end of another (`qaN-fw_…` inside a
            // base64 hash): `\b` sees a boundary at `-`, but it is one string.
            let glued = rule.syntax.kind == RuleKind::Secret
                && secret.start() >= 2
                && matches!(hay[secret.start() - 1], b'-' | b'+')
                && hay[secret.start() - 2].is_ascii_alphanumeric();
            if !glued && accept_in(rule, secret.as_bytes(), whole.as_bytes()) {
                out.push(RawMatch {
                    rule: idx,
                    start: whole.start(),
                    end: whole.end(),
                    secret_start: secret.start(),
                    secret_end: secret.end(),
                });
            }
        }
    }

    pub fn is_enabled(&self, rule: usize) -> bool {
        self.enabled[rule]
    }
}

/// The per-rule filters a regex match must pass to count.
pub fn accept(rule: &Rule, secret: &[u8]) -> bool {
    accept_in(rule, secret, secret)
}

/// [`accept`] with the whole regex match at hand, for validators that judge
/// the secret by its surroundings (e.g. the variable name it is assigned to).
pub fn accept_in(rule: &Rule, secret: &[u8], whole: &[u8]) -> bool {
    let s = &rule.syntax;
    if s.kind == RuleKind::Secret {
        if s.allow.iter().any(|a| a.as_bytes() == secret) {
            return false;
        }
        if placeholder_reason(secret).is_some() {
            return false;
        }
        if let Some(min) = s.min_entropy
            && shannon_entropy(secret) < min
        {
            return false;
        }
    }
    // Evidence of a risk is code, not a credential: no secret filters above,
    // but a structural validator (e.g. public-by-design names) still applies.
    if let Some(v) = &s.validator
        && run_validator_in(v, secret, whole) != Some(true)
    {
        return false;
    }
    true
}

/// Resolve overlaps: matches whose secrets overlap are the same secret seen
/// by several rules; keep the one from the most confident rule, then the
/// longest secret, then the earliest rule. Also drops exact duplicates from
/// overlapping windows.
fn attribute(rules: &RuleSet, mut ms: Vec<RawMatch>) -> Vec<RawMatch> {
    if ms.len() < 2 {
        return ms;
    }
    // Risks and secrets never compete for the same bytes: order by kind first.
    let kind = |m: &RawMatch| rules.rules[m.rule].syntax.kind == RuleKind::Risk;
    ms.sort_by_key(|m| (kind(m), m.secret_start, m.secret_end, m.rule));
    ms.dedup();
    let rank = |m: &RawMatch| {
        let r = &rules.rules[m.rule].syntax;
        (
            r.confidence,
            m.secret_end - m.secret_start,
            usize::MAX - m.rule,
        )
    };
    let mut out: Vec<RawMatch> = Vec::with_capacity(ms.len());
    for m in ms {
        match out.last_mut() {
            Some(last) if kind(last) == kind(&m) && m.secret_start < last.secret_end => {
                if rank(&m) > rank(last) {
                    *last = m;
                }
            }
            _ => out.push(m),
        }
    }
    out.sort_by_key(|m| (m.secret_start, m.rule));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(toml: &str) -> RuleSet {
        let mut s = RuleSet::default();
        s.add_toml(toml, "test.toml").unwrap();
        s
    }

    const TWO: &str = r#"
[[rule]]
id = "t.specific"
title = "specific"
provider = "T"
severity = "high"
keywords = ["tk-live-"]
regex = '''\b(tk-live-[A-Za-z0-9]{20})\b'''

[[rule]]
id = "t.generic"
title = "generic"
provider = "T"
severity = "medium"
confidence = "low"
keywords = ["tk-"]
regex = '''\b(tk-[A-Za-z0-9-]{20,})\b'''
"#;

    #[test]
    fn specific_rule_wins_overlap() {
        let rules = set(TWO);
        let m = Matcher::new(&rules).unwrap();
        let hay = b"x = 'tk-live-Qm7vT2kR9pLx4NcZ8wYb'";
        let found = m.find(hay);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(rules.rules[found[0].rule].id(), "t.specific");
    }

    #[test]
    fn keyword_far_from_secret_is_linear_and_found_at_end() {
        let rules = set(TWO);
        let m = Matcher::new(&rules).unwrap();
        let mut hay = vec![b'a'; 5_000_000];
        hay.extend_from_slice(b";tk-live-Qm7vT2kR9pLx4NcZ8wYb;");
        let found = m.find(&hay);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].secret_start, 5_000_001);
    }

    #[test]
    fn placeholder_rejected() {
        let rules = set(TWO);
        let m = Matcher::new(&rules).unwrap();
        assert!(m.find(b"tk-live-xxxxxxxxxxxxxxxxxxxx").is_empty());
    }
}
