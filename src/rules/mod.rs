//! Rules: the data that says what a secret looks like.
//!
//! Rules live in `rules/*.toml` at the repository root and are embedded in the
//! binary at build time (see `build.rs`). A rule file is parsed into
//! [`RuleSyntax`] (the serde shape, exactly what a user writes) and compiled
//! into a [`Rule`] (regex compiled lazily, keywords lower-cased for the
//! Aho-Corasick prefilter). A [`RuleSet`] is the compiled collection that the
//! matcher runs. Nothing here knows about files, git or reports.

pub mod check;
pub mod context;
pub mod syntax;
pub mod trace;
pub mod validate;

use std::path::Path;
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};
use regex::bytes::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

/// The built-in rule files, `(file name, contents)`, embedded by `build.rs`.
pub const BUILTIN_RULE_FILES: &[(&str, &str)] =
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

pub use crate::vocab::{Confidence, RuleKind, Severity};

/// One `rules/*.toml` file.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// The family every rule in the file belongs to (`ai`, `cloud`,
    /// `payments`, ...), shown by `jikimi rules`; defaults to `custom`.
    #[serde(default)]
    pub family: Option<String>,
    #[serde(default, rename = "rule")]
    pub rules: Vec<RuleSyntax>,
}

/// A rule as written in TOML.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSyntax {
    /// Unique, dotted, lower-case: `openai.project-key`.
    pub id: String,
    /// Short human title: "OpenAI project API key".
    pub title: String,
    /// Who issued the credential: "OpenAI".
    pub provider: String,
    /// One or two sentences: what it detects and why it matters.
    #[serde(default)]
    pub description: String,
    pub severity: Severity,
    #[serde(default)]
    pub confidence: Confidence,
    /// `secret` (the capture is a credential) or `risk` (the capture is
    /// evidence of an architecture mistake, e.g. a browser-side LLM call).
    #[serde(default)]
    pub kind: RuleKind,
    /// Literals for the prefilter (matched ASCII case-insensitively). At least
    /// one must occur near a match for the regex to run at all.
    pub keywords: Vec<String>,
    /// The pattern; capture group 1 (or the group named `secret`) is the
    /// secret itself.
    pub regex: String,
    /// Minimum Shannon entropy (bits per byte) of the secret.
    #[serde(default)]
    pub min_entropy: Option<f64>,
    /// Named structural validator, see [`validate`].
    #[serde(default)]
    pub validator: Option<String>,
    /// Bytes around a keyword hit that the regex is run on (before, after).
    #[serde(default)]
    pub window: Option<[usize; 2]>,
    /// Keywords must match with their exact case (the prefilter itself is
    /// case-insensitive; this drops hits like `token` for a `TOKEN` rule).
    #[serde(default)]
    pub exact_keywords: bool,
    /// A pattern that must match right after a keyword hit (anchored) for the
    /// hit to count, e.g. an assignment operator. It keeps frequent keywords
    /// (`token`, `secret`) from sending whole files through the regex.
    #[serde(default)]
    pub after_keyword: Option<String>,
    /// Secret values that are known examples or placeholders (e.g. vendor docs).
    #[serde(default)]
    pub allow: Vec<String>,
    #[serde(default)]
    pub references: Vec<String>,
    /// Where the owner revokes and re-issues this credential (the provider's
    /// key-management page), shown in the "rotate now" list.
    #[serde(default)]
    pub rotate_url: Option<String>,
    /// Credential files the rule is about (`.pgpass`, `.vscode/sftp.json`:
    /// a file name or a path tail). When set, the rule runs only in those
    /// files, over the whole file, whatever its keywords; its examples are
    /// checked as the first of these files.
    #[serde(default)]
    pub files: Vec<String>,
    /// The rule's keys are public by design (they ship to browsers or apps
    /// on purpose: publishable, search-only, browser keys): what to check
    /// instead of rotating, e.g. "check its HTTP referrer restrictions".
    /// Findings are then severity info, never in the keys to rotate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public: Option<String>,
    /// Text that must produce a finding.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Text that must not.
    #[serde(default)]
    pub negative_examples: Vec<String>,
    /// How `jikimi scan --verify` asks the provider whether the key is live
    /// (`[rule.verify]`, see [`crate::verify::spec`]).
    #[serde(default)]
    pub verify: Option<crate::verify::spec::VerifySpec>,
}

/// Default window around a keyword hit: enough for every single-line token
/// format, small enough that a keyword on a 10 MB line costs nothing.
pub const DEFAULT_WINDOW: [usize; 2] = [160, 320];

/// A compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub syntax: RuleSyntax,
    /// Where the rule came from: `rules/openai.toml` or a user path.
    pub source: String,
    /// The rule file's family (`ai`, `cloud`, ...; `custom` for user rules).
    pub family: String,
    regex: OnceLock<Result<Regex, String>>,
    after_keyword: OnceLock<Result<Option<Regex>, String>>,
    secret_group: OnceLock<usize>,
    context: OnceLock<Option<ContextSplit>>,
    named: OnceLock<Option<context::NamedToken>>,
}

/// A rule whose regex is "one of these words, then within N bytes the
/// token": `(?i:checkout|cko_)(?s:.){0,200}?\b(sk_...)`, split in two.
///
/// As one regex, the gap `(?s:.){0,200}?` multiplies the lazy DFA's states
/// by the 200 places a token can start (a cold scan spent most of its regex
/// time building them for a handful of such rules). Split, the token's own
/// regex runs on the keyword windows and each match is kept only if one of
/// the words ends at most `gap` bytes before it. The capture groups are the
/// same: the prefix has none.
#[derive(Debug)]
pub struct ContextSplit {
    /// The words, lowercased (matched ASCII case-insensitively).
    pub words: Vec<Vec<u8>>,
    /// At most this many bytes between a word's end and the token.
    pub gap: usize,
    /// The regex after the gap.
    pub rest: Regex,
}

impl ContextSplit {
    /// Where the context of a token at `at` starts: the earliest word
    /// occurrence that ends within `gap` bytes before `at`.
    pub fn context_start(&self, hay: &[u8], at: usize) -> Option<usize> {
        let longest = self.words.iter().map(Vec::len).max().unwrap_or(0);
        let lo = at.saturating_sub(self.gap + longest);
        let lower: Vec<u8> = hay.get(lo..at)?.to_ascii_lowercase();
        let mut best: Option<usize> = None;
        for w in &self.words {
            let mut from = 0;
            while let Some(i) = lower
                .get(from..)
                .and_then(|t| crate::text::find_bytes(t, w))
            {
                let start = lo + from + i;
                if start + w.len() + self.gap >= at && context::word_starts_name(hay, start, w) {
                    best = Some(best.map_or(start, |b: usize| b.min(start)));
                    break;
                }
                from += i + 1;
            }
        }
        best
    }
}

/// Recognise `(?i:w1|w2|...)(?s:.){0,N}?REST` with plain-word alternatives.
fn split_context(pattern: &str, limit: usize) -> Option<ContextSplit> {
    let tail = pattern.strip_prefix("(?i:")?;
    let (alts, tail) = tail.split_once(')')?;
    let tail = tail.strip_prefix("(?s:.){0,")?;
    let (gap, rest) = tail.split_once("}?")?;
    let gap: usize = gap.parse().ok()?;
    // A `.` in a word is taken literally (a host name: `hunter.io`), which
    // is what the rule's author means; the unsplit regex would take any byte.
    let plain = |w: &str| {
        !w.is_empty()
            && w.bytes().all(|b| {
                b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b' ' || b == b'.'
            })
    };
    if rest.is_empty() || !alts.split('|').all(plain) {
        return None;
    }
    let rest = compile(rest, limit).ok()?;
    Some(ContextSplit {
        words: alts
            .split('|')
            .map(|w| w.to_ascii_lowercase().into_bytes())
            .collect(),
        gap,
        rest,
    })
}

/// How big the built-in rules' regexes may grow once compiled (the
/// program, and the lazy DFA's cache of each).
const BUILTIN_LIMIT: usize = 32 << 20;

/// The lazy DFA cache of each rule's regex, per thread: it fills with the
/// states the scanned text visits and is reset when full, so a bigger cache
/// only buys speed on inputs that wander through many states. 768 rules at
/// 32 MiB each grew a 3.5 GB tree of npm packages to 956 MiB.
const DFA_CACHE: usize = 4 << 20;

/// The same for custom rules, which a scanned repository's own jikimi.toml
/// may bring: a few rules whose DFAs explode would otherwise take 32 MiB of
/// cache each (per thread) and seconds of state building. 1 MiB holds any
/// reasonable token pattern; a rule over it is refused when the config is
/// loaded, naming the rule (see docs/configuration.md).
pub const CUSTOM_LIMIT: usize = 1 << 20;

/// The regex engine's settings for rule patterns, with `limit` bytes for
/// the compiled program and for the lazy DFA's cache.
fn compile(pattern: &str, limit: usize) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(limit)
        .dfa_size_limit(limit.min(DFA_CACHE))
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(n) => format!(
                "the regex is too big once compiled (over {} KiB, the limit for {} rules): use fewer or smaller repetition counts (`{{0,50}}` rather than `{{0,5000}}`) and narrower classes",
                n >> 10,
                if limit == CUSTOM_LIMIT { "custom" } else { "built-in" }
            ),
            e => e.to_string(),
        })
}

impl Rule {
    pub fn new(syntax: RuleSyntax, source: impl Into<String>) -> Rule {
        Rule {
            syntax,
            source: source.into(),
            family: "custom".to_string(),
            regex: OnceLock::new(),
            after_keyword: OnceLock::new(),
            secret_group: OnceLock::new(),
            context: OnceLock::new(),
            named: OnceLock::new(),
        }
    }

    /// The rule's regex split into context words and the token's regex, if
    /// it has that shape (see [`ContextSplit`]).
    pub fn context_split(&self) -> Option<&ContextSplit> {
        self.context
            .get_or_init(|| split_context(&self.syntax.regex, self.limit()))
            .as_ref()
    }

    /// For a rule that is "the provider's name in a variable name, then the
    /// token" (not a split rule): its name words and the token's regex, so
    /// the token is also found under a URL naming the provider
    /// ([`context::NamedToken`]).
    pub fn named_token(&self) -> Option<&context::NamedToken> {
        if self.context_split().is_some() || self.syntax.kind != RuleKind::Secret {
            return None;
        }
        self.named
            .get_or_init(|| context::named_token(&self.syntax.regex, self.limit()))
            .as_ref()
    }

    /// The compile limit for this rule's regexes: smaller for custom rules
    /// (see [`CUSTOM_LIMIT`]).
    fn limit(&self) -> usize {
        if self.family == "custom" {
            CUSTOM_LIMIT
        } else {
            BUILTIN_LIMIT
        }
    }

    pub fn id(&self) -> &str {
        &self.syntax.id
    }

    pub fn window(&self) -> [usize; 2] {
        self.syntax.window.unwrap_or(DEFAULT_WINDOW)
    }

    /// The compiled regex. Compiled on first use so that start-up only pays
    /// for the rules whose keywords actually occur.
    pub fn regex(&self) -> Result<&Regex, &str> {
        self.regex
            .get_or_init(|| compile(&self.syntax.regex, self.limit()))
            .as_ref()
            .map_err(|e| e.as_str())
    }

    /// The compiled `after_keyword` filter (anchored), if the rule has one.
    pub fn after_keyword(&self) -> Result<Option<&Regex>, &str> {
        self.after_keyword
            .get_or_init(|| match &self.syntax.after_keyword {
                None => Ok(None),
                Some(p) => compile(&format!("^(?:{p})"), self.limit()).map(Some),
            })
            .as_ref()
            .map(Option::as_ref)
            .map_err(|e| e.as_str())
    }

    /// Whether a keyword hit at `hay[start..end]` counts for this rule.
    pub fn hit_counts(&self, hay: &[u8], start: usize, end: usize) -> bool {
        if self.syntax.exact_keywords
            && !self
                .syntax
                .keywords
                .iter()
                .any(|k| k.as_bytes() == &hay[start..end])
        {
            return false;
        }
        match self.after_keyword() {
            Ok(Some(re)) => re.is_match(&hay[end..hay.len().min(end + 256)]),
            Ok(None) => true,
            Err(_) => false,
        }
    }

    /// Index of the capture group holding the secret.
    pub fn secret_group(&self) -> usize {
        // A split rule's token regex has the same groups as the whole one.
        let re = match self.context_split() {
            Some(split) => Ok(&split.rest),
            None => self.regex(),
        };
        *self.secret_group.get_or_init(|| match re {
            Ok(re) => re
                .capture_names()
                .position(|n| n == Some("secret"))
                .unwrap_or(if re.captures_len() > 1 { 1 } else { 0 }),
            Err(_) => 0,
        })
    }
}

/// The compiled set of rules the matcher runs.
#[derive(Debug, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// Parse the embedded `rules/*.toml`.
    pub fn builtin() -> Result<RuleSet> {
        let mut set = RuleSet::default();
        for (name, text) in BUILTIN_RULE_FILES {
            set.add_toml(text, &format!("rules/{name}"))?;
        }
        Ok(set)
    }

    /// Parse every `*.toml` file in `dir` (sorted by name).
    pub fn from_dir(dir: &Path) -> Result<RuleSet> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read rules folder {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        entries.sort();
        if entries.is_empty() {
            bail!("no *.toml rule files in {}", dir.display());
        }
        let mut set = RuleSet::default();
        for path in entries {
            let text = crate::input::fsread::read_small_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            set.add_toml(&text, &path.display().to_string())?;
        }
        Ok(set)
    }

    /// Parse one rule file's text and add its rules.
    pub fn add_toml(&mut self, text: &str, source: &str) -> Result<()> {
        let file: RuleFile = toml::from_str(text).map_err(|e| {
            anyhow::anyhow!("{source}: invalid rule file: {}", e.to_string().trim_end())
        })?;
        let family = file.family.unwrap_or_else(|| "custom".to_string());
        for r in file.rules {
            let mut rule = Rule::new(r, source);
            rule.family = family.clone();
            self.rules.push(rule);
        }
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id() == id)
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}
