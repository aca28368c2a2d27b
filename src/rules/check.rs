//! The rule checker: one function, [`check`], called from the test suite and
//! from `jikimi rules check [DIR]`. It collects every problem rather than
//! stopping at the first, so a rule author sees them all at once.

use std::collections::HashSet;
use std::fmt;

use crate::matcher::{Matcher, specificity};
use crate::rules::validate::VALIDATORS;
use crate::rules::{RuleKind, RuleSet};

/// One thing wrong with one rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub rule: String,
    pub source: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: rule '{}': {}", self.source, self.rule, self.message)
    }
}

/// Secret ids are dotted lower-case words (`openai.project-key`); risk ids may
/// also be one bare word (`browser-direct-call`), as the causes refer to them.
fn well_formed_id(id: &str, kind: RuleKind) -> bool {
    let mut parts = id.split('.');
    let ok_part = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    let min_parts = match kind {
        RuleKind::Secret => 2,
        RuleKind::Risk => 1,
    };
    parts.clone().count() >= min_parts && parts.all(ok_part)
}

/// Check every rule in `set`: ids unique and well formed, regex compiles with
/// a capture group, keywords present and consistent with the regex, a known
/// validator, at least one example, every example found *as this rule*
/// (through the real matcher, so cross-rule attribution is checked too), no
/// negative example found as this rule, and every provider rule's example
/// keys still won by that rule when pasted where structural and generic
/// rules also fire (an `API_KEY=` line, a Bearer header, a URL).
pub fn check(set: &RuleSet) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    let mut compiled = true;
    for rule in &set.rules {
        let s = &rule.syntax;
        let mut bad = |message: String| {
            problems.push(Problem {
                rule: s.id.clone(),
                source: rule.source.clone(),
                message,
            })
        };
        if !well_formed_id(&s.id, s.kind) {
            bad(match s.kind {
                RuleKind::Secret => {
                    "id must be dotted lower-case words, e.g. 'openai.project-key'".into()
                }
                RuleKind::Risk => {
                    "risk id must be lower-case words, e.g. 'browser-direct-call'".into()
                }
            });
        }
        if !seen.insert(s.id.clone()) {
            bad("duplicate id".into());
        }
        if s.title.trim().is_empty() {
            bad("empty title".into());
        }
        if s.keywords.is_empty() || s.keywords.iter().any(|k| k.trim().is_empty()) {
            bad("needs at least one non-empty keyword for the prefilter".into());
        }
        match rule.regex() {
            Ok(re) => {
                if re.captures_len() < 2 {
                    bad("regex needs a capture group for the secret".into());
                }
            }
            Err(e) => {
                compiled = false;
                bad(format!("regex does not compile: {e}"));
            }
        }
        if let Err(e) = rule.after_keyword() {
            compiled = false;
            bad(format!("after_keyword does not compile: {e}"));
        }
        if let Some(v) = &s.validator
            && !VALIDATORS.contains(&v.as_str())
        {
            bad(format!(
                "unknown validator '{v}' (known: {})",
                VALIDATORS.join(", ")
            ));
        }
        if let Some(e) = s.min_entropy
            && !(0.0..=8.0).contains(&e)
        {
            bad(format!("min_entropy {e} is outside 0..=8 bits per byte"));
        }
        if let Some(u) = &s.rotate_url
            && (!u.starts_with("https://") || u.contains(char::is_whitespace))
        {
            bad(format!(
                "rotate_url must be an https:// address without spaces, got {u:?}"
            ));
        }
        if s.examples.is_empty() {
            bad("has no examples (each rule needs at least one positive example)".into());
        }
        if s.negative_examples.is_empty() {
            bad("has no negative examples".into());
        }
        if let Some(v) = &s.verify {
            if s.kind == RuleKind::Risk {
                bad("a risk rule has no key to verify ([rule.verify])".into());
            }
            if let Err(e) = v.validate() {
                bad(e);
            }
        }
    }
    if !compiled {
        return problems;
    }
    let matcher = match Matcher::new(set) {
        Ok(m) => m,
        Err(e) => {
            problems.push(Problem {
                rule: "*".into(),
                source: "*".into(),
                message: e.to_string(),
            });
            return problems;
        }
    };
    for (idx, rule) in set.rules.iter().enumerate() {
        let s = &rule.syntax;
        let file = s.files.first().map(String::as_str);
        for (n, ex) in s.examples.iter().enumerate() {
            let found = matcher.find_in(file, ex.as_bytes());
            if !found.iter().any(|m| m.rule == idx) {
                let others: Vec<&str> = found.iter().map(|m| set.rules[m.rule].id()).collect();
                problems.push(Problem {
                    rule: s.id.clone(),
                    source: rule.source.clone(),
                    message: if others.is_empty() {
                        format!("example {} is not found: {ex:?}", n + 1)
                    } else {
                        format!(
                            "example {} is attributed to {} instead: {ex:?}",
                            n + 1,
                            others.join(", ")
                        )
                    },
                });
            }
        }
        for (n, ex) in s.negative_examples.iter().enumerate() {
            if matcher
                .find_in(file, ex.as_bytes())
                .iter()
                .any(|m| m.rule == idx)
            {
                problems.push(Problem {
                    rule: s.id.clone(),
                    source: rule.source.clone(),
                    message: format!("negative example {} is found: {ex:?}", n + 1),
                });
            }
        }
    }
    attribution_in_context(set, &matcher, &mut problems);
    problems
}

/// Where a provider's key is commonly pasted, structural and generic rules
/// fire too (an `API_KEY=` line, an `Authorization` header, a URL's
/// userinfo): `{}` stands for the key.
const CONTEXTS: &[&str] = &[
    "API_KEY={}",
    "api_key = \"{}\"",
    "settings:\n  api_token: {}\n",
    "Authorization: Bearer {}",
    "https://user:{}@proxy.acme-corp.dev",
    "<apiKey>{}</apiKey>",
];

/// Every provider rule's example secrets, pasted into [`CONTEXTS`]: where
/// the provider rule finds the key on its own, it must also win it against
/// the structural and generic rules (see `matcher::specificity`).
fn attribution_in_context(set: &RuleSet, matcher: &Matcher<'_>, problems: &mut Vec<Problem>) {
    for (idx, rule) in set.rules.iter().enumerate() {
        if rule.syntax.kind != RuleKind::Secret || specificity(rule) < 2 {
            continue;
        }
        let mut solo: Option<Matcher<'_>> = None;
        for ex in &rule.syntax.examples {
            for m in matcher.find(ex.as_bytes()).iter().filter(|m| m.rule == idx) {
                let secret = crate::text::widen(ex, m.secret_start, m.secret_end);
                if secret
                    .bytes()
                    .any(|b| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'<' | b'>'))
                {
                    continue;
                }
                for ctx in CONTEXTS {
                    if ctx.contains("user:")
                        && secret.bytes().any(|b| matches!(b, b'@' | b'/' | b':'))
                    {
                        continue;
                    }
                    let text = ctx.replace("{}", secret);
                    let start = ctx.find("{}").expect("a placeholder");
                    let end = start + secret.len();
                    let found = matcher.find(text.as_bytes());
                    let overlaps = |m: &&crate::matcher::RawMatch| {
                        m.secret_start < end && start < m.secret_end
                    };
                    if found.iter().filter(overlaps).any(|m| m.rule == idx) {
                        continue;
                    }
                    let Some(winner) = found
                        .iter()
                        .filter(overlaps)
                        .find(|m| specificity(&set.rules[m.rule]) < 2)
                    else {
                        continue;
                    };
                    let solo = solo.get_or_insert_with(|| {
                        let enabled = (0..set.len()).map(|i| i == idx).collect();
                        Matcher::with_enabled(set, enabled).expect("the full matcher built")
                    });
                    if solo.find(text.as_bytes()).iter().any(|m| overlaps(&m)) {
                        problems.push(Problem {
                            rule: rule.syntax.id.clone(),
                            source: rule.source.clone(),
                            message: format!(
                                "{} wins this rule's example key in {ctx:?}: a structural or generic rule must never win over a provider rule",
                                set.rules[winner.rule].id()
                            ),
                        });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(well_formed_id("openai.project-key", RuleKind::Secret));
        assert!(!well_formed_id("OpenAI", RuleKind::Secret));
        assert!(!well_formed_id("openai", RuleKind::Secret));
        assert!(!well_formed_id("openai..key", RuleKind::Secret));
        assert!(well_formed_id("browser-direct-call", RuleKind::Risk));
        assert!(well_formed_id("risk.browser-call", RuleKind::Risk));
        assert!(!well_formed_id("Browser_Call", RuleKind::Risk));
        assert!(!well_formed_id("", RuleKind::Risk));
    }

    #[test]
    fn reports_every_problem() {
        let mut set = RuleSet::default();
        set.add_toml(
            r#"
[[rule]]
id = "Bad"
title = ""
provider = "T"
severity = "low"
keywords = []
regex = 'no-group'
"#,
            "t.toml",
        )
        .unwrap();
        let p = check(&set);
        let msgs: Vec<_> = p.iter().map(|p| p.message.as_str()).collect();
        assert!(msgs.iter().any(|m| m.contains("id must")));
        assert!(msgs.iter().any(|m| m.contains("empty title")));
        assert!(msgs.iter().any(|m| m.contains("keyword")));
        assert!(msgs.iter().any(|m| m.contains("capture group")));
        assert!(msgs.iter().any(|m| m.contains("no examples")));
    }

    /// Without specificity ranking, the high-confidence generic rule would
    /// win the low-confidence provider rule's key in `API_KEY=...`.
    #[test]
    fn provider_rules_win_in_context_whatever_their_confidence() {
        let mut set = RuleSet::default();
        set.add_toml(
            r#"
family = "generic"
[[rule]]
id = "generic.env"
title = "env"
provider = "Generic"
severity = "high"
confidence = "high"
keywords = ["API_KEY="]
regex = '''API_KEY=([A-Za-z0-9_]{16,})'''
examples = ["API_KEY=Zq8vT2kR9pLx4NcW"]
negative_examples = ["API_KEY=short"]
"#,
            "generic.toml",
        )
        .unwrap();
        set.add_toml(
            r#"
family = "saas"
[[rule]]
id = "acme.token"
title = "Acme token"
provider = "Acme"
severity = "high"
confidence = "low"
keywords = ["acme_"]
regex = '''\b(acme_[A-Za-z0-9]{20})\b'''
examples = ["token: acme_Qm7vT2kR9pLx4NcZ8wYb"]
negative_examples = ["acme_short"]
"#,
            "acme.toml",
        )
        .unwrap();
        let problems = check(&set);
        assert!(problems.is_empty(), "{problems:?}");
        let m = Matcher::new(&set).unwrap();
        let found = m.find(b"API_KEY=acme_Qm7vT2kR9pLx4NcZ8wYb");
        assert_eq!(found.len(), 1);
        assert_eq!(set.rules[found[0].rule].id(), "acme.token");
    }
}
