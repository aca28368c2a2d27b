//! The fail policy: which findings make `jikimi scan` exit 1.

use crate::findings::Finding;
use crate::vocab::{FailOn, RuleKind, Severity};

/// The fail policy, applied in one place ([`FailPolicy::fails`]).
///
/// | `--fail-on` | secrets fail when          | risks fail when                  |
/// |-------------|----------------------------|----------------------------------|
/// | `secret`    | severity ≥ `--min-severity` | severity ≥ max(high, min)       |
/// | `risk`      | severity ≥ `--min-severity` | severity ≥ `--min-severity`     |
/// | `none`      | never                      | never                            |
/// | `live`      | severity ≥ min, and `--verify` found it live | never        |
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FailPolicy {
    pub fail_on: FailOn,
    /// Findings below this severity never fail (default: low, i.e. all).
    pub min_severity: Option<Severity>,
}

impl FailPolicy {
    /// Whether `f` makes the scan fail.
    pub fn fails(&self, f: &Finding) -> bool {
        let min = self.min_severity.unwrap_or(Severity::Low);
        match (self.fail_on, f.kind) {
            (FailOn::None, _) | (FailOn::Live, RuleKind::Risk) => false,
            (FailOn::Live, RuleKind::Secret) => f.severity >= min && f.verify.is_live(),
            (_, RuleKind::Secret) | (FailOn::Risk, RuleKind::Risk) => f.severity >= min,
            (FailOn::Secret, RuleKind::Risk) => f.severity >= min.max(Severity::High),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_policy_matrix() {
        use crate::findings::fingerprint;
        let f = |kind, severity| Finding {
            kind,
            severity,
            line: 1,
            column: 1,
            ..Finding::risk(fingerprint("r", "s", "p"), "r", "", "p".into())
        };
        let secret_low = f(RuleKind::Secret, Severity::Low);
        let risk_med = f(RuleKind::Risk, Severity::Medium);
        let risk_high = f(RuleKind::Risk, Severity::High);
        let p = |fail_on, min| FailPolicy {
            fail_on,
            min_severity: min,
        };
        let d = p(FailOn::Secret, None);
        assert!(d.fails(&secret_low) && !d.fails(&risk_med) && d.fails(&risk_high));
        let r = p(FailOn::Risk, None);
        assert!(r.fails(&secret_low) && r.fails(&risk_med) && r.fails(&risk_high));
        let n = p(FailOn::None, None);
        assert!(!n.fails(&secret_low) && !n.fails(&risk_high));
        let hi = p(FailOn::Risk, Some(Severity::High));
        assert!(!hi.fails(&secret_low) && !hi.fails(&risk_med) && hi.fails(&risk_high));
        let crit = p(FailOn::Secret, Some(Severity::Critical));
        assert!(!crit.fails(&risk_high));
        let live = p(FailOn::Live, None);
        let mut checked = secret_low.clone();
        assert!(!live.fails(&checked) && !live.fails(&risk_high));
        for (status, fails) in [
            (crate::verify::Status::Live, true),
            (crate::verify::Status::Invalid, false),
            (crate::verify::Status::Unknown, false),
            (crate::verify::Status::Error, false),
        ] {
            checked.verify.outcome = Some(std::sync::Arc::new(crate::verify::Verification {
                status,
                identity: None,
                detail: String::new(),
                checked_at: None,
            }));
            assert_eq!(live.fails(&checked), fails, "{status:?}");
        }
    }
}
