//! The JSON report: `{"schema": "jikimi/report/v1", ...}`. The shape is
//! documented in the README and kept stable; add fields, never rename.

use std::io::Write;

use anyhow::Result;
use serde_json::{Value, json};

use crate::report::Report;
use crate::rules::RuleKind;

pub const SCHEMA: &str = "jikimi/report/v1";

/// The report as a JSON value.
pub fn to_value(r: &Report<'_>) -> Value {
    let findings: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            json!({
                "id": f.id,
                "kind": f.kind,
                "rule": f.rule,
                "title": f.title,
                "provider": f.provider,
                "severity": f.severity,
                "confidence": f.confidence,
                "secret": if f.secret.is_empty() || f.kind == RuleKind::Risk { Value::Null } else { Value::String(r.shown_secret(f)) },
                "evidence": if f.kind == RuleKind::Risk && !f.secret.is_empty() { Value::String(f.secret.clone()) } else { Value::Null },
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "via": f.via,
                "cell": f.cell,
                "cell_output": f.cell_output,
                "encoded": f.encoded,
                "minified": f.minified,
                "snippet": r.shown_context(f),
                "commit": f.commit,
                "git": f.git,
                "causes": f.causes,
                "why": f.why,
                "fix": f.fix,
                "occurrences": f.occurrences,
                "history": f.history.as_ref().map(|h| json!({
                    "path": h.path,
                    "commits": h.commits,
                    "paths": h.paths,
                    "paths_capped": h.paths_capped,
                    "blob": h.blob_ids.first(),
                    "blobs": h.blob_ids.len(),
                    "in_head": h.in_head,
                    "in_working_tree": h.in_working_tree,
                })),
            })
        })
        .collect();
    let notes: Vec<Value> = r
        .notes
        .iter()
        .map(|n| {
            json!({
                "rule": n.rule,
                "path": n.path,
                "line": n.line,
                "secret": r.shown_note_secret(n),
                "message": n.message,
            })
        })
        .collect();
    json!({
        "schema": SCHEMA,
        "tool": {
            "name": "jikimi",
            "version": env!("CARGO_PKG_VERSION"),
            "rules": r.rules.len(),
        },
        "stats": r.stats,
        "findings": findings,
        "notes": notes,
        "skipped": r.skipped,
        "errors": r.errors,
        "checklist": r.checklist,
        "failing": r.failing,
        "suppressed": r.suppressed,
        "baseline_unused": r.baseline_unused,
    })
}

pub fn write(r: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    serde_json::to_writer_pretty(&mut *w, &to_value(r))?;
    writeln!(w)?;
    Ok(())
}
