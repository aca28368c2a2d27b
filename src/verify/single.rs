//! `jikimi verify`: one key given on standard input, checked with its
//! provider, without scanning anything. After rotating a key, its owner
//! pipes the old one in to confirm it is dead.
//!
//! The input is read as a small file: the built-in rules with verification
//! find the key (and, as in a scan, the other half of a pair or a context
//! value written next to it, e.g. an AWS key id and secret on two lines).
//! `--rule` names the rule when the shape is ambiguous, or when the bare
//! key only matches a rule next to a variable name (a Cloudflare token).

use std::collections::BTreeMap;

use crate::exit_code::ExitCode;
use crate::rules::{Rule, RuleSet};
use crate::text::redact;

use super::spec::VerifySpec;
use super::{Item, Settings, Status, VerifyState};

/// The most of standard input read: a key and its neighbours, not a file.
pub const MAX_INPUT: u64 = 64 << 10;

/// One key found in the input, ready to check.
#[derive(Debug)]
pub struct Picked<'r> {
    pub rule: &'r Rule,
    pub secret: String,
    pub state: VerifyState,
}

impl Picked<'_> {
    pub fn item(&self) -> Item<'_> {
        Item {
            spec: self.rule.syntax.verify.as_ref(),
            secret: &self.secret,
            state: &self.state,
        }
    }
}

/// The keys of `input` to check: the matches of `rule` (or of every
/// built-in rule with verification), one per distinct key. An error says
/// what to do: name a rule, or give a key jikimi can check.
pub fn pick<'r>(
    rules: &'r RuleSet,
    input: &str,
    rule: Option<&str>,
) -> Result<Vec<Picked<'r>>, String> {
    let verifiable: Vec<&Rule> = rules
        .rules
        .iter()
        .filter(|r| r.syntax.verify.is_some())
        .collect();
    if input.trim().is_empty() {
        return Err(
            "no key on standard input: pipe the key in, e.g. `jikimi verify < old-key.txt`".into(),
        );
    }
    let candidates: Vec<&Rule> = match rule {
        Some(id) => {
            let Some(r) = rules.get(id) else {
                return Err(format!(
                    "--rule {id:?}: no such rule (`jikimi rules list` shows them)"
                ));
            };
            if r.syntax.verify.is_none() {
                return Err(format!(
                    "--rule {id:?}: jikimi has no verification for this kind of key (rules with one: {})",
                    ids(&verifiable)
                ));
            }
            vec![r]
        }
        None => verifiable.clone(),
    };
    // key -> the rules that found it, in rule order.
    let mut found: BTreeMap<String, Vec<Picked<'r>>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let bytes = input.as_bytes();
    for r in &candidates {
        let (Ok(re), Some(spec)) = (r.regex(), r.syntax.verify.as_ref()) else {
            continue;
        };
        let group = r.secret_group();
        for caps in re.captures_iter(bytes) {
            let Some(m) = caps.get(group).or_else(|| caps.get(0)) else {
                continue;
            };
            let Ok(secret) = std::str::from_utf8(m.as_bytes()) else {
                continue;
            };
            let state = VerifyState::around(spec, bytes, m.start(), m.end());
            let entry = found.entry(secret.to_string()).or_insert_with(|| {
                order.push(secret.to_string());
                Vec::new()
            });
            if !entry.iter().any(|p| p.rule.id() == r.id()) {
                entry.push(Picked {
                    rule: r,
                    secret: secret.to_string(),
                    state,
                });
            }
        }
    }
    if found.is_empty() {
        // A bare key that the rule only finds next to a variable name.
        if let [r] = candidates.as_slice() {
            let key = input.trim();
            if key.contains(char::is_whitespace) {
                return Err(format!(
                    "the input is not one {} (give the key alone, on one line)",
                    r.syntax.title
                ));
            }
            let spec = r.syntax.verify.as_ref();
            let start = input.find(key).unwrap_or(0);
            let state = spec.map_or_else(VerifyState::default, |s| {
                VerifyState::around(s, bytes, start, start + key.len())
            });
            return Ok(vec![Picked {
                rule: r,
                secret: key.to_string(),
                state,
            }]);
        }
        return Err(
            "no built-in rule with verification recognises this key: name its rule with --rule <id> (`jikimi rules list` shows the rules)".into(),
        );
    }
    let mut out = Vec::new();
    for key in order {
        let mut picks = found.remove(&key).unwrap_or_default();
        // As in a scan, the more confident rule claims the key: a
        // project key under `OPENAI_API_KEY=` is the project-key rule's,
        // not the catch-all's.
        let best = picks.iter().map(|p| p.rule.syntax.confidence).max();
        picks.retain(|p| Some(p.rule.syntax.confidence) == best);
        let first = picks.remove(0);
        let first_spec = first.rule.syntax.verify.as_ref();
        let ambiguous: Vec<&Rule> = picks
            .iter()
            .filter(|p| !same_check(first_spec, p.rule.syntax.verify.as_ref()))
            .map(|p| p.rule)
            .collect();
        if !ambiguous.is_empty() {
            let mut all = vec![first.rule];
            all.extend(ambiguous);
            return Err(format!(
                "the key fits several rules that are checked differently ({}): pick one with --rule",
                ids(&all)
            ));
        }
        out.push(first);
    }
    Ok(out)
}

/// Whether two specs send the same request and read it the same way.
fn same_check(a: Option<&VerifySpec>, b: Option<&VerifySpec>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.fingerprint() == b.fingerprint(),
        _ => false,
    }
}

/// Check the keys of `input` and say what the providers answered: the
/// text to print and the exit code. 0: every key is invalid (dead); 1: a
/// key is live, or its provider did not say (treat it as live); 2: no
/// answer at all (offline, timeout: try again).
pub fn run(
    rules: &RuleSet,
    input: &str,
    rule: Option<&str>,
    settings: &Settings,
    json: bool,
) -> Result<(String, ExitCode), String> {
    let picked = pick(rules, input, rule)?;
    let items: Vec<Item<'_>> = picked.iter().map(Picked::item).collect();
    let (outcomes, _) = super::check(&items, settings);
    let mut code = ExitCode::Clean;
    let mut text = String::new();
    let mut list = Vec::new();
    for (p, v) in picked.iter().zip(&outcomes) {
        code = code.merge(match v.status {
            Status::Invalid => ExitCode::Clean,
            Status::Live | Status::Unknown => ExitCode::Leaks,
            Status::Error => ExitCode::Error,
        });
        let shown = redact(&p.secret);
        if json {
            list.push(serde_json::json!({
                "rule": p.rule.id(),
                "secret": shown,
                "verification": &**v,
            }));
        } else {
            text.push_str(&format!(
                "{}  {}  {}\n  {}\n",
                p.rule.id(),
                p.rule.syntax.title,
                shown,
                super::report::describe(v)
            ));
        }
    }
    // Live or unknown outweighs "no answer": the key may work.
    if code == ExitCode::Error
        && outcomes
            .iter()
            .any(|v| matches!(v.status, Status::Live | Status::Unknown))
    {
        code = ExitCode::Leaks;
    }
    if json {
        text = serde_json::to_string_pretty(&list).unwrap_or_default();
        text.push('\n');
    }
    Ok((printable(&text), code))
}

/// `text` with every control character but the line ends shown as `?`:
/// a key given on standard input can carry escape sequences.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() && c != '\n' { '?' } else { c })
        .collect()
}

fn ids(rules: &[&Rule]) -> String {
    rules.iter().map(|r| r.id()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_by_their_rule() {
        let rules = RuleSet::builtin().unwrap();
        let key = format!("ghp_{}", "a1B2c3D4e5F6".repeat(3));
        let picked = pick(&rules, &format!("{key}\n"), None).unwrap();
        assert_eq!(picked.len(), 1);
        assert_eq!(picked[0].secret, key);
        assert!(picked[0].rule.id().starts_with("github."));
        // Nothing recognisable, and nothing at all.
        assert!(pick(&rules, "hello", None).unwrap_err().contains("--rule"));
        assert!(pick(&rules, " \n", None).unwrap_err().contains("no key"));
        assert!(
            pick(&rules, "x", Some("nope"))
                .unwrap_err()
                .contains("no such rule")
        );
    }

    #[test]
    fn a_bare_key_is_taken_for_the_named_rule() {
        let rules = RuleSet::builtin().unwrap();
        let key = "Zq3vT8mWp2".repeat(4);
        let key = key.as_str();
        assert!(pick(&rules, key, None).is_err());
        let picked = pick(&rules, &format!("{key}\n"), Some("cloudflare.api-token")).unwrap();
        assert_eq!(picked[0].secret, key);
        assert!(pick(&rules, "two words", Some("cloudflare.api-token")).is_err());
    }

    #[test]
    fn the_more_confident_rule_claims_the_key() {
        // Under `OPENAI_API_KEY=` a project key also fits the medium
        // catch-all; it is the project-key rule's, as in a scan.
        let rules = RuleSet::builtin().unwrap();
        let half = |seed: &str| seed.repeat(8).chars().take(74).collect::<String>();
        let key = format!(
            "sk-proj-{}T3BlbkFJ{}",
            half("Qm4xR7tKz2Wp9L"),
            half("Vb8nC3yH6dJ1sF")
        );
        let picked = pick(&rules, &format!("OPENAI_API_KEY={key}\n"), None).unwrap();
        assert_eq!(picked.len(), 1);
        assert_eq!(picked[0].rule.id(), "openai.project-key");
    }
}
