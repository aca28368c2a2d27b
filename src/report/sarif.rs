//! SARIF 2.1.0 for GitHub code scanning, built with `serde-sarif`'s types.
//!
//! One run per report, with the category [`CATEGORY`] in
//! `automationDetails.id`: GitHub stopped merging several runs of the same
//! tool and category in one upload (June 2025), so tree, history and archive
//! findings all go into this one run and the commit of a history finding is
//! a result property, never part of a fingerprint.
//!
//! What GitHub reads, and where it comes from:
//! - one `tool.driver.rules` entry per rule that has a result here, with the
//!   title, description, `help` (text and markdown: why it matters, how to
//!   fix it, per the guide), `security-severity` (from
//!   [`Severity::security_severity`]) and `precision` (the rule's
//!   confidence);
//! - per result: `level` (critical/high → error, medium → warning, low →
//!   note), a relative `artifactLocation.uri` and a `region` (line 1 for
//!   findings about a whole file such as `gitignore-gap`), and
//!   `partialFingerprints.primaryLocationLineHash` = the finding id (a hash
//!   of rule, secret and path, not the line) and the place's rank in the
//!   file (`:1`, `:2`, ...), so an alert survives line moves and is never
//!   duplicated between runs;
//! - one result per place a key sits (a key on three lines is three
//!   alerts, each on its line); a place that only an old commit has points
//!   at line 1 and names the commit.
//!
//! The secret itself never appears, even with `--no-redact`: a SARIF file
//! is uploaded to and stored by GitHub, so messages and snippets always carry
//! the redacted form.
//!
//! Limits: GitHub rejects runs with more than 25,000 results and uploads over
//! 10 MB gzipped. [`to_bytes`] keeps the most severe results that fit both
//! (measured on the exact bytes written: an uncompressed file under the size
//! budget can only be smaller gzipped) and records the cut in the run's
//! `properties`.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;
use serde_json::{Value, json};
use serde_sarif::sarif::{
    ArtifactContent, ArtifactLocation, Invocation, Location, Message, MultiformatMessageString,
    Notification, PhysicalLocation, PropertyBag, Region, ReportingConfiguration,
    ReportingDescriptor, Result as SarifResult, ResultLevel, Run, RunAutomationDetails, Sarif,
    Tool, ToolComponent,
};

use crate::explain::{FIX_SECRET, WHY_SECRET};
use crate::findings::risks::{self, GITIGNORE_GAP};
use crate::findings::{Cause, Finding};
use crate::report::{Report, split_member};
use crate::rules::{Confidence, RuleKind, Severity};

/// The `$schema` GitHub's documentation uses.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Where the driver points users (`tool.driver.informationUri`).
pub const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");
/// The run's `automationDetails.id`. GitHub takes the part before the last
/// `/` as the analysis category; an `upload-sarif` step's `category:` input
/// replaces it.
pub const CATEGORY: &str = "jikimi/";

/// How much one SARIF file may hold.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Results per run (GitHub rejects more than 25,000).
    pub max_results: usize,
    /// Bytes of the written file. GitHub's limit is 10 MB gzipped; keeping
    /// the uncompressed file under it makes the gzipped one smaller still
    /// (deflate adds at most a few bytes per 64 KiB block, hence the margin).
    pub max_bytes: usize,
}

/// GitHub code scanning's limits.
pub const GITHUB_LIMITS: Limits = Limits {
    max_results: 25_000,
    max_bytes: 10_000_000 - 100_000,
};

/// Write the report as SARIF within [`GITHUB_LIMITS`].
pub fn write(r: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    w.write_all(&to_bytes(r, GITHUB_LIMITS)?)?;
    Ok(())
}

/// The SARIF file's bytes, capped to `limits`: most severe results first,
/// the rest dropped and counted in the run's properties. Pretty JSON when it
/// fits, compact JSON when that lets more results fit.
pub fn to_bytes(r: &Report<'_>, limits: Limits) -> Result<Vec<u8>> {
    // Most severe first; within a severity, the report's own order (secrets
    // before risks, then path and line) is kept by the stable sort.
    // One result per place a key sits, so that code scanning annotates
    // every line that has to change.
    let mut order: Vec<(&Finding, usize)> = r
        .findings
        .iter()
        .flat_map(|f| (0..f.locations.len().max(1)).map(move |k| (f, k)))
        .collect();
    order.sort_by_key(|(f, _)| Reverse(f.severity));
    let total = order.len();
    let mut keep = total.min(limits.max_results);
    let results: Vec<SarifResult> = order[..keep]
        .iter()
        .map(|(f, k)| result(r, f, *k))
        .collect();
    // Pretty JSON for readable reports; big ones are for machines and go
    // compact straight away rather than being serialized twice.
    let mut pretty = keep <= 2_000;
    loop {
        let sarif = document(r, &order[..keep], &results[..keep], total);
        let mut bytes = if pretty {
            serde_json::to_vec_pretty(&sarif)?
        } else {
            serde_json::to_vec(&sarif)?
        };
        bytes.push(b'\n');
        if bytes.len() <= limits.max_bytes || keep == 0 {
            return Ok(bytes);
        }
        if pretty {
            // Indentation is a third or more of a big file: drop it first.
            pretty = false;
            continue;
        }
        // Shrink in proportion to the excess (results are of similar size),
        // at least by one, and measure again.
        let ratio = limits.max_bytes as f64 / bytes.len() as f64;
        let next = ((keep as f64) * ratio * 0.98) as usize;
        keep = next.min(keep - 1);
    }
}

/// The whole document for the kept findings and their results.
fn document(
    r: &Report<'_>,
    kept: &[(&Finding, usize)],
    results: &[SarifResult],
    total: usize,
) -> Sarif {
    // Rules: one entry per rule with a kept result, in order of first use;
    // results point at them by index.
    let mut rule_ids: Vec<&str> = Vec::new();
    for (f, _) in kept {
        if !rule_ids.contains(&f.rule.as_str()) {
            rule_ids.push(&f.rule);
        }
    }
    let rules: Vec<ReportingDescriptor> = rule_ids
        .iter()
        .map(|id| {
            let of_rule: Vec<&Finding> = kept
                .iter()
                .filter(|(f, k)| *k == 0 && f.rule == *id)
                .map(|(f, _)| *f)
                .collect();
            rule_descriptor(r, id, &of_rule)
        })
        .collect();
    let results: Vec<SarifResult> = kept
        .iter()
        .zip(results)
        .map(|((f, _), res)| {
            let mut res = res.clone();
            let idx = rule_ids.iter().position(|id| *id == f.rule).unwrap_or(0);
            res.rule_index = Some(idx as i64);
            res
        })
        .collect();

    let driver = ToolComponent::builder()
        .name("jikimi")
        .full_name(concat!("jikimi ", env!("CARGO_PKG_VERSION")))
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(INFORMATION_URI)
        .rules(rules)
        .build();

    let mut run_props = BTreeMap::new();
    run_props.insert("resultsTotal".to_string(), json!(total));
    run_props.insert("resultsReported".to_string(), json!(kept.len()));
    run_props.insert("failing".to_string(), json!(r.failing));
    run_props.insert(
        "checklist".to_string(),
        Value::Array(
            r.checklist
                .iter()
                .map(|i| json!({"number": i.number, "id": i.id, "status": i.status}))
                .collect(),
        ),
    );
    let mut notifications = Vec::new();
    if kept.len() < total {
        let why = format!(
            "{} of {} results reported: GitHub code scanning accepts at most 25,000 results per run and 10 MB per gzipped upload; the most severe results were kept (use --format json for all of them)",
            kept.len(),
            total,
        );
        run_props.insert("truncated".to_string(), json!(true));
        run_props.insert("truncation".to_string(), json!(why));
        notifications.push(
            Notification::builder()
                .level(json!("warning"))
                .message(Message::builder().text(why).build())
                .build(),
        );
    }
    // Files that could not be read, as warnings: the scan went on without
    // them. Capped so that a broken tree cannot crowd out the results.
    const MAX_NOTIFICATIONS: usize = 100;
    for e in r.errors.iter().take(MAX_NOTIFICATIONS) {
        notifications.push(
            Notification::builder()
                .level(json!("warning"))
                .message(Message::builder().text(e.clone()).build())
                .build(),
        );
    }
    if r.errors.len() > MAX_NOTIFICATIONS {
        notifications.push(
            Notification::builder()
                .level(json!("warning"))
                .message(
                    Message::builder()
                        .text(format!(
                            "{} more errors (see --format json)",
                            r.errors.len() - MAX_NOTIFICATIONS
                        ))
                        .build(),
                )
                .build(),
        );
    }
    let invocation = if notifications.is_empty() {
        Invocation::builder().execution_successful(true).build()
    } else {
        Invocation::builder()
            .execution_successful(true)
            .tool_execution_notifications(notifications)
            .build()
    };

    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .automation_details(RunAutomationDetails::builder().id(CATEGORY).build())
        // Columns are counted in characters, as jikimi reports them.
        .column_kind(json!("unicodeCodePoints"))
        .invocations(vec![invocation])
        .results(results)
        .properties(
            PropertyBag::builder()
                .additional_properties(run_props)
                .build(),
        )
        .build();
    Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build()
}

/// SARIF level of a severity.
pub fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

fn level_str(s: Severity) -> &'static str {
    match level(s) {
        ResultLevel::Error => "error",
        ResultLevel::Warning => "warning",
        ResultLevel::Note => "note",
        ResultLevel::None => "none",
    }
}

fn precision(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

/// Percent-encode a `/`-separated relative path into a URI reference: only
/// unreserved characters and `/` stay as they are, so spaces, `:`, `#`, `%`,
/// `?` and non-ASCII names all make valid, relative URIs.
pub fn path_to_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The file a finding is reported on, relative to the scan root: the outer
/// file for archive members, `.gitignore` for the repository-level gap.
fn artifact_path(f: &Finding) -> String {
    if f.rule == GITIGNORE_GAP {
        // The finding's path may read ".gitignore (missing)": the alert
        // belongs on the file that should exist.
        return ".gitignore".to_string();
    }
    // A source-map finding's path is the original source, which may not
    // exist in the repository: the alert goes on the map that holds it.
    split_member(f.via.as_deref().unwrap_or(&f.path))
        .0
        .to_string()
}

/// The text GitHub shows for one alert. Redacted always (see the module
/// comment).
fn message(f: &Finding) -> String {
    let mut m = f.title.clone();
    if f.verify.is_live() {
        m = format!("LIVE (the provider accepts it): {m}");
    }
    if f.kind == RuleKind::Secret && !f.secret.is_empty() {
        m.push_str(&format!(" ({})", crate::findings::redact(&f.secret)));
    }
    if let (_, Some(member)) = split_member(&f.path) {
        m.push_str(&format!(" in archive member {member}"));
        if f.line > 0 && f.via.is_none() {
            m.push_str(&format!(" line {}", f.line));
        }
    }
    if f.via.is_some() {
        m.push_str(&format!(" in original source {} line {}", f.path, f.line));
    }
    if let Some(cell) = f.cell {
        let part = if f.cell_output { " output" } else { "" };
        m.push_str(&format!(" in notebook cell {cell}{part} line {}", f.line));
    }
    if !f.causes.is_empty() {
        let causes: Vec<&str> = f.causes.iter().map(|c| c.as_str()).collect();
        m.push_str(&format!(" [{}]", causes.join(", ")));
    }
    if !f.why.is_empty() {
        m.push_str(&format!(". Why: {}", f.why));
    }
    if !f.fix.is_empty() {
        m.push_str(&format!(". Fix: {}", f.fix));
    }
    if let Some(c) = &f.commit {
        m.push_str(&format!(
            ". Committed in {} by {} on {}",
            crate::text::head(&c.id, 12),
            c.author_name,
            c.date.get(..10).unwrap_or(&c.date)
        ));
    }
    if !m.ends_with('.') {
        m.push('.');
    }
    m
}

/// The result for place `k` of finding `f` (its `locations[k]`).
fn result(r: &Report<'_>, f: &Finding, k: usize) -> SarifResult {
    let (_, member) = split_member(&f.path);
    let place = f.locations.get(k);
    let (line, column) = place.map_or((f.line, f.column), |l| (l.line, l.column));
    // A place read from an old commit is not a line of today's file.
    let old_commit = place.and_then(|l| l.commit.as_deref());
    // A region is required by GitHub. Line 0 (the repository as a whole) and
    // archive members (whose lines are not lines of the outer file) point at
    // line 1. The context region carries the line around the secret, with
    // the secret redacted.
    let mut physical = PhysicalLocation::builder()
        .artifact_location(
            ArtifactLocation::builder()
                .uri(path_to_uri(&artifact_path(f)))
                .build(),
        )
        .build();
    // Lines of an original source (source maps) or of a notebook cell are
    // not lines of the file either.
    if line > 0 && member.is_none() && f.via.is_none() && f.cell.is_none() && old_commit.is_none() {
        let mut region = Region::builder().start_line(line as i64).build();
        if column > 0 {
            region.start_column = Some(column as i64);
            if !f.secret.is_empty() {
                region.end_column = Some((column + f.secret.chars().count()) as i64);
            }
        }
        physical.region = Some(region);
        // The snippet is the first place's line.
        let snippet = if line == f.line {
            crate::findings::redact_in(&f.context, &f.secret)
        } else {
            String::new()
        };
        if !snippet.is_empty() {
            physical.context_region = Some(
                Region::builder()
                    .start_line(line as i64)
                    .snippet(ArtifactContent::builder().text(snippet).build())
                    .build(),
            );
        }
    } else {
        physical.region = Some(Region::builder().start_line(1).build());
    }
    let location = Location::builder().physical_location(physical).build();

    let mut fp = BTreeMap::new();
    // The finding id (rule, secret, path) and the place's rank in the file:
    // stable across line moves, distinct per place.
    fp.insert(
        "primaryLocationLineHash".to_string(),
        format!("{}:{}", f.id, k + 1),
    );

    let mut props = BTreeMap::new();
    props.insert("id".to_string(), json!(f.id));
    props.insert("kind".to_string(), json!(f.kind));
    props.insert("provider".to_string(), json!(f.provider));
    props.insert("severity".to_string(), json!(f.severity));
    props.insert("confidence".to_string(), json!(f.confidence));
    props.insert("causes".to_string(), json!(f.causes));
    props.insert("path".to_string(), json!(f.path));
    if line > 0 {
        props.insert("line".to_string(), json!(line));
        props.insert("column".to_string(), json!(column));
    }
    if let Some(c) = old_commit {
        props.insert("locationCommit".to_string(), json!(c));
    }
    if let Some(member) = member {
        props.insert("archiveMember".to_string(), json!(member));
    }
    if let Some(image) = &f.image {
        props.insert("image".to_string(), json!(image));
    }
    if let Some(via) = &f.via {
        props.insert("via".to_string(), json!(via));
    }
    if let Some(cell) = f.cell {
        props.insert("cell".to_string(), json!(cell));
        props.insert("cellOutput".to_string(), json!(f.cell_output));
    }
    if let Some(enc) = f.encoded {
        props.insert("encoded".to_string(), json!(enc));
    }
    if f.minified {
        props.insert("minified".to_string(), json!(true));
    }
    if let Some(g) = f.git {
        props.insert("git".to_string(), json!(g));
    }
    if let Some(c) = &f.commit {
        props.insert(
            "commit".to_string(),
            json!({
                "id": c.id,
                "author": c.author_name,
                "email": c.author_email,
                "date": c.date,
                "summary": c.summary,
            }),
        );
    }
    props.insert("occurrences".to_string(), json!(f.occurrences));
    props.insert("failing".to_string(), json!(r.fails(f)));
    if let Some(v) = &f.verify.outcome {
        props.insert("verification".to_string(), json!(v));
        props.insert(
            "security-severity".to_string(),
            json!(crate::verify::report::security_severity(f)),
        );
    }

    let n = f.occurrences.max(f.locations.len());
    let mut text = message(f);
    if let Some(c) = old_commit {
        text.push_str(&format!(
            " Found at line {line} of commit {}, not in the current file.",
            crate::text::head(c, 12)
        ));
    }
    if n > 1 {
        text.push_str(&format!(" Place {} of {n} in this file.", k + 1));
    }
    SarifResult::builder()
        .rule_id(f.rule.clone())
        .level(level(f.severity))
        .message(Message::builder().text(text).build())
        .locations(vec![location])
        .partial_fingerprints(fp)
        .properties(PropertyBag::builder().additional_properties(props).build())
        .build()
}

/// CWE tags GitHub shows with an alert.
fn cwe_tag(kind: RuleKind, rule: &str) -> &'static str {
    match (kind, rule) {
        // Exposure of sensitive information through files in a shared place.
        (_, GITIGNORE_GAP) => "external/cwe/cwe-538",
        // Use of hard-coded credentials.
        (RuleKind::Secret, _) => "external/cwe/cwe-798",
        // Insufficiently protected credentials.
        (RuleKind::Risk, _) => "external/cwe/cwe-522",
    }
}

/// A rule entry: from the rule set when the rule is there, otherwise
/// (`gitignore-gap`, computed in code) from the findings themselves.
fn rule_descriptor(r: &Report<'_>, id: &str, findings: &[&Finding]) -> ReportingDescriptor {
    let sample = findings[0];
    let rule = r.rules.get(id).map(|rule| &rule.syntax);
    let title = rule.map_or(sample.title.as_str(), |s| s.title.as_str());
    let provider = rule.map_or(sample.provider.as_str(), |s| s.provider.as_str());
    let kind = rule.map_or(sample.kind, |s| s.kind);
    // A rule's severity; for computed risks, the worst of its findings.
    let severity = rule.map_or_else(
        || {
            findings
                .iter()
                .map(|f| f.severity)
                .max()
                .unwrap_or(sample.severity)
        },
        |s| s.severity,
    );
    let confidence = rule.map_or(sample.confidence, |s| s.confidence);
    let description = match rule {
        Some(s) if !s.description.is_empty() => s.description.clone(),
        _ if kind == RuleKind::Risk => capitalize(risks::risk_why(id)),
        _ => title.to_string(),
    };
    let references: Vec<String> = rule.map(|s| s.references.clone()).unwrap_or_default();
    let rotate_url = rule.and_then(|s| s.rotate_url.as_deref());
    let (help_text, help_md) = help(
        id,
        kind,
        title,
        provider,
        &description,
        &references,
        rotate_url,
    );

    let mut props = BTreeMap::new();
    // A key its provider confirmed live raises its rule to the top of the
    // scale: GitHub reads security-severity per rule, not per result.
    let security_severity = if findings.iter().any(|f| f.verify.is_live()) {
        crate::verify::report::LIVE_SECURITY_SEVERITY
    } else {
        severity.security_severity()
    };
    props.insert("security-severity".to_string(), json!(security_severity));
    props.insert("precision".to_string(), json!(precision(confidence)));
    props.insert("provider".to_string(), json!(provider));
    if let Some(u) = rotate_url {
        props.insert("rotate_url".to_string(), json!(u));
    }
    let tags = vec![
        "security".to_string(),
        kind.as_str().to_string(),
        cwe_tag(kind, id).to_string(),
    ];
    let help_uri = references
        .iter()
        .find(|u| u.starts_with("https://"))
        .cloned()
        .unwrap_or_else(|| INFORMATION_URI.to_string());
    ReportingDescriptor::builder()
        .id(id)
        .name(pascal_case(id))
        .short_description(MultiformatMessageString::builder().text(title).build())
        .full_description(
            MultiformatMessageString::builder()
                .text(description.clone())
                .build(),
        )
        .help(
            MultiformatMessageString::builder()
                .text(help_text)
                .markdown(help_md)
                .build(),
        )
        .help_uri(help_uri)
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(level_str(severity)))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(tags)
                .additional_properties(props)
                .build(),
        )
        .build()
}

/// `openai.project-key` → `OpenaiProjectKey` (SARIF's readable rule name).
fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(capitalize)
        .collect()
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `help` text and markdown of a rule: what it is, why it matters, how to
/// fix it (per cause for secrets), references.
fn help(
    id: &str,
    kind: RuleKind,
    title: &str,
    provider: &str,
    description: &str,
    references: &[String],
    rotate_url: Option<&str>,
) -> (String, String) {
    let mut text = format!("{title} ({provider}). {description}\n\n");
    let mut md = format!("**{title}** ({provider})\n\n{description}\n\n");
    match kind {
        RuleKind::Secret => {
            if let Some(u) = rotate_url {
                text.push_str(&format!("Rotate it at {u}\n\n"));
                md.push_str(&format!("**Rotate it at <{u}>**\n\n"));
            }
            text.push_str(&format!("Why it matters: {WHY_SECRET}\n\nHow to fix:\n"));
            md.push_str(&format!(
                "## Why it matters\n\n{WHY_SECRET}\n\n## How to fix\n\n"
            ));
            text.push_str(&format!(
                "1. {}\n2. {}\n3. Then fix the cause reported with the alert:\n",
                FIX_SECRET[0], FIX_SECRET[1]
            ));
            md.push_str(&format!(
                "1. {}\n2. {}\n3. Then fix the cause reported with the alert:\n\n\
                 | Cause | Why it leaks | Fix |\n|---|---|---|\n",
                FIX_SECRET[0], FIX_SECRET[1]
            ));
            for c in Cause::ALL {
                text.push_str(&format!(
                    "   - {}: {}. Fix: {}.\n",
                    c.as_str(),
                    c.why(),
                    c.fix()
                ));
                md.push_str(&format!(
                    "| `{}` | {} | {} |\n",
                    c.as_str(),
                    md_cell(c.why()),
                    md_cell(c.fix())
                ));
            }
            text.push_str(&format!(
                "\nRun `jikimi explain {id}` or `jikimi explain <cause>` for more.\n"
            ));
            md.push_str(&format!(
                "\nRun `jikimi explain {id}` or `jikimi explain <cause>` for more.\n"
            ));
        }
        RuleKind::Risk => {
            let why = risks::risk_why(id);
            let fix = risks::risk_fix(id);
            text.push_str(&format!("Why it matters: {why}.\n\nHow to fix: {fix}.\n"));
            md.push_str(&format!(
                "## Why it matters\n\n{}.\n\n## How to fix\n\n{}.\n\nRun `jikimi explain {id}` for more.\n",
                capitalize(why),
                capitalize(fix)
            ));
        }
    }
    if !references.is_empty() {
        text.push_str("\nReferences:\n");
        md.push_str("\n## References\n\n");
        for u in references {
            text.push_str(&format!("- {u}\n"));
            md.push_str(&format!("- <{u}>\n"));
        }
    }
    (text, md)
}

/// Escape `|` so that text stays in its markdown table cell.
fn md_cell(s: &str) -> String {
    s.replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(path_to_uri("src/App.tsx"), "src/App.tsx");
        assert_eq!(path_to_uri("a b/c:d,e.js"), "a%20b/c%3Ad%2Ce.js");
        assert_eq!(path_to_uri("dir/100%.js"), "dir/100%25.js");
        assert_eq!(path_to_uri("한.env"), "%ED%95%9C.env");
    }

    #[test]
    fn levels_and_names() {
        assert_eq!(level(Severity::Critical), ResultLevel::Error);
        assert_eq!(level(Severity::High), ResultLevel::Error);
        assert_eq!(level(Severity::Medium), ResultLevel::Warning);
        assert_eq!(level(Severity::Low), ResultLevel::Note);
        assert_eq!(pascal_case("openai.project-key"), "OpenaiProjectKey");
        assert_eq!(pascal_case("gitignore-gap"), "GitignoreGap");
    }
}
