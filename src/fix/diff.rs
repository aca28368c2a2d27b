//! The plan as a unified diff `git apply` reads: a `diff --git` header per
//! file, `new file mode` and `/dev/null` for new files, hunks with three
//! lines of context (the `similar` crate's Myers diff). Secrets are
//! redacted unless asked; a redacted diff is for reading (its lines no
//! longer match the files), `--no-redact` prints the one to apply.

use super::plan::Plan;

/// The diff of every edit, in path order.
pub fn render(plan: &Plan, redact: bool) -> String {
    let mut out = String::new();
    for (path, edit) in &plan.edits {
        let mut before = edit
            .before
            .as_deref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        let mut after = String::from_utf8_lossy(&edit.after).into_owned();
        if redact {
            for s in &plan.secrets {
                if s.is_empty() {
                    continue;
                }
                let r = crate::text::redact(s);
                before = before.replace(s.as_str(), &r);
                after = after.replace(s.as_str(), &r);
            }
        }
        let a = format!("a/{path}");
        let b = format!("b/{path}");
        let old = if edit.before.is_some() {
            a.as_str()
        } else {
            "/dev/null"
        };
        out.push_str(&format!("diff --git {a} {b}\n"));
        if edit.before.is_none() {
            out.push_str("new file mode 100644\n");
        }
        let diff = similar::TextDiff::from_lines(&before, &after);
        let hunks = diff
            .unified_diff()
            .context_radius(3)
            .missing_newline_hint(true)
            .header(old, &b)
            .to_string();
        out.push_str(&hunks);
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// Whether git writes `path` in a diff header without quoting it.
pub fn plain_path(path: &str) -> bool {
    !path.is_empty()
        && path
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '\\'))
}
