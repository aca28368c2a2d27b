//! The compact report: a few lines per finding (where, what, cause, fix) and
//! nothing at all when there is nothing to say. Made for the pre-commit hook,
//! where a blocked commit should explain itself at a glance; the full human
//! report (with the checklist) is one `jikimi scan` away.

use std::io::Write;

use anyhow::Result;

use crate::report::Report;
use crate::rules::RuleKind;

pub fn write(r: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    for f in r.findings {
        let at = crate::report::location(f);
        let what = if f.kind == RuleKind::Risk {
            format!("{} (risk)", f.title)
        } else {
            f.title.clone()
        };
        let secret = if f.secret.is_empty() || f.kind == RuleKind::Risk {
            String::new()
        } else {
            format!("  {}", r.shown_secret(f))
        };
        let at = if f.locations.len() > 1 {
            format!("{at} ({})", crate::report::lines(f))
        } else {
            at
        };
        writeln!(
            w,
            "{at}  {} {what} [{}]{secret}",
            f.severity.as_str().to_ascii_uppercase(),
            f.rule
        )?;
        let causes: Vec<&str> = f.causes.iter().map(|c| c.as_str()).collect();
        if !causes.is_empty() {
            writeln!(w, "  cause: {}", causes.join(", "))?;
        }
        writeln!(w, "  fix:   {}", f.fix)?;
        if let Some(v) = &f.verify.outcome {
            writeln!(w, "  verify: {}", crate::verify::report::describe(v))?;
        }
    }
    if !r.findings.is_empty() || !r.suppressed.is_empty() {
        let mut line = format!(
            "jikimi: {} finding(s), {} fail",
            r.findings.len(),
            r.failing
        );
        if !r.suppressed.is_empty() {
            line.push_str(&format!(
                "; {} suppressed (jikimi scan -v lists them)",
                r.suppressed.len()
            ));
        }
        writeln!(w, "{line}")?;
    }
    Ok(())
}
