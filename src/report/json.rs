//! The JSON report: `{"schema": "jikimi/report/v1", ...}`. The shape is
//! documented in the README and kept stable; add fields, never rename.

use std::io::Write;

use anyhow::Result;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Value, json};

use crate::findings::{Finding, Note};
use crate::report::Report;
use crate::rules::RuleKind;

pub const SCHEMA: &str = "jikimi/report/v1";

/// One finding as a JSON value.
fn finding_value(r: &Report<'_>, f: &Finding) -> Value {
    json!({
        "id": f.id,
        "kind": f.kind,
        "rule": f.rule,
        "title": f.title,
        "provider": f.provider,
        "severity": f.severity,
        "confidence": f.confidence,
        // Which key, across repositories (`jikimi merge` counts one rotation
        // per key): a hash of rule + secret, never the secret.
        "key": if f.kind == RuleKind::Secret && !f.secret.is_empty() { Value::String(crate::findings::fingerprint(&f.rule, &f.secret, "")) } else { Value::Null },
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
        "rotate_url": r.rotate_url(f),
        "occurrences": f.occurrences,
        "locations": f.locations,
        "project": f.project,
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
        "verification": f.verify.outcome.as_deref(),
        "image": f.image,
    })
}

fn note_value(r: &Report<'_>, n: &Note) -> Value {
    json!({
        "rule": n.rule,
        "path": n.path,
        "line": n.line,
        "secret": r.shown_note_secret(n),
        "message": n.message,
    })
}

/// The whole document, serialized as it is written: one finding's value
/// exists at a time, so a report of 160,000 findings does not need a
/// second copy of itself in memory.
struct Document<'a, 'r>(&'a Report<'r>);

/// A list serialized lazily, item by item.
struct Each<'a, 'r, T>(&'a Report<'r>, &'a [T], fn(&Report<'_>, &T) -> Value);

impl<T> Serialize for Each<'_, '_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.1.iter().map(|x| (self.2)(self.0, x)))
    }
}

impl Serialize for Document<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("schema", SCHEMA)?;
        m.serialize_entry(
            "tool",
            &json!({
                "name": "jikimi",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": r.rules.len(),
            }),
        )?;
        m.serialize_entry("stats", r.stats)?;
        m.serialize_entry("findings", &Each(r, r.findings, finding_value))?;
        m.serialize_entry("notes", &Each(r, r.notes, note_value))?;
        m.serialize_entry("skipped", r.skipped)?;
        m.serialize_entry("errors", r.errors)?;
        m.serialize_entry("checklist", r.checklist)?;
        m.serialize_entry("failing", &r.failing)?;
        m.serialize_entry("suppressed", r.suppressed)?;
        m.serialize_entry("baseline_unused", r.baseline_unused)?;
        m.end()
    }
}

pub fn write(r: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    let mut w = std::io::BufWriter::new(w);
    serde_json::to_writer_pretty(&mut w, &Document(r))?;
    writeln!(w)?;
    w.flush()?;
    Ok(())
}
