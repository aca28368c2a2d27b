//! How reports show verification: the human report's "rotate first" block
//! (live keys first, marked LIVE), the per-finding line, and the numbers
//! SARIF uses. Only findings that were checked (`--verify`) show anything.

use std::io::Write;

use anyhow::Result;
use colored::Colorize;

use super::{Status, Verification};
use crate::findings::Finding;
use crate::report::{Report, location};
use crate::rules::RuleKind;

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
pub fn rotate_order(findings: &[Finding]) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.kind == RuleKind::Secret && f.verify.outcome.is_some())
        .collect();
    v.sort_by_key(|f| urgency(f.verify.status()));
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

fn paint(color: bool, s: &str, status: Status) -> String {
    if !color {
        return s.to_string();
    }
    match status {
        Status::Live => s.red().bold().to_string(),
        Status::Invalid => s.green().to_string(),
        Status::Unknown | Status::Error => s.yellow().to_string(),
    }
}

/// The block that opens the human report after `--verify`: every checked
/// key, live first, with its owner and what to do.
pub fn write_human_block(r: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    let order = rotate_order(r.findings);
    if order.is_empty() {
        return Ok(());
    }
    let count = |s: Status| {
        order
            .iter()
            .filter(|f| f.verify.status() == Some(s))
            .count()
    };
    let title = format!(
        "Rotate first (checked with the providers): {} live, {} revoked or invalid, {} unknown, {} error",
        count(Status::Live),
        count(Status::Invalid),
        count(Status::Unknown),
        count(Status::Error)
    );
    writeln!(
        w,
        "{}",
        if r.color {
            title.bold().to_string()
        } else {
            title
        }
    )?;
    for f in order {
        let Some(v) = &f.verify.outcome else { continue };
        let tag = format!("{:<8}", label(v.status));
        writeln!(
            w,
            "  {} {}  {}  {}",
            paint(r.color, &tag, v.status),
            f.title,
            location(f),
            r.shown_secret(f)
        )?;
        let mut what = match v.status {
            Status::Live => {
                let mut s = "rotate it now".to_string();
                if let Some(id) = &v.identity {
                    s = format!("owner: {id}; {s}");
                }
                if let Some(url) = r
                    .rules
                    .get(&f.rule)
                    .and_then(|rule| rule.syntax.rotate_url.as_deref())
                {
                    s.push_str(&format!(" at {url}"));
                }
                s
            }
            Status::Invalid => INVALID_ADVICE.to_string(),
            Status::Unknown | Status::Error => "treat it as live until you know".to_string(),
        };
        what.push_str(&format!("; {}", v.detail));
        writeln!(w, "           {what}")?;
    }
    writeln!(w)?;
    Ok(())
}

/// The SARIF `security-severity` of a finding: its rule's, raised to the
/// top of the scale when the provider confirmed the key live.
pub fn security_severity(f: &Finding) -> &'static str {
    if f.verify.is_live() {
        LIVE_SECURITY_SEVERITY
    } else {
        f.severity.security_severity()
    }
}

/// `security-severity` of a live key (GitHub: 9.0 and over is critical).
pub const LIVE_SECURITY_SEVERITY: &str = "10.0";
