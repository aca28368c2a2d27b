//! Rotation: every key the plan is about, with its provider's page (as the
//! report gives it), then how to confirm the old key is dead.

use super::plan::Plan;
use crate::findings::Finding;
use crate::rules::{RuleKind, RuleSet};

/// The rotation section of the plan.
pub fn plan(plan: &mut Plan, findings: &[&Finding], rules: &RuleSet) {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for f in findings {
        if f.kind != RuleKind::Secret || seen.contains(&f.secret.as_str()) {
            continue;
        }
        seen.push(&f.secret);
        let page = rules
            .get(&f.rule)
            .and_then(|r| r.syntax.rotate_url.clone())
            .unwrap_or_else(|| format!("the {} console", f.provider));
        out.push(format!(
            "{} {} ({}), in {}: rotate at {}",
            crate::text::redact(&f.secret),
            crate::text::escape(&f.provider),
            f.rule,
            crate::text::escape(&f.path),
            page
        ));
    }
    if out.is_empty() {
        return;
    }
    out.push("After rotating, `jikimi scan --verify` (or `jikimi verify < old-key.txt`) confirms each old key is dead.".to_string());
    plan.rotate = out;
}
