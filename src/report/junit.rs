//! JUnit XML, the test-report format most CI systems display: one test
//! suite, one test case per finding. Findings that fail the scan are
//! `<failure>`s; the others pass with their details in `<system-out>`. A
//! clean scan still has one passing test case, so the CI view shows that
//! jikimi ran rather than nothing.

use std::io::Write;

use anyhow::Result;

use crate::findings::Finding;
use crate::report::Report;
use crate::rules::RuleKind;

/// Escape text for XML content and attribute values. Characters XML 1.0
/// cannot carry at all (most control characters) become U+FFFD.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn details(r: &Report<'_>, f: &Finding) -> String {
    let mut d = format!(
        "{} [{}], severity {}, {}\n",
        f.title,
        f.rule,
        f.severity,
        f.kind.as_str()
    );
    let at = crate::report::location(f);
    d.push_str(&format!("at: {at}\n"));
    if f.locations.len() > 1 {
        d.push_str(&format!("places: {}\n", crate::report::lines(f)));
    }
    if !f.secret.is_empty() {
        let label = match f.kind {
            RuleKind::Secret => "secret",
            RuleKind::Risk => "evidence",
        };
        d.push_str(&format!("{label}: {}\n", r.shown_secret(f)));
    }
    if !f.context.is_empty() {
        d.push_str(&format!("line: {}\n", r.shown_context(f)));
    }
    if let Some(c) = &f.commit {
        d.push_str(&format!(
            "commit: {} ({}, {}) {}\n",
            c.id, c.author_name, c.date, c.summary
        ));
    }
    let causes: Vec<&str> = f.causes.iter().map(|c| c.as_str()).collect();
    d.push_str(&format!("cause: {}\n", causes.join(", ")));
    d.push_str(&format!("why: {}\nfix: {}\n", f.why, f.fix));
    d
}

pub fn write(r: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    let tests = r.findings.len().max(1);
    let failures = r.findings.iter().filter(|f| r.fails(f)).count();
    let time = r.stats.duration_ms as f64 / 1000.0;
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="jikimi" tests="{tests}" failures="{failures}" errors="0" time="{time:.3}">"#
    )?;
    writeln!(
        w,
        r#"  <testsuite name="jikimi scan" tests="{tests}" failures="{failures}" errors="0" skipped="0" time="{time:.3}">"#
    )?;
    for f in r.findings {
        let location = crate::report::location(f);
        let name = format!(
            "{} at {} [{}]",
            f.rule,
            location,
            crate::text::head(&f.id, 8)
        );
        let classname = format!("jikimi.{}.{}", f.kind.as_str(), f.provider);
        write!(
            w,
            r#"    <testcase name="{}" classname="{}" file="{}""#,
            escape(&name),
            escape(&classname),
            escape(&f.path)
        )?;
        if f.line > 0 && f.cell.is_none() {
            write!(w, r#" line="{}""#, f.line)?;
        }
        writeln!(w, ">")?;
        let body = escape(&details(r, f));
        if r.fails(f) {
            let msg = format!("{}: {}", f.title, f.why);
            writeln!(
                w,
                r#"      <failure message="{}" type="{}">{body}</failure>"#,
                escape(&msg),
                escape(&f.rule)
            )?;
        } else {
            writeln!(w, "      <system-out>{body}</system-out>")?;
        }
        writeln!(w, "    </testcase>")?;
    }
    if r.findings.is_empty() {
        writeln!(
            w,
            r#"    <testcase name="no leaked keys or risks found" classname="jikimi"/>"#
        )?;
    }
    if !r.errors.is_empty() {
        let errs = r.errors.join("\n");
        writeln!(w, "    <system-err>{}</system-err>", escape(&errs))?;
    }
    writeln!(w, "  </testsuite>")?;
    writeln!(w, "</testsuites>")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escape() {
        assert_eq!(
            escape(r#"<a & "b" 'c'>"#),
            "&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;"
        );
        assert_eq!(escape("x\u{1}y\tz"), "x\u{FFFD}y\tz");
    }
}
