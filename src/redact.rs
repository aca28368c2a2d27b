//! Redaction of text shown outside findings (commit summaries, authors,
//! file names, warnings and errors) with the rules of the scan: a leaf over
//! the matcher, so every stage (input, findings, report) can use it.

use std::sync::{Arc, OnceLock};

use crate::matcher::Matcher;
use crate::rules::{RuleKind, RuleSet};
use crate::text::redact;

/// Replace every occurrence of `secret` in `text` by its redacted form.
pub fn redact_in(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_string();
    }
    text.replace(secret, &redact(secret))
}

/// The rules [`redact_known_secrets`] uses once a scan's rule set is known
/// (the built-in rules and the config's custom rules, as enabled): set by
/// [`set_active_rules`]. Each set leaks one rule set and matcher, which
/// happens once per process (a scan), so the matcher can live in a static.
static ACTIVE: std::sync::RwLock<Option<&'static Matcher<'static>>> = std::sync::RwLock::new(None);

/// Make `rules` (with `enabled`) the rules that redact text shown outside
/// findings: commit summaries and authors, file names in the skipped list,
/// warnings and errors. A key that a custom rule finds in a file is then
/// redacted there too, not only the shapes the built-in rules know.
pub fn set_active_rules(rules: &Arc<RuleSet>, enabled: Vec<bool>) {
    let rules: &'static RuleSet = Box::leak(Box::new(Arc::clone(rules)));
    let Ok(matcher) = Matcher::with_enabled(rules, enabled) else {
        return;
    };
    let matcher: &'static Matcher<'static> = Box::leak(Box::new(matcher));
    if let Ok(mut slot) = ACTIVE.write() {
        *slot = Some(matcher);
    }
}

/// The matcher redaction uses: the active rules, else the built-in ones
/// (compiled once per process).
fn redaction_matcher() -> Option<&'static Matcher<'static>> {
    if let Some(m) = ACTIVE.read().ok().and_then(|g| *g) {
        return Some(m);
    }
    static RULES: OnceLock<Option<RuleSet>> = OnceLock::new();
    static MATCHER: OnceLock<Option<Matcher<'static>>> = OnceLock::new();
    MATCHER
        .get_or_init(|| {
            let rules = RULES.get_or_init(|| RuleSet::builtin().ok()).as_ref()?;
            Matcher::new(rules).ok()
        })
        .as_ref()
}

/// Redact every secret the active rules recognise in `text` (the built-in
/// rules and the config's custom rules, see [`set_active_rules`]; before a
/// config is loaded, the built-in rules): for text that is shown and may
/// hold a pasted secret without being one (an error message quoting a
/// config value or a baseline key, a commit summary, a file name).
pub fn redact_known_secrets(text: &str) -> String {
    let Some(matcher) = redaction_matcher() else {
        return text.to_string();
    };
    let rules = matcher.rules();
    let mut out = text.to_string();
    let mut secrets: Vec<String> = matcher
        .find(text.as_bytes())
        .iter()
        .filter(|m| rules.rules[m.rule].syntax.kind == RuleKind::Secret)
        .map(|m| crate::text::widen(text, m.secret_start, m.secret_end).to_string())
        .collect();
    // Longest first, so a secret that contains another is replaced whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for s in secrets {
        out = redact_in(&out, &s);
    }
    out
}
