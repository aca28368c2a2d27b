//! The matcher: one pass over a blob's bytes with an Aho-Corasick keyword
//! prefilter, then the regexes of only those rules whose keywords hit, each
//! on a bounded window around its hits.
//!
//! Position in the pipeline: `input` hands it bytes, it hands back
//! [`RawMatch`]es (byte ranges and the rule that matched). It knows nothing of
//! files, git, causes or reports. Windows keep the regex work proportional to
//! the number of keyword hits, so a 10 MB single-line bundle costs one
//! Aho-Corasick pass plus a few small regex searches: linear time.

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::{Anchored, MatchKind, dfa::DFA};
use anyhow::{Result, anyhow};

use crate::rules::validate::{
    judges_placeholders, placeholder_reason, run_validator_in, shannon_entropy,
};
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
    keywords: Option<Keywords>,
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
        let keywords = if keywords.is_empty() {
            None
        } else {
            Some(Keywords::new(&keywords)?)
        };
        Ok(Matcher {
            rules,
            keywords,
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
        let Some(keywords) = &self.keywords else {
            return Vec::new();
        };
        let mut hits = Vec::new();
        keywords.scan(hay, &mut hits);
        // Windows per rule, merged as hits arrive (hits come in order of end
        // position, so a window either extends the last one or starts anew).
        // Per-rule window lists, kept per thread: allocating one list per
        // rule for every blob cost more than the search on small files.
        thread_local! {
            static WINDOWS: std::cell::RefCell<Vec<Vec<(usize, usize)>>> =
                const { std::cell::RefCell::new(Vec::new()) };
        }
        // The lists are emptied before any rule runs, so a rule that panics
        // (caught per file by the caller) leaves no stale windows behind.
        let jobs: Vec<(usize, Vec<Window>)> = WINDOWS.with(|cell| {
            let mut fresh = Vec::new();
            let mut borrowed = cell.try_borrow_mut();
            let windows = match borrowed.as_deref_mut() {
                Ok(w) => w,
                Err(_) => &mut fresh,
            };
            if windows.len() < self.rules.len() {
                windows.resize(self.rules.len(), Vec::new());
            }
            let mut touched: Vec<usize> = Vec::new();
            for &(end, pattern) in &hits {
                let start = end - keywords.len[pattern as usize];
                for &r in &self.owners[pattern as usize] {
                    let rule = &self.rules.rules[r];
                    if !rule.hit_counts(hay, start, end) {
                        continue;
                    }
                    let [before, after] = rule.window();
                    let ws = start.saturating_sub(before);
                    let we = end.saturating_add(after).min(hay.len());
                    let list = &mut windows[r];
                    if list.is_empty() {
                        touched.push(r);
                    }
                    match list.last_mut() {
                        Some(last) if ws <= last.1 => {
                            last.0 = last.0.min(ws);
                            last.1 = last.1.max(we);
                        }
                        _ => list.push((ws, we)),
                    }
                }
            }
            touched.sort_unstable();
            touched
                .into_iter()
                .map(|r| {
                    let lines = line_windows(hay, &windows[r]);
                    windows[r].clear();
                    (r, lines)
                })
                .collect()
        });
        let mut out = Vec::new();
        for (r, lines) in jobs {
            let rule = &self.rules.rules[r];
            for w in lines {
                self.run_rule(r, rule, hay, w, &mut out);
            }
        }
        attribute(self.rules, out)
    }

    fn run_rule(&self, idx: usize, rule: &Rule, full: &[u8], w: Window, out: &mut Vec<RawMatch>) {
        let split = rule.context_split();
        let re = match (split, rule.regex()) {
            (Some(split), _) => &split.rest,
            (None, Ok(re)) => re,
            (None, Err(_)) => return,
        };
        let group = rule.secret_group();
        let hay = &full[..w.end];
        let mut pos = w.start;
        while pos <= hay.len() {
            let Some(mut caps) = re.captures_at(hay, pos) else {
                break;
            };
            let mut whole = caps.get(0).expect("group 0 always matches");
            // A match that runs into a window cut inside a line may be a
            // secret cut short (`$` and greedy classes stop at the slice's
            // end): look once more with a longer slice, and drop the match if
            // it still runs into the cut.
            if w.cut && whole.end() == hay.len() {
                let longer = (w.end + CUT_RETRY).min(full.len());
                match re.captures_at(&full[..longer], whole.start()) {
                    Some(c)
                        if c.get(0)
                            .is_some_and(|m| m.end() < longer || longer == full.len()) =>
                    {
                        caps = c;
                        whole = caps.get(0).expect("group 0 always matches");
                    }
                    _ => break,
                }
            }
            pos = if whole.end() > whole.start() {
                whole.end()
            } else {
                whole.end() + 1
            };
            let Some(secret) = caps.get(group) else {
                continue;
            };
            // A split rule: the token counts only after one of its words.
            let start = match split {
                Some(split) => match split.context_start(full, whole.start()) {
                    Some(s) => s,
                    None => continue,
                },
                None => whole.start(),
            };
            // A token glued to the end of another (`qaN-fw_…` inside a
            // base64 hash): `\b` sees a boundary at `-`, but it is one string.
            let glued = rule.syntax.kind == RuleKind::Secret
                && secret.start() >= 2
                && matches!(full[secret.start() - 1], b'-' | b'+')
                && full[secret.start() - 2].is_ascii_alphanumeric();
            if !glued && accept_in(rule, secret.as_bytes(), &full[start..whole.end()]) {
                out.push(RawMatch {
                    rule: idx,
                    start,
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

/// The keyword prefilter: an Aho-Corasick DFA over every rule's keywords
/// (ASCII case-insensitive), reporting overlapping hits.
///
/// A DFA search is a chain of dependent table look-ups, one per byte: the
/// CPU waits for each before the next, whatever the number of keywords. A
/// blob of a few KiB or more is therefore cut into four slices, eight from
/// 8 KiB (each
/// starting a keyword's length early, so no hit is lost at a cut) that are
/// stepped together in one loop: four independent chains keep the CPU busy,
/// and the pass is about 1.6x faster than `find_overlapping_iter` on real
/// files (`cargo bench --bench prefilter`). A hit belongs to the slice its
/// end falls in, so each is reported once, and the slices' hits are
/// concatenated in order.
struct Keywords {
    dfa: DFA,
    start: StateID,
    /// Length of each keyword.
    len: Vec<usize>,
    /// The longest keyword.
    max: usize,
}

const LANES: usize = 4;

/// Below this many bytes a blob is scanned in one lane.
const LANE_MIN: usize = 2048;

impl Keywords {
    fn new(keywords: &[Vec<u8>]) -> Result<Keywords> {
        let dfa = aho_corasick::dfa::Builder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(keywords)
            .map_err(|e| anyhow!("cannot build keyword prefilter: {e}"))?;
        let start = dfa
            .start_state(Anchored::No)
            .map_err(|e| anyhow!("cannot build keyword prefilter: {e}"))?;
        Ok(Keywords {
            dfa,
            start,
            len: keywords.iter().map(Vec::len).collect(),
            max: keywords.iter().map(Vec::len).max().unwrap_or(1),
        })
    }

    /// Every keyword hit in `hay` as `(end, keyword)`, in order of `end`.
    fn scan(&self, hay: &[u8], out: &mut Vec<(usize, u32)>) {
        if hay.len() >= 4 * LANE_MIN && hay.len() / 8 > self.max {
            return self.eight_lanes(hay, out);
        }
        let q = hay.len() / LANES;
        if hay.len() < LANE_MIN || q <= self.max {
            let mut s = self.start;
            for (i, &b) in hay.iter().enumerate() {
                self.step(&mut s, b, i + 1, 0, out);
            }
            return;
        }
        // Lane `l` owns the hits that end in (lo[l], hi[l]] and starts
        // early enough to see a keyword that straddles lo[l].
        let lo = [0, q, 2 * q, 3 * q];
        let from = lo.map(|x| x.saturating_sub(self.max - 1));
        let hi = [q, 2 * q, 3 * q, hay.len()];
        let lanes = [0, 1, 2, 3].map(|l| &hay[from[l]..hi[l]]);
        let n = lanes.iter().map(|s| s.len()).min().unwrap_or(0);
        let mut s = [self.start; LANES];
        let mut rest: [Vec<(usize, u32)>; 3] = Default::default();
        let [o1, o2, o3] = &mut rest;
        let together = lanes[0][..n]
            .iter()
            .zip(&lanes[1][..n])
            .zip(&lanes[2][..n])
            .zip(&lanes[3][..n]);
        for (i, (((&b0, &b1), &b2), &b3)) in together.enumerate() {
            self.step(&mut s[0], b0, from[0] + i + 1, lo[0], out);
            self.step(&mut s[1], b1, from[1] + i + 1, lo[1], o1);
            self.step(&mut s[2], b2, from[2] + i + 1, lo[2], o2);
            self.step(&mut s[3], b3, from[3] + i + 1, lo[3], o3);
        }
        for (l, lane) in lanes.iter().enumerate() {
            let o = match l {
                0 => &mut *out,
                _ => &mut rest[l - 1],
            };
            for (i, &b) in lane[n..].iter().enumerate() {
                self.step(&mut s[l], b, from[l] + n + i + 1, lo[l], o);
            }
        }
        for o in rest {
            out.extend_from_slice(&o);
        }
    }

    /// [`Keywords::scan`] in eight lanes, for larger blobs (the same
    /// ownership of hits as four; each lane's step is written out, which is
    /// what lets the compiler interleave them).
    // Indexing eight slices by `i` is the point: zipping eight iterators
    // compiles to slower code.
    #[allow(clippy::needless_range_loop)]
    fn eight_lanes(&self, hay: &[u8], out: &mut Vec<(usize, u32)>) {
        let q = hay.len() / 8;
        let lo: [usize; 8] = std::array::from_fn(|l| l * q);
        let hi: [usize; 8] = std::array::from_fn(|l| if l == 7 { hay.len() } else { lo[l] + q });
        let from = lo.map(|x| x.saturating_sub(self.max - 1));
        let lanes: [&[u8]; 8] = std::array::from_fn(|l| &hay[from[l]..hi[l]]);
        let c: [&[u8]; 8] = lanes.map(|lane| &lane[..q]);
        let mut s = [self.start; 8];
        let mut o: [Vec<(usize, u32)>; 8] = Default::default();
        for i in 0..q {
            self.step(&mut s[0], c[0][i], from[0] + i + 1, lo[0], &mut o[0]);
            self.step(&mut s[1], c[1][i], from[1] + i + 1, lo[1], &mut o[1]);
            self.step(&mut s[2], c[2][i], from[2] + i + 1, lo[2], &mut o[2]);
            self.step(&mut s[3], c[3][i], from[3] + i + 1, lo[3], &mut o[3]);
            self.step(&mut s[4], c[4][i], from[4] + i + 1, lo[4], &mut o[4]);
            self.step(&mut s[5], c[5][i], from[5] + i + 1, lo[5], &mut o[5]);
            self.step(&mut s[6], c[6][i], from[6] + i + 1, lo[6], &mut o[6]);
            self.step(&mut s[7], c[7][i], from[7] + i + 1, lo[7], &mut o[7]);
        }
        for (l, lane) in lanes.iter().enumerate() {
            for (i, &b) in lane[q..].iter().enumerate() {
                self.step(&mut s[l], b, from[l] + q + i + 1, lo[l], &mut o[l]);
            }
            out.extend_from_slice(&o[l]);
        }
    }

    /// One byte of one lane: the next state, and its hits if they end past
    /// `lo` (`end` is the position after the byte).
    #[inline(always)]
    fn step(&self, s: &mut StateID, b: u8, end: usize, lo: usize, out: &mut Vec<(usize, u32)>) {
        *s = self.dfa.next_state(Anchored::No, *s, b);
        if self.dfa.is_special(*s) && self.dfa.is_match(*s) && end > lo {
            for k in 0..self.dfa.match_len(*s) {
                out.push((end, self.dfa.match_pattern(*s, k).as_u32()));
            }
        }
    }
}

/// How far past a window's end the matcher looks for the end of the line,
/// so that `$` and greedy classes see the whole line rather than the slice.
const LINE_EXTRA: usize = 256;

/// A match that still runs into a cut window edge is searched once more with
/// this much more text after the edge.
const CUT_RETRY: usize = 8192;

/// A byte range of a blob that one rule's regex runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Window {
    start: usize,
    end: usize,
    /// The window ends inside a line (no newline within [`LINE_EXTRA`] of the
    /// keyword window): a match ending exactly there may be cut short.
    cut: bool,
}

/// Extend each (merged, sorted) keyword window to the end of its line,
/// within [`LINE_EXTRA`] bytes, merging windows that come to overlap. Each
/// byte past a window is looked at once per rule, so the work stays linear
/// in the blob's size however many keywords a long line holds.
fn line_windows(hay: &[u8], windows: &[(usize, usize)]) -> Vec<Window> {
    let mut out: Vec<Window> = Vec::with_capacity(windows.len());
    for &(ws, we) in windows {
        match out.last_mut() {
            Some(last) if ws <= last.end => {
                if we > last.end {
                    (last.end, last.cut) = line_end(hay, we);
                }
            }
            _ => {
                let (end, cut) = line_end(hay, we);
                out.push(Window {
                    start: ws,
                    end,
                    cut,
                });
            }
        }
    }
    out
}

/// The end of the line containing `hay[at - 1]` if it is within
/// [`LINE_EXTRA`] bytes, else `at + LINE_EXTRA` marked as a cut.
fn line_end(hay: &[u8], at: usize) -> (usize, bool) {
    if at >= hay.len() {
        return (hay.len(), false);
    }
    let limit = (at + LINE_EXTRA).min(hay.len());
    match memchr::memchr(b'\n', &hay[at..limit]) {
        Some(i) => (at + i, false),
        None => (limit, limit < hay.len()),
    }
}

/// How specific a rule is, for attribution: a rule that recognises its
/// issuer's format (2) beats a structural rule that recognises a credential
/// by where it sits (1: a URL's userinfo, an `Authorization` header, a
/// connection string, a JWT, a `.netrc` line), which beats a generic
/// assignment to a secret-sounding name (0, the `generic` family).
pub fn specificity(rule: &Rule) -> u8 {
    if rule.family == "generic" {
        return 0;
    }
    let namespace = rule.id().split('.').next().unwrap_or("");
    if STRUCTURAL_NAMESPACES.contains(&namespace) {
        1
    } else {
        2
    }
}

/// Id namespaces of the structural rules (see [`specificity`]).
pub const STRUCTURAL_NAMESPACES: &[&str] = &[
    "url",
    "database",
    "http",
    "curl",
    "netrc",
    "npmrc",
    "config",
    "docker-config",
    "nuget-config",
    "kubeconfig",
    "connection-string",
    "jwt",
    "api-collection",
];

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
        // Key material (a PEM body full of `AAAA`, a base64 `user:password`)
        // is judged by its validator, which decodes it: text heuristics on
        // the encoded form would reject real keys.
        let judged = s.validator.as_deref().is_some_and(judges_placeholders);
        if !judged && placeholder_reason(secret).is_some() {
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
/// by several rules; keep the one from the most specific rule (a provider's
/// format over a structural rule over a generic assignment, see
/// [`specificity`]), then the most confident, then the longest secret, then
/// the earliest rule. Also drops exact duplicates from
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
        let rule = &rules.rules[m.rule];
        let r = &rule.syntax;
        (
            specificity(rule),
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

    const EDGE: &str = r#"
[[rule]]
id = "t.env"
title = "env"
provider = "T"
severity = "high"
keywords = ["SECRET_"]
window = [8, 16]
regex = '''(?m)^SECRET_[A-Z]+=([A-Za-z0-9]{16,256})$'''

[[rule]]
id = "t.long"
title = "long"
provider = "T"
severity = "high"
keywords = ["tk-"]
window = [0, 32]
regex = '''(tk-[A-Za-z0-9]{20,50000})'''
"#;

    #[test]
    fn secret_is_whole_past_the_window_edge() {
        let rules = set(EDGE);
        let m = Matcher::new(&rules).unwrap();
        let value: String = (0..120)
            .map(|i| (b'a' + (i * 7 % 26) as u8) as char)
            .collect();
        let hay = format!("# config\nSECRET_SIGNING={value}\nDEBUG=1\n");
        let found = m.find(hay.as_bytes());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            hay.get(found[0].secret_start..found[0].secret_end),
            Some(value.as_str())
        );
        // `$` at the window's end used to accept a prefix of a longer line.
        let hay = format!("SECRET_SIGNING={value} and more words\n");
        assert!(m.find(hay.as_bytes()).is_empty());
    }

    #[test]
    fn a_match_cut_by_a_window_inside_a_long_line_is_extended_or_dropped() {
        let rules = set(EDGE);
        let m = Matcher::new(&rules).unwrap();
        let token = |n: usize| -> String {
            (0..n)
                .map(|i| (b'A' + (i * 11 % 26) as u8) as char)
                .collect()
        };
        // Longer than the line extension, shorter than the retry: whole.
        let t = token(3000);
        let hay = format!("x = tk-{t};{}", "y".repeat(20_000));
        let found = m.find(hay.as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].secret_end - found[0].secret_start, 3003);
        // Longer than both: never reported cut short.
        let t = token(30_000);
        let hay = format!("x = tk-{t};{}", "y".repeat(20_000));
        assert!(m.find(hay.as_bytes()).is_empty());
    }

    #[test]
    fn line_extension_is_bounded_on_a_long_line() {
        // Keywords every 100 bytes of a 10 MB line: the extended windows
        // never overlap, so the regexes see each byte at most once.
        let hay = vec![b'a'; 10_000_000];
        let windows: Vec<(usize, usize)> = (0..100_000).map(|i| (i * 100, i * 100 + 50)).collect();
        let out = line_windows(&hay, &windows);
        assert!(out.windows(2).all(|w| w[0].end < w[1].start));
        let covered: usize = out.iter().map(|w| w.end - w.start).sum();
        assert!(covered <= hay.len(), "{covered}");
        assert!(out[..out.len() - 1].iter().all(|w| w.cut));
        assert!(!out[out.len() - 1].cut, "the last one reaches the end");
        // Far apart, each window extends by at most LINE_EXTRA.
        let windows = [(0, 10), (1_000_000, 1_000_010)];
        let out = line_windows(&hay, &windows);
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].end, 1_000_010 + LINE_EXTRA);
        // A newline ends the extension.
        let mut hay = vec![b'a'; 100];
        hay[40] = b'\n';
        let w = Window {
            start: 0,
            end: 40,
            cut: false,
        };
        assert_eq!(line_windows(&hay, &[(0, 10)])[0], w);
    }

    #[test]
    fn lanes_report_every_keyword_hit_once_in_order() {
        let kws: Vec<Vec<u8>> = ["tok", "token", "ok", "a", "ghp_", "xoxb-long-keyword-here"]
            .iter()
            .map(|k| k.as_bytes().to_vec())
            .collect();
        let k = Keywords::new(&kws).unwrap();
        let reference = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&kws)
            .unwrap();
        // Lengths around the lane cuts; keywords planted across each cut.
        let mut seed = 7u64;
        for len in [0, 1, 5, 2047, 2048, 2049, 4099, 10_000, 65_537] {
            let mut hay: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    b"tokenTOKEN ghp_ xb-aq"[(seed >> 33) as usize % 21]
                })
                .collect();
            for cut in [len / 4, len / 2, 3 * len / 4] {
                for (i, &b) in b"xoxb-long-keyword-here".iter().enumerate() {
                    if let Some(c) = (cut + i).checked_sub(10).and_then(|p| hay.get_mut(p)) {
                        *c = b;
                    }
                }
            }
            let mut got = Vec::new();
            k.scan(&hay, &mut got);
            let mut want: Vec<(usize, u32)> = reference
                .find_overlapping_iter(&hay)
                .map(|m| (m.end(), m.pattern().as_u32()))
                .collect();
            assert!(got.windows(2).all(|w| w[0].0 <= w[1].0), "in order ({len})");
            got.sort_unstable();
            want.sort_unstable();
            assert_eq!(got, want, "{len} bytes");
        }
    }

    #[test]
    fn placeholder_rejected() {
        let rules = set(TWO);
        let m = Matcher::new(&rules).unwrap();
        assert!(m.find(b"tk-live-xxxxxxxxxxxxxxxxxxxx").is_empty());
    }
}
