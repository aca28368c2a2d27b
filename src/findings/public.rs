//! Keys that are public by design: a Stripe publishable key, an Algolia
//! search-only key, a Firebase web `apiKey`, a Mapbox `pk.` token, a Sentry
//! DSN, a Google Maps browser key. They ship to browsers on purpose, so
//! rotating them fixes nothing; what matters is what they are allowed to do
//! (allowed referrers or domains, search-only rights).
//!
//! Which keys are public is rule data: a rule's `public` field says so and
//! names what to check instead (`public = "check its HTTP referrer
//! restrictions"`). Such a finding gets the cause
//! [`Cause::PublicByDesign`] (its only one besides history), severity
//! `info` (never failing by default), and it is never listed under the
//! keys to rotate nor counted against the checklist's questions 1 and 2.

use crate::findings::Finding;
use crate::findings::causes::Cause;
use crate::rules::{RuleKind, RuleSet, Severity};

/// What to check for a public-by-design rule's keys, when `rule` is one.
pub fn public_check<'a>(rules: &'a RuleSet, rule: &str) -> Option<&'a str> {
    rules
        .rules
        .iter()
        .find(|r| r.syntax.id == rule)
        .and_then(|r| r.syntax.public.as_deref())
        .filter(|s| !s.trim().is_empty())
}

/// Whether `f` is a public-by-design key (after [`apply`]).
pub fn is_public(f: &Finding) -> bool {
    f.kind == RuleKind::Secret && f.causes.contains(&Cause::PublicByDesign)
}

/// Mark the findings of public-by-design rules: their cause, `why`, `fix`
/// and severity `info`. Where the key sits does not change that it is
/// meant to be seen, so the file's own causes are replaced (history is
/// kept: the key is in old commits, which is still no leak).
pub fn apply(findings: &mut [Finding], rules: &RuleSet) {
    for f in findings.iter_mut().filter(|f| f.kind == RuleKind::Secret) {
        let Some(check) = public_check(rules, &f.rule) else {
            continue;
        };
        let history = f.causes.contains(&Cause::GitHistory);
        f.causes = vec![Cause::PublicByDesign];
        if history {
            f.causes.push(Cause::GitHistory);
        }
        f.severity = Severity::Info;
        f.why = format!(
            "public by design: a {} is meant to ship to browsers or apps, so finding it here is not a leak",
            f.title
        );
        f.fix = format!("no need to rotate it: {check}");
    }
}
