//! How reports show verification: the order of the keys to rotate (live
//! first, marked LIVE), the per-finding line, and the numbers SARIF uses.
//! Only findings that were checked (`--verify`) show anything.

use super::{Checked, Status, Verification};

/// What an invalid key asks of its owner.
pub const INVALID_ADVICE: &str = "revoked or invalid: confirm it is rotated, then purge";

/// The label of a status in the human report.
pub fn label(s: Status) -> &'static str {
    match s {
        Status::Live => "LIVE",
        Status::Invalid => "INVALID",
        Status::Unknown => "UNKNOWN",
        Status::Error => "ERROR",
    }
}

/// The order keys are rotated in: live first, then those nobody could
/// decide (unknown, error), then the rejected ones.
pub fn urgency(s: Option<Status>) -> u8 {
    match s {
        Some(Status::Live) => 0,
        Some(Status::Error) | Some(Status::Unknown) => 1,
        None => 2,
        Some(Status::Invalid) => 3,
    }
}

/// The checked secret findings of `r`, live ones first (then the report's
/// own order).
pub fn rotate_order<T: Checked>(findings: &[T]) -> Vec<&T> {
    let mut v: Vec<&T> = findings
        .iter()
        .filter(|f| f.checked_secret().is_some() && f.verify_state().outcome.is_some())
        .collect();
    v.sort_by_key(|f| urgency(f.verify_state().status()));
    v
}

/// One line about a verification: `LIVE (octocat): ...`.
pub fn describe(v: &Verification) -> String {
    let mut s = label(v.status).to_string();
    if let Some(id) = &v.identity {
        s.push_str(&format!(" ({id})"));
    }
    match v.status {
        Status::Live => s.push_str(&format!(": rotate it first; {}", v.detail)),
        Status::Invalid => s.push_str(&format!(": {INVALID_ADVICE}; {}", v.detail)),
        _ => s.push_str(&format!(": {}", v.detail)),
    }
    s
}

/// The SARIF `security-severity` of a finding: its rule's, raised to the
/// top of the scale when the provider confirmed the key live.
pub fn security_severity<T: Checked>(f: &T) -> &'static str {
    if f.verify_state().is_live() {
        LIVE_SECURITY_SEVERITY
    } else {
        f.severity().security_severity()
    }
}

/// `security-severity` of a live key (GitHub: 9.0 and over is critical).
pub const LIVE_SECURITY_SEVERITY: &str = "10.0";
