//! The project config file, `jikimi.toml`: custom rules, disabled rules,
//! path excludes, allowlists, the default fail policy and archive limits.
//!
//! Position in the pipeline: read by [`crate::config`] before anything is
//! scanned, and either applied whole or refused whole. Every problem (a key
//! this version does not know, a regex that does not compile, a rule id that
//! does not exist, a file written for a newer jikimi) is an error naming the
//! file, line and column, so nothing is ever half-applied. The file is data
//! only: nothing in it is executed.

use std::collections::HashSet;
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use serde::Deserialize;
use toml::Spanned;

use crate::findings::suppress::{Allow, Filters, build_globs};
use crate::rules::{Rule, RuleSet, RuleSyntax, Severity, check};
use crate::vocab::FailOn;

/// The file looked for at the scanned root.
pub const FILE_NAME: &str = "jikimi.toml";

/// The config schema this jikimi reads. A file with a larger `version` was
/// written for a newer jikimi and is refused rather than half understood.
pub const VERSION: i64 = 1;

/// The rule ids the scan stage makes itself (not in any rule file) that can
/// still be disabled or allowlisted.
const SCAN_RULE_IDS: &[&str] = &[
    crate::findings::risks::GITIGNORE_GAP,
    crate::findings::docker::DOCKERIGNORE_GAP,
];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigSyntax {
    #[serde(default)]
    version: Option<Spanned<i64>>,
    #[serde(default)]
    fail_on: Option<Spanned<String>>,
    #[serde(default)]
    min_severity: Option<Spanned<String>>,
    #[serde(default)]
    tests: Option<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    disable: Vec<Spanned<String>>,
    #[serde(default)]
    allow: AllowSyntax,
    #[serde(default)]
    archives: ArchiveSyntax,
    #[serde(default, rename = "rule")]
    rules: Vec<Spanned<RuleSyntax>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowSyntax {
    #[serde(default)]
    values: Vec<Spanned<String>>,
    #[serde(default)]
    regexes: Vec<Spanned<String>>,
    #[serde(default)]
    stopwords: Vec<Spanned<String>>,
    #[serde(default)]
    paths: Vec<Spanned<String>>,
    #[serde(default, rename = "rule")]
    rules: Vec<Spanned<RuleAllowSyntax>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleAllowSyntax {
    id: Spanned<String>,
    #[serde(default)]
    values: Vec<Spanned<String>>,
    #[serde(default)]
    regexes: Vec<Spanned<String>>,
    #[serde(default)]
    stopwords: Vec<Spanned<String>>,
    #[serde(default)]
    paths: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ArchiveSyntax {
    #[serde(default)]
    max_depth: Option<Spanned<i64>>,
    #[serde(default)]
    max_size: Option<Spanned<String>>,
}

/// Limits for archive and app-package members, as set in `[archives]`.
/// `None` leaves the archive input's own default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// How many archives deep to look (`a.zip!/b.jar!/c`).
    pub max_depth: Option<u32>,
    /// Largest total of decompressed bytes read from one archive.
    pub max_size: Option<u64>,
}

/// A loaded, fully validated `jikimi.toml`.
#[derive(Debug, Default)]
pub struct ProjectConfig {
    /// Where it was read from.
    pub path: PathBuf,
    pub fail_on: Option<FailOn>,
    pub min_severity: Option<Severity>,
    /// Custom rules, already checked like the built-in ones.
    pub rules: Vec<RuleSyntax>,
    /// Rule ids to disable.
    pub disable: Vec<String>,
    /// Excludes, allowlists and disabled ids, compiled.
    pub filters: Filters,
    pub archives: ArchiveLimits,
}

/// A position in the config text, for messages: `jikimi.toml:3:9`.
struct Locator<'a> {
    file: String,
    text: &'a str,
}

impl Locator<'_> {
    fn at(&self, span: Range<usize>) -> String {
        let start = span.start.min(self.text.len());
        let before = crate::text::to(self.text, start);
        let line = before.matches('\n').count() + 1;
        let col = before
            .rfind('\n')
            .map_or(before, |i| crate::text::from(before, i + 1))
            .chars()
            .count()
            + 1;
        format!("{}:{line}:{col}", self.file)
    }

    fn err(&self, span: Range<usize>, msg: impl std::fmt::Display) -> anyhow::Error {
        anyhow!("{}: {msg}", self.at(span))
    }

    /// The span of the `key = ...` line in the table starting at
    /// `table.start` (toml spans an array-of-tables entry by its header
    /// only, so look down to the next header), or `table` itself.
    fn key_in(&self, table: Range<usize>, key: &str) -> Range<usize> {
        let start = table.start.min(self.text.len());
        let mut off = start;
        for (n, line) in crate::text::from(self.text, start)
            .split_inclusive('\n')
            .enumerate()
        {
            let t = line.trim_start();
            if n > 0 && t.starts_with('[') {
                break;
            }
            if t.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
            {
                let lead = line.len() - t.len();
                return off + lead..off + line.len();
            }
            off += line.len();
        }
        table
    }
}

/// Read and validate the config file at `path`. `builtin` is the built-in
/// rule set (to check rule ids and custom rule ids against).
pub fn load(path: &Path, builtin: &RuleSet) -> Result<ProjectConfig> {
    let text = crate::input::fsread::read_small_string(path).map_err(|e| {
        anyhow!(
            "{}: cannot read the config file: {e} (fix it, or pass --no-config to scan without it)",
            path.display()
        )
    })?;
    parse(&text, path, builtin)
}

/// Validate config `text` read from `path`.
pub fn parse(text: &str, path: &Path, builtin: &RuleSet) -> Result<ProjectConfig> {
    let loc = Locator {
        file: path.display().to_string(),
        text,
    };
    let toml_err = |e: toml::de::Error| match e.span() {
        Some(span) => loc.err(span, e.message().trim_end()),
        None => anyhow!("{}: {}", loc.file, e.message().trim_end()),
    };
    // The version first, from a loose parse: a newer file's new keys must
    // say "upgrade jikimi", not "unknown key".
    let table: toml::Table = toml::from_str(text).map_err(toml_err)?;
    if let Some(v) = table.get("version") {
        let n = v.as_integer();
        if n.is_none_or(|n| n > VERSION || n < 1) {
            let shown = v.to_string();
            let span = loc.key_in(0..text.len(), "version");
            return Err(loc.err(
                span,
                if n.is_some_and(|n| n > VERSION) {
                    format!(
                        "config version {shown} is newer than this jikimi reads (version {VERSION}): upgrade jikimi"
                    )
                } else {
                    format!("version must be {VERSION}, not {shown}")
                },
            ));
        }
    }
    let syn: ConfigSyntax = toml::from_str(text).map_err(toml_err)?;
    let _ = syn.version;

    let mut cfg = ProjectConfig {
        path: path.to_path_buf(),
        ..ProjectConfig::default()
    };
    if let Some(f) = &syn.fail_on {
        cfg.fail_on = Some(
            <FailOn as clap::ValueEnum>::from_str(f.get_ref(), true).map_err(|_| {
                loc.err(
                    f.span(),
                    format!(
                        "fail_on must be \"secret\", \"risk\", \"none\" or \"live\", not {:?}",
                        f.get_ref()
                    ),
                )
            })?,
        );
    }
    if let Some(s) = &syn.min_severity {
        cfg.min_severity = Some(s.get_ref().parse().map_err(|e| loc.err(s.span(), e))?);
    }
    if let Some(t) = &syn.tests {
        cfg.filters.tests = crate::findings::test_data::TestsPolicy::parse(t.get_ref())
            .ok_or_else(|| {
                loc.err(
                    t.span(),
                    format!(
                        "tests must be \"report\", \"warn\" or \"ignore\", not {:?}",
                        t.get_ref()
                    ),
                )
            })?;
    }

    // Custom rules: checked exactly as `jikimi rules check` checks the
    // built-in ones, and never allowed to shadow a built-in id.
    let mut custom = RuleSet::default();
    for r in &syn.rules {
        let id = &r.get_ref().id;
        if builtin.get(id).is_some() || SCAN_RULE_IDS.contains(&id.as_str()) {
            return Err(loc.err(
                loc.key_in(r.span(), "id"),
                format!("rule '{id}' is a built-in rule id; give custom rules their own id (e.g. 'acme.{id}')"),
            ));
        }
        custom
            .rules
            .push(Rule::new(r.get_ref().clone(), loc.at(r.span())));
    }
    if let Some(p) = check::check(&custom).into_iter().next() {
        let span = syn
            .rules
            .iter()
            .find(|r| r.get_ref().id == p.rule)
            .map(|r| {
                let key = if p.message.contains("regex") {
                    "regex"
                } else if p.message.contains("keyword") {
                    "keywords"
                } else if p.message.contains("example") {
                    "examples"
                } else {
                    "id"
                };
                loc.key_in(r.span(), key)
            })
            .unwrap_or(0..0);
        // Regex errors are multi-line (pattern, caret, message): keep one
        // line, so the error is one line too.
        let msg = match (p.message.lines().next(), p.message.lines().last()) {
            (Some(first), Some(last)) if first != last => format!(
                "{} {}",
                first.trim_end_matches("regex parse error:").trim_end(),
                last.trim().trim_start_matches("error: ")
            ),
            _ => p.message.clone(),
        };
        return Err(loc.err(span, format!("rule '{}': {msg}", p.rule)));
    }
    cfg.rules = syn.rules.iter().map(|r| r.get_ref().clone()).collect();

    let known: HashSet<&str> = builtin
        .rules
        .iter()
        .chain(custom.rules.iter())
        .map(|r| r.id())
        .chain(SCAN_RULE_IDS.iter().copied())
        .collect();
    let check_id = |id: &Spanned<String>| -> Result<String> {
        if known.contains(id.get_ref().as_str()) {
            Ok(id.get_ref().clone())
        } else {
            Err(loc.err(
                id.span(),
                format!(
                    "unknown rule id '{}' (see `jikimi rules list`)",
                    id.get_ref()
                ),
            ))
        }
    };
    for id in &syn.disable {
        let id = check_id(id)?;
        cfg.filters.disabled.insert(id.clone());
        cfg.disable.push(id);
    }

    cfg.filters.exclude = globs(&loc, &syn.exclude)?;
    let a = &syn.allow;
    cfg.filters.allow = allow(&loc, &a.values, &a.regexes, &a.stopwords, &a.paths)?;
    for r in &a.rules {
        let r = r.get_ref();
        let id = check_id(&r.id)?;
        let compiled = allow(&loc, &r.values, &r.regexes, &r.stopwords, &r.paths)?;
        cfg.filters.rule_allow.push((id, compiled));
    }

    if let Some(d) = &syn.archives.max_depth {
        let max = crate::input::archive::MAX_DEPTH;
        let n = u32::try_from(*d.get_ref())
            .ok()
            .filter(|n| *n as usize <= max)
            .ok_or_else(|| loc.err(d.span(), format!("max_depth must be between 0 and {max}")))?;
        cfg.archives.max_depth = Some(n);
    }
    if let Some(s) = &syn.archives.max_size {
        let n = parse_size(s.get_ref()).map_err(|e| loc.err(s.span(), e))?;
        cfg.archives.max_size = Some(n);
    }
    Ok(cfg)
}

fn globs(loc: &Locator<'_>, pats: &[Spanned<String>]) -> Result<ignore::gitignore::Gitignore> {
    for p in pats {
        build_globs(std::slice::from_ref(p.get_ref()))
            .map_err(|e| loc.err(p.span(), format!("bad path pattern: {e}")))?;
    }
    let all: Vec<String> = pats.iter().map(|p| p.get_ref().clone()).collect();
    build_globs(&all).map_err(|e| anyhow!("{}: bad path pattern: {e}", loc.file))
}

fn allow(
    loc: &Locator<'_>,
    values: &[Spanned<String>],
    regexes: &[Spanned<String>],
    stopwords: &[Spanned<String>],
    paths: &[Spanned<String>],
) -> Result<Allow> {
    let mut a = Allow::default();
    for v in values {
        if v.get_ref().is_empty() {
            return Err(loc.err(v.span(), "an allowed value cannot be empty"));
        }
        a.values.insert(v.get_ref().clone());
    }
    for r in regexes {
        let re = regex::RegexBuilder::new(r.get_ref())
            .size_limit(1 << 20)
            .build()
            .map_err(|e| {
                // The regex error is multi-line (pattern, caret, message);
                // its last line is the message.
                let msg = e.to_string();
                let last = msg.lines().last().unwrap_or("").trim().to_string();
                loc.err(r.span(), format!("bad regex {:?}: {last}", r.get_ref()))
            })?;
        a.regexes.push(re);
    }
    for w in stopwords {
        if w.get_ref().trim().is_empty() {
            return Err(loc.err(w.span(), "a stopword cannot be empty"));
        }
        a.stopwords.push(w.get_ref().to_ascii_lowercase());
    }
    a.paths = globs(loc, paths)?;
    Ok(a)
}

/// The file `jikimi config init` writes: every setting, commented.
pub const STARTER: &str = r#"# jikimi.toml: project settings for jikimi (https://github.com/jikimi-dev/jikimi).
# Found at the scanned root, or given with --config FILE; --no-config ignores it.
# Unknown keys and bad patterns are errors (exit 2) naming the line.
version = 1

# When does `jikimi scan` exit 1? (the command line's --fail-on / --min-severity win)
#   "secret": any secret, and risks of high severity or more (the default)
#   "risk":   any secret or risk
#   "none":   never (report only)
#   "live":   only keys `jikimi scan --verify` found live with their provider (needs --verify)
# fail_on = "secret"
# min_severity = "low"        # low, medium, high or critical

# Keys in test code and test data (tests/, *_test.go, __tests__/, fixtures/...):
#   "report": reported one severity step lower, failing as usual (the default)
#   "warn":   reported at severity info, never failing the scan
#   "ignore": held back, counted as suppressed (-v lists them)
# tests = "report"

# Paths not scanned at all, in .gitignore syntax, relative to the scanned root.
# Prefer the allowlist below for real source files: allowed findings are still counted.
exclude = [
  # "fixtures/",
  # "*.min.js.map",
]

# Rules to turn off, by id (`jikimi rules list`).
disable = [
  # "generic.password-assignment",
]

# Matches that are not leaks. Suppressed findings are counted in the report
# and listed with -v; a line containing `jikimi:allow` is suppressed too.
[allow]
values = []       # exact secret values, e.g. a vendor's documented example key
regexes = []      # regexes matched against the secret, e.g. '^sk-test-'
stopwords = []    # a secret containing one of these words (any case) is allowed
paths = []        # .gitignore-style patterns: findings there are suppressed

# The same, for one rule only.
# [[allow.rule]]
# id = "generic.password-assignment"
# stopwords = ["changeme"]
# paths = ["docs/"]

# Limits for archives and app packages (zip, jar, apk, ipa, ...).
[archives]
# max_depth = 3
# max_size = "256M"

# Custom rules, in the same format as jikimi's own rules/*.toml. Each needs at
# least one example and one negative example; they are checked on load.
# [[rule]]
# id = "acme.internal-token"
# title = "ACME internal API token"
# provider = "ACME"
# severity = "high"
# keywords = ["acme_"]
# regex = '''\b(acme_[A-Za-z0-9]{32})\b'''
# examples = ['curl -H "X-Acme: acme_Qm7vT2kR9pLx4NcZ8wYbQm7vT2kR9pLx"']
# negative_examples = ['curl -H "X-Acme: acme_your-token-here"']
"#;

/// Parse `16M`, `512K`, `1G`, `1048576`.
pub fn parse_size(s: &str) -> Result<u64> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m = match c.to_ascii_uppercase() {
                'K' => 1u64 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'B' => 1,
                _ => anyhow::bail!(
                    "invalid size '{s}': use a number of bytes with an optional K, M or G suffix"
                ),
            };
            (crate::text::to(t, i), m)
        }
        _ => (t, 1),
    };
    let n: u64 = num.trim().parse().map_err(|_| {
        anyhow::anyhow!(
            "invalid size '{s}': use a number of bytes with an optional K, M or G suffix"
        )
    })?;
    n.checked_mul(mult)
        .ok_or_else(|| anyhow::anyhow!("invalid size '{s}': too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_str(text: &str) -> Result<ProjectConfig> {
        let rules = RuleSet::builtin().unwrap();
        parse(text, Path::new("jikimi.toml"), &rules)
    }

    #[test]
    fn starter_loads() {
        let cfg = load_str(STARTER).unwrap();
        assert!(cfg.rules.is_empty());
        assert_eq!(cfg.fail_on, None);
    }

    #[test]
    fn starter_custom_rule_loads_when_uncommented() {
        let text: String = STARTER
            .split_once("# [[rule]]")
            .map(|(head, tail)| {
                let rule: String = tail
                    .lines()
                    .map(|l| l.trim_start_matches("# "))
                    .collect::<Vec<_>>()
                    .join("\n");
                format!("{head}[[rule]]{rule}\n")
            })
            .unwrap();
        let cfg = load_str(&text).unwrap();
        assert_eq!(cfg.rules.len(), 1);
    }

    #[test]
    fn unknown_key_names_line_and_column() {
        let e = load_str("version = 1\nexclude = []\nexlcude = ['x']\n").unwrap_err();
        let s = format!("{e:#}");
        assert!(s.starts_with("jikimi.toml:3:1: "), "{s}");
        assert!(s.contains("exlcude"), "{s}");
    }

    #[test]
    fn bad_regex_names_its_line() {
        let e = load_str("[allow]\nregexes = [\n  'ok',\n  '(unclosed',\n]\n").unwrap_err();
        let s = format!("{e:#}");
        assert!(s.starts_with("jikimi.toml:4:3: bad regex"), "{s}");
    }

    #[test]
    fn newer_version_is_refused() {
        let e = load_str("version = 2\nnew_thing = true\n").unwrap_err();
        let s = format!("{e:#}");
        assert!(s.starts_with("jikimi.toml:1:1: "), "{s}");
        assert!(s.contains("upgrade jikimi"), "{s}");
    }

    #[test]
    fn unknown_rule_id_and_bad_fail_on() {
        let e = load_str("disable = ['nope.nothing']\n").unwrap_err();
        assert!(format!("{e:#}").contains("1:12: unknown rule id 'nope.nothing'"));
        let e = load_str("fail_on = 'always'\n").unwrap_err();
        assert!(format!("{e:#}").contains("1:11: fail_on must be"));
        let ok = load_str("fail_on = 'risk'\nmin_severity = 'high'\ndisable = ['gitignore-gap']\n")
            .unwrap();
        assert_eq!(ok.fail_on, Some(FailOn::Risk));
        let t = load_str("tests = 'warn'\n").unwrap();
        assert_eq!(
            t.filters.tests,
            crate::findings::test_data::TestsPolicy::Warn
        );
        let e = load_str("tests = 'skip'\n").unwrap_err();
        assert!(format!("{e:#}").contains("1:9: tests must be"), "{e:#}");
        assert_eq!(ok.min_severity, Some(Severity::High));
        assert!(ok.filters.disabled.contains("gitignore-gap"));
    }

    #[test]
    fn custom_rule_problems_point_at_the_rule() {
        let text = "\n[[rule]]\nid = 'acme.token'\ntitle = 't'\nprovider = 'p'\nseverity = 'high'\nkeywords = ['acme_']\nregex = '(acme_['\n";
        let e = load_str(text).unwrap_err();
        let s = format!("{e:#}");
        assert!(s.starts_with("jikimi.toml:8:1: rule 'acme.token'"), "{s}");
        let shadow = "[[rule]]\nid = 'openai.project-key'\ntitle = 't'\nprovider = 'p'\nseverity = 'high'\nkeywords = ['x']\nregex = '(x)'\n";
        let e = load_str(shadow).unwrap_err();
        assert!(format!("{e:#}").contains("built-in rule id"), "{e:#}");
    }
}
