//! The matcher: one pass over a blob's bytes with an Aho-Corasick keyword
//! prefilter, then the regexes of only those rules whose keywords hit, each
//! on a bounded window around its hits.
//!
//! Position in the pipeline: `input` hands it bytes, it hands back
//! [`RawMatch`]es (byte ranges and the rule that matched). It knows nothing of
//! files, git, causes or reports. Windows keep the regex work proportional to
//! the number of keyword hits, so a 10 MB single-line bundle costs one
//! Aho-Corasick pass plus a few small regex searches: linear time.

use crate::rules::syntax::Lang;
use anyhow::{Result, anyhow};

use crate::rules::validate::{
    calibrates_entropy, entropy_below, judges_placeholders, placeholder_reason_for,
    run_validator_in,
};
use crate::rules::{Rule, RuleKind, RuleSet};

/// The most bytes of a credential file its `files` rules read.
const FILE_RULE_BYTES: usize = 1 << 20;

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
    /// `None` when no rule has keywords (nothing can match). Shared with
    /// the matchers made by [`Matcher::subset`].
    keywords: Option<std::sync::Arc<Keywords>>,
    /// For each Aho-Corasick pattern, the rules that own that keyword.
    owners: Vec<Vec<usize>>,
    /// Rules that are enabled (all by default).
    enabled: Vec<bool>,
    /// Enabled rules about credential files (`files`), run by path.
    file_rules: Vec<usize>,
    /// Rules whose provider words no other rule names (see
    /// [`sole_provider_rules`]): they take a token assigned to any name
    /// holding the provider's.
    sole_provider: std::sync::Arc<Vec<bool>>,
}

/// For each rule, whether it is a name rule (`(?i:words)…`) whose words are
/// neither keywords nor name words of any other rule. Only such a rule may
/// take the token under any name holding its provider's word: where a
/// provider has several rules (Algolia's admin and search keys, Datadog's
/// API and application keys), the word after the provider's name is what
/// tells them apart.
fn sole_provider_rules(rules: &RuleSet) -> Vec<bool> {
    let words_of = |regex: &str| -> Vec<String> {
        regex
            .strip_prefix("(?i:")
            .and_then(|t| t.split_once(')'))
            .map(|(alts, _)| alts.split('|').map(str::to_ascii_lowercase).collect())
            .unwrap_or_default()
    };
    let mut owners: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut named = Vec::with_capacity(rules.len());
    for rule in &rules.rules {
        let mut words: Vec<String> = words_of(&rule.syntax.regex);
        let own = words.clone();
        words.extend(rule.syntax.keywords.iter().map(|k| k.to_ascii_lowercase()));
        words.sort();
        words.dedup();
        for w in words {
            *owners.entry(w).or_default() += 1;
        }
        named.push(own);
    }
    named
        .iter()
        .map(|own| !own.is_empty() && own.iter().all(|w| owners.get(w) == Some(&1)))
        .collect()
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
        // Keyword -> its index (a linear search per keyword is quadratic in
        // the rule count).
        let mut index: std::collections::HashMap<Vec<u8>, usize> = std::collections::HashMap::new();
        for (i, rule) in rules.rules.iter().enumerate() {
            // Rules about credential files run over those files only.
            if !enabled[i] || !rule.syntax.files.is_empty() {
                continue;
            }
            for kw in &rule.syntax.keywords {
                let kw = kw.to_ascii_lowercase().into_bytes();
                if kw.is_empty() {
                    continue;
                }
                match index.get(&kw) {
                    Some(&p) => {
                        if !owners[p].contains(&i) {
                            owners[p].push(i)
                        }
                    }
                    None => {
                        index.insert(kw.clone(), keywords.len());
                        keywords.push(kw);
                        owners.push(vec![i]);
                    }
                }
            }
        }
        let keywords = if keywords.is_empty() {
            None
        } else {
            Some(std::sync::Arc::new(Keywords::new(&keywords)?))
        };
        let file_rules = (0..rules.len())
            .filter(|&i| enabled[i] && !rules.rules[i].syntax.files.is_empty())
            .collect();
        Ok(Matcher {
            rules,
            keywords,
            owners,
            enabled,
            file_rules,
            sole_provider: std::sync::Arc::new(sole_provider_rules(rules)),
        })
    }

    pub fn rules(&self) -> &'r RuleSet {
        self.rules
    }

    /// This prefilter restricted to its enabled rules for which `keep`
    /// holds: the same matches as [`Matcher::with_enabled`] with those
    /// rules, but the keyword automaton is shared, not built again (keywords
    /// left without a rule hit and are passed over). Building it costs more
    /// than matching the strings of a tree's binaries.
    pub fn subset(&self, keep: impl Fn(usize) -> bool) -> Matcher<'r> {
        let enabled: Vec<bool> = (0..self.rules.len())
            .map(|i| self.enabled[i] && keep(i))
            .collect();
        let owners = self
            .owners
            .iter()
            .map(|o| o.iter().copied().filter(|&r| enabled[r]).collect())
            .collect();
        let file_rules = self
            .file_rules
            .iter()
            .copied()
            .filter(|&r| enabled[r])
            .collect();
        Matcher {
            rules: self.rules,
            keywords: self.keywords.clone(),
            owners,
            enabled,
            file_rules,
            sole_provider: self.sole_provider.clone(),
        }
    }

    /// All matches in `hay`, sorted by position, after placeholder, entropy,
    /// validator and allow-list filtering and cross-rule attribution (when two
    /// rules claim overlapping secrets, the more specific one wins).
    pub fn find(&self, hay: &[u8]) -> Vec<RawMatch> {
        self.find_in(None, hay)
    }

    /// [`find`](Self::find) for a file at `path`: rules about a credential
    /// file format (`files`) also run, over the whole text, when `path` is
    /// such a file.
    pub fn find_in(&self, path: Option<&str>, hay: &[u8]) -> Vec<RawMatch> {
        let lang = path.map(|p| crate::rules::syntax::lang(p, hay));
        let mut out = self.keyword_matches(hay, lang);
        if let Some(path) = path {
            for &r in &self.file_rules {
                let rule = &self.rules.rules[r];
                if crate::rules::syntax::path_is(path, &rule.syntax.files) {
                    // Credential files are small; a huge one is not one.
                    let end = hay.len().min(FILE_RULE_BYTES);
                    let w = Window {
                        start: 0,
                        end,
                        cut: end < hay.len(),
                    };
                    self.run_rule(r, rule, hay, w, lang, &mut out);
                }
            }
        }
        attribute(self.rules, out)
    }

    fn keyword_matches(&self, hay: &[u8], lang: Option<Lang>) -> Vec<RawMatch> {
        let Some(keywords) = &self.keywords else {
            return Vec::new();
        };
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
            // The keyword pass runs a chunk at a time and its hits become
            // windows before the next chunk: a blob where every byte ends a
            // keyword (15 MiB of `A`, which a 21-`A` keyword hits at each
            // byte) holds one chunk's hits, not 16 bytes per byte of input.
            let mut hits = Vec::new();
            let mut from = 0usize;
            loop {
                let to = from.saturating_add(HIT_CHUNK).min(hay.len());
                hits.clear();
                keywords.scan_range(hay, from, to, &mut hits);
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
                if to >= hay.len() {
                    break;
                }
                from = to;
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
                self.run_rule(r, rule, hay, w, lang, &mut out);
                self.run_url_context(r, rule, hay, w, lang, &mut out);
            }
        }
        out
    }

    fn run_rule(
        &self,
        idx: usize,
        rule: &Rule,
        full: &[u8],
        w: Window,
        lang: Option<Lang>,
        out: &mut Vec<RawMatch>,
    ) {
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
            // A split rule: the token counts only near one of its words
            // (before it, or after it on its line: rules/context.rs).
            let start = match split {
                Some(split) => match split.context_span(full, whole.start(), secret.end()) {
                    Some(_)
                        if crate::rules::context::in_named_url_path(
                            full,
                            secret.start(),
                            secret.end(),
                            &split.words,
                        ) =>
                    {
                        continue;
                    }
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
            if !glued
                && accept_in(rule, secret.as_bytes(), &full[start..whole.end()])
                && (!crate::rules::syntax::refined(rule.id())
                    || crate::rules::syntax::plausible(
                        rule.id(),
                        lang,
                        full,
                        secret.start(),
                        secret.end(),
                    ))
            {
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

    /// Second chance for a rule that wants the provider's name in the
    /// variable name: the token on a line where a URL's host names the
    /// provider (`curl -H "Authorization: Token …" https://api.deepgram.com/…`),
    /// or assigned to a name that holds the provider's without the
    /// credential word the regex wants (`"netlifyKey": "…"`, `netlify=…`),
    /// through the same filters (see `rules/context.rs`).
    fn run_url_context(
        &self,
        idx: usize,
        rule: &Rule,
        full: &[u8],
        w: Window,
        lang: Option<Lang>,
        out: &mut Vec<RawMatch>,
    ) {
        let Some(named) = rule.named_token() else {
            return;
        };
        let hay = &full[..w.end];
        let window = &hay[w.start..];
        let urls = [&b"://"[..], b"Host:", b"host:"]
            .iter()
            .any(|n| crate::text::find_bytes(window, n).is_some());
        if !urls && !self.sole_provider[idx] {
            return;
        }
        for caps in named.token.captures_iter(window) {
            let Some(secret) = caps.get(1) else {
                continue;
            };
            let (s, e) = (w.start + secret.start(), w.start + secret.end());
            if s > 0 && full[s - 1].is_ascii_alphanumeric() {
                continue;
            }
            if out
                .iter()
                .any(|m| m.rule == idx && m.secret_start < e && s < m.secret_end)
            {
                continue;
            }
            // The token's line, within the window (a minified line is long).
            let ls = hay[w.start..s]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(w.start, |p| w.start + p + 1);
            let le = hay[e..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(hay.len(), |p| e + p);
            if (self.sole_provider[idx] && named.assignment_context(full, ls..le, s..e)
                || urls
                    && (named.url_context(full, ls..le, s..e)
                        || named.host_header_context(full, ls)))
                && accept_in(rule, &full[s..e], &full[ls..le])
                && (!crate::rules::syntax::refined(rule.id())
                    || crate::rules::syntax::plausible(rule.id(), lang, full, s, e))
            {
                out.push(RawMatch {
                    rule: idx,
                    start: s,
                    end: e,
                    secret_start: s,
                    secret_end: e,
                });
            }
        }
    }

    /// The number of keyword hits in `hay`: the prefilter alone, for
    /// `cargo bench --bench prefilter -- --keywords`.
    #[doc(hidden)]
    pub fn keyword_hits(&self, hay: &[u8]) -> usize {
        let mut hits = Vec::new();
        if let Some(k) = &self.keywords {
            k.scan(hay, &mut hits);
        }
        hits.len()
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
/// blob of 512 bytes or more is therefore cut into four slices, eight from
/// 4 KiB, stepped together in one loop: independent chains keep the CPU
/// busy. Each slice reports the hits that end in it, after running its
/// state without reporting over the longest keyword's length of bytes
/// before it (so a keyword across a cut is seen once, by the slice its end
/// falls in), and the slices' hits are concatenated in order.
///
/// With the [`Table`] layout, the eight-slice pass runs at about 1.6 GB/s
/// on one core on real files, against 0.8 GB/s for aho-corasick's DFA
/// stepped the same way (`cargo bench --bench prefilter -- --keywords`).
struct Keywords {
    dfa: Table,
    /// Length of each keyword.
    len: Vec<usize>,
    /// The longest keyword.
    max: usize,
}

/// The keyword pass runs over this many bytes at a time (see
/// [`Matcher::find`]): it bounds the hits held at once.
const HIT_CHUNK: usize = 1 << 20;

/// Blobs of this many bytes or more are scanned in eight slices.
const EIGHT_LANES: usize = 4096;

/// Blobs of this many bytes or more (and fewer than [`EIGHT_LANES`]) are
/// scanned in four slices, smaller ones in one.
const FOUR_LANES: usize = 512;

impl Keywords {
    fn new(keywords: &[Vec<u8>]) -> Result<Keywords> {
        let dfa = Table::new(keywords)?;
        Ok(Keywords {
            dfa,
            len: keywords.iter().map(Vec::len).collect(),
            max: keywords.iter().map(Vec::len).max().unwrap_or(1),
        })
    }

    /// Every keyword hit in `hay` as `(end, keyword)`, in order of `end`.
    fn scan(&self, hay: &[u8], out: &mut Vec<(usize, u32)>) {
        self.scan_range(hay, 0, hay.len(), out)
    }

    /// The keyword hits that end in `from + 1..=to`, in order of end (the
    /// bytes before `from` are looked at only to see keywords that straddle
    /// it).
    fn scan_range(&self, hay: &[u8], from: usize, to: usize, out: &mut Vec<(usize, u32)>) {
        let len = to - from;
        if len >= EIGHT_LANES {
            self.lanes::<8>(hay, from, to, out)
        } else if len >= FOUR_LANES {
            self.lanes::<4>(hay, from, to, out)
        } else {
            self.lanes::<1>(hay, from, to, out)
        }
    }

    /// [`Keywords::scan`] over `N` slices of `hay` stepped together. Slice
    /// `l` reports the hits that end in `lo[l] + 1..=lo[l] + q` (the last
    /// one also the rest); its state is first run, without reporting, over
    /// the longest keyword's length of bytes before `lo[l]`, so a keyword
    /// that straddles the cut is seen by the slice its end falls in.
    fn lanes<const N: usize>(
        &self,
        hay: &[u8],
        from: usize,
        to: usize,
        out: &mut Vec<(usize, u32)>,
    ) {
        let t = &self.dfa;
        // Sliced to `mask + 1` here, so the compiler sees that the masked
        // index is in bounds and drops the check.
        let (trans, classes, mask) = (&t.trans[..=t.mask], &t.classes, t.mask);
        let next =
            |s: u32, b: u8| trans[(s as usize + usize::from(classes[usize::from(b)])) & mask];
        let q = (to - from) / N;
        let lo: [usize; N] = std::array::from_fn(|l| from + l * q);
        let mut s: [u32; N] = std::array::from_fn(|l| {
            let warm = &hay[lo[l].saturating_sub(self.max - 1)..lo[l]];
            warm.iter().fold(t.start, |s, &b| next(s, b))
        });
        let slices: [&[u8]; N] = std::array::from_fn(|l| &hay[lo[l]..lo[l] + q]);
        let mut found: [Vec<(usize, u32)>; N] = std::array::from_fn(|_| Vec::new());
        // Indexing the N slices by `i` is the point: zipping N iterators
        // compiles to slower code.
        #[allow(clippy::needless_range_loop)]
        for i in 0..q {
            for l in 0..N {
                s[l] = next(s[l], slices[l][i]);
                if s[l] < t.match_below {
                    t.matches(s[l], lo[l] + i + 1, &mut found[l]);
                }
            }
        }
        let last = N - 1;
        for (i, &b) in hay[lo[last] + q..to].iter().enumerate() {
            s[last] = next(s[last], b);
            if s[last] < t.match_below {
                t.matches(s[last], lo[last] + q + i + 1, &mut found[last]);
            }
        }
        for f in &found {
            out.extend_from_slice(f);
        }
    }
}

/// The keyword DFA as a flat table this module steps itself: the same
/// automaton as aho-corasick's DFA (built here from a trie, see [`Table::new`]),
/// laid out so that a step is one class look-up, one add and one load, with
/// no bounds check (the index is masked into a power-of-two table) and one
/// compare for "is this a match state" (match states are numbered first).
/// Stepping aho-corasick's DFA through its public API costs a bounds check
/// and two compares per byte, and the keyword pass is most of the scan.
struct Table {
    /// Each byte's class: the bytes of the keywords (ASCII case folded),
    /// each a class of its own, and all other bytes in class 0 (from any
    /// state they lead where a byte no keyword contains leads).
    classes: [u8; 256],
    /// `trans[state + class]`: states are premultiplied by the stride, a
    /// power of two at least the number of classes.
    trans: Vec<u32>,
    /// `trans.len() - 1` (a power of two minus one).
    mask: usize,
    /// States below this are match states.
    match_below: u32,
    /// log2 of the stride.
    shift: u32,
    start: u32,
    /// The keywords that end in each match state, by state index.
    matches: Vec<Vec<u32>>,
}

impl Table {
    /// Build the keyword automaton: a trie of the (case-folded) keywords
    /// over the byte classes, its failure links set breadth first, and
    /// every missing transition filled from the failure state's, which
    /// makes it a DFA with aho-corasick's overlapping semantics (each state
    /// lists every keyword that ends there, its own and its failure
    /// chain's). Built here directly rather than through aho-corasick's DFA
    /// builder and copied, which took half of jikimi's start-up at 768 rules.
    fn new(keywords: &[Vec<u8>]) -> Result<Table> {
        // Classes: one per (case-folded) keyword byte, 0 for the rest. At
        // most 230 bytes remain distinct after folding, so a u8 holds them.
        let mut classes = [0u8; 256];
        let mut nclass = 1usize;
        for &b in keywords.iter().flatten() {
            let b = b.to_ascii_lowercase();
            if classes[usize::from(b)] == 0 {
                classes[usize::from(b)] = nclass as u8;
                classes[usize::from(b.to_ascii_uppercase())] = nclass as u8;
                nclass += 1;
            }
        }
        const NONE: u32 = u32::MAX;
        // The trie: `delta[s * nclass + c]`, NONE where it has no edge.
        let mut delta: Vec<u32> = vec![NONE; nclass];
        let mut out: Vec<Vec<u32>> = vec![Vec::new()];
        for (p, kw) in keywords.iter().enumerate() {
            let mut s = 0usize;
            for &b in kw {
                let at = s * nclass + usize::from(classes[usize::from(b)]);
                s = match delta[at] {
                    NONE => {
                        let n = out.len();
                        delta[at] = n as u32;
                        delta.resize(delta.len() + nclass, NONE);
                        out.push(Vec::new());
                        n
                    }
                    t => t as usize,
                };
            }
            out[s].push(p as u32);
        }
        let n = out.len();
        // Failure links, breadth first: a state's failure state is
        // shallower, so its row is complete when the state's is filled.
        let mut fail = vec![0u32; n];
        let mut queue: Vec<u32> = Vec::with_capacity(n);
        for t in delta.iter_mut().take(nclass) {
            if *t == NONE {
                *t = 0;
            } else {
                queue.push(*t);
            }
        }
        let mut i = 0;
        while i < queue.len() {
            let s = queue[i] as usize;
            i += 1;
            let f = fail[s] as usize;
            if !out[f].is_empty() {
                let inherited = out[f].clone();
                out[s].extend(inherited);
            }
            for c in 0..nclass {
                let via_fail = delta[f * nclass + c];
                match delta[s * nclass + c] {
                    NONE => delta[s * nclass + c] = via_fail,
                    t => {
                        fail[t as usize] = via_fail;
                        queue.push(t);
                    }
                }
            }
        }
        // Match states first, then the rest; states premultiplied by the
        // stride.
        let shift = nclass.next_power_of_two().trailing_zeros();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&s| out[s].is_empty());
        let mut index = vec![0u32; n];
        for (i, &s) in order.iter().enumerate() {
            index[s] = (i as u32) << shift;
        }
        let size = (n << shift).next_power_of_two();
        if u32::try_from(size).is_err() {
            return Err(anyhow!("cannot build keyword prefilter: too many keywords"));
        }
        let mut trans = vec![0u32; size];
        let mut matches = Vec::new();
        for (i, &s) in order.iter().enumerate() {
            for c in 0..nclass {
                trans[(i << shift) + c] = index[delta[s * nclass + c] as usize];
            }
            if !out[s].is_empty() {
                matches.push(std::mem::take(&mut out[s]));
            }
        }
        Ok(Table {
            classes,
            mask: size - 1,
            match_below: (matches.len() as u32) << shift,
            shift,
            start: index[0],
            trans,
            matches,
        })
    }

    /// The keywords of match state `s`, as hits ending at `end`.
    #[cold]
    fn matches(&self, s: u32, end: usize, out: &mut Vec<(usize, u32)>) {
        if let Some(m) = self.matches.get((s >> self.shift) as usize) {
            out.extend(m.iter().map(|&p| (end, p)));
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
    "pgpass",
    "sftp-config",
    "filezilla",
];

/// Whether `rule` runs on the strings of binaries: secrets only (a risk
/// describes source code), recognised by a provider's format or anchored on
/// a keyword and an assignment. Every rule is one or the other (rules carry
/// keywords, and the generic family needs a secret-sounding name and an
/// assignment): what is left out are rules whose only evidence is a long
/// high-entropy value after a short, common keyword, which random bytes
/// can mimic.
pub fn reads_binaries(rule: &Rule) -> bool {
    rule.syntax.kind == RuleKind::Secret && !BINARY_EXCLUDED.contains(&rule.id())
}

/// Rules left out of binaries (see [`reads_binaries`]).
const BINARY_EXCLUDED: &[&str] = &[];

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
        let calibrated = calibrates_entropy(&rule.family, rule.id());
        if !judged && placeholder_reason_for(calibrated, secret).is_some() {
            return false;
        }
        if let Some(min) = s.min_entropy
            && entropy_below(secret, min, calibrates_entropy(&rule.family, rule.id())).is_some()
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
    fn a_subset_matches_like_a_matcher_built_for_its_rules() {
        let rules = set(TWO);
        let m = Matcher::new(&rules).unwrap();
        let hay = b"a = 'tk-live-Qm7vT2kR9pLx4NcZ8wYb' b = 'tk-Xq8vT2kR9pLx4NcZ8wYbZZ'";
        for keep in [0, 1] {
            let sub = m.subset(|i| i == keep);
            let built = Matcher::with_enabled(&rules, (0..2).map(|i| i == keep).collect()).unwrap();
            assert_eq!(sub.find(hay), built.find(hay));
            assert!(!sub.find(hay).is_empty());
            assert!(sub.find(hay).iter().all(|f| f.rule == keep));
            assert!(!sub.is_enabled(1 - keep));
        }
        assert!(m.subset(|_| false).find(hay).is_empty());
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

    // A built-in family: `{20,50000}` is past the limit for custom rules.
    const EDGE: &str = r#"
family = "test"

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

    /// `Keywords::scan` on `hay` reports exactly aho-corasick's overlapping
    /// hits, in order of end.
    fn assert_scan_matches_reference(kws: &[Vec<u8>], hay: &[u8]) {
        let k = Keywords::new(kws).unwrap();
        let reference = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(kws)
            .unwrap();
        let mut got = Vec::new();
        k.scan(hay, &mut got);
        let mut want: Vec<(usize, u32)> = reference
            .find_overlapping_iter(hay)
            .map(|m| (m.end(), m.pattern().as_u32()))
            .collect();
        let n = hay.len();
        assert!(got.windows(2).all(|w| w[0].0 <= w[1].0), "in order ({n})");
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want, "keywords {kws:?}, {n} bytes");
    }

    #[test]
    fn lanes_report_every_keyword_hit_once_in_order() {
        let kws: Vec<Vec<u8>> = [
            &b"tok"[..],
            b"token",
            b"ok",
            b"a",
            b"ghp_",
            b"xoxb-long-keyword-here",
            b"\xc3\xa9t",
            b"q\x00",
        ]
        .iter()
        .map(|k| k.to_vec())
        .collect();
        const ALPHABET: &[u8] = b"tokenTOKEN ghp_ xb-aq\xc3\xa9\x00\xff";
        // Lengths around the lane thresholds; keywords planted across each
        // cut of four and of eight slices.
        let mut seed = 7u64;
        for len in [
            0, 1, 5, 511, 512, 513, 2047, 4095, 4096, 4097, 4099, 10_000, 65_537,
        ] {
            let mut hay: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ALPHABET[(seed >> 33) as usize % ALPHABET.len()]
                })
                .collect();
            // The longest keyword ends 1 byte past a cut (it starts at the
            // first byte a slice looks back at), 2, 11 or 22 (just after).
            const LONG: &[u8] = b"xoxb-long-keyword-here";
            for (n, cut) in (1..8).map(|i| i * len / 8).enumerate() {
                let end = cut + [1, 2, 11, 22][n % 4];
                for (i, &b) in LONG.iter().enumerate() {
                    if let Some(c) = (end + i)
                        .checked_sub(LONG.len())
                        .and_then(|p| hay.get_mut(p))
                    {
                        *c = b;
                    }
                }
            }
            assert_scan_matches_reference(&kws, &hay);
        }
    }

    #[test]
    fn table_agrees_with_aho_corasick_on_random_keyword_sets() {
        // Random keyword sets over a small alphabet (so that keywords
        // overlap, share prefixes and suffixes), random haystacks over the
        // same alphabet plus bytes no keyword has.
        let mut seed = 11u64;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        const ALPHABET: &[u8] = b"abAB_-0\x80";
        for _ in 0..40 {
            let kws: Vec<Vec<u8>> = (0..1 + next(30))
                .map(|_| {
                    (0..1 + next(6))
                        .map(|_| ALPHABET[next(ALPHABET.len())])
                        .collect()
                })
                .collect();
            let len = next(6000);
            let hay: Vec<u8> = (0..len)
                .map(|_| match next(10) {
                    0 => b'z',
                    _ => ALPHABET[next(ALPHABET.len())],
                })
                .collect();
            assert_scan_matches_reference(&kws, &hay);
        }
    }

    #[test]
    fn keywords_across_hit_chunks_are_seen_once() {
        // The keyword pass runs a chunk at a time: a keyword that straddles
        // a chunk's edge is still seen, once, and the secret is whole.
        let rules = set(TWO);
        let m = Matcher::new(&rules).unwrap();
        for shift in [1, 3, 8, 20] {
            let mut hay = vec![b' '; 3 * HIT_CHUNK];
            let at = HIT_CHUNK - shift;
            let key = b"tk-live-Qm7vT2kR9pLx4NcZ8wYb";
            hay[at..at + key.len()].copy_from_slice(key);
            let found = m.find(&hay);
            assert_eq!(found.len(), 1, "shift {shift}");
            assert_eq!(found[0].secret_start, at);
        }
        let kws: Vec<Vec<u8>> = vec![b"aaaa".to_vec(), b"ab".to_vec()];
        let k = Keywords::new(&kws).unwrap();
        let hay: Vec<u8> = (0..20_000)
            .map(|i| if i % 7 == 0 { b'b' } else { b'a' })
            .collect();
        let mut whole = Vec::new();
        k.scan(&hay, &mut whole);
        let mut parts = Vec::new();
        for (from, to) in [(0, 4095), (4095, 4100), (4100, 9000), (9000, 20_000)] {
            k.scan_range(&hay, from, to, &mut parts);
        }
        assert_eq!(parts, whole);
    }

    #[test]
    fn placeholder_rejected() {
        let rules = set(TWO);
        let m = Matcher::new(&rules).unwrap();
        assert!(m.find(b"tk-live-xxxxxxxxxxxxxxxxxxxx").is_empty());
    }
}
