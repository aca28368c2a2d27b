//! Many repositories' reports as one: `jikimi merge REPORT.json...` and the
//! report of an organisation scan. A report stage beside [`crate::report`],
//! it reads the JSON reports (one repository's `jikimi/report/v1`, or an
//! organisation's or shard's `jikimi/org-report/v1`) as plain JSON values,
//! so fields added to the report later pass through untouched.
//!
//! The organisation report puts the summary first: repositories scanned and
//! failed, those with critical or live findings, and the keys to rotate
//! across all of them, each once with every repository where it appears
//! (one key leaked in five repositories is one rotation). Repositories are
//! sorted by name, so the shards of a CI matrix merged give the report of
//! one unsharded run.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::cli::MergeArgs;
use crate::exit_code::ExitCode;
use crate::text::escape;
use crate::vocab::Format;

/// The organisation report's schema.
pub const SCHEMA: &str = "jikimi/org-report/v1";

/// One repository in an organisation report.
#[derive(Clone, Debug)]
pub struct Repository {
    pub name: String,
    /// Without credentials.
    pub url: String,
    /// Why it could not be scanned.
    pub error: Option<String>,
    /// Its `jikimi/report/v1` report, when it was scanned.
    pub report: Option<Value>,
}

/// The formats an organisation report is written in.
pub fn check_format(format: Format) -> Result<()> {
    match format {
        Format::Human | Format::Json | Format::Sarif => Ok(()),
        _ => bail!(
            "reports of several repositories are written as human, json or sarif: use --format json and `jikimi merge` for the others"
        ),
    }
}

/// `jikimi merge`.
pub fn run(args: &MergeArgs) -> Result<ExitCode> {
    check_format(args.format)?;
    let mut repos: Vec<Repository> = Vec::new();
    for path in &args.reports {
        let text = std::fs::read(path)
            .with_context(|| format!("cannot read the report {}", path.display()))?;
        let v: Value = serde_json::from_slice(&text).with_context(|| {
            format!(
                "{} is not a JSON report (write reports with --format json)",
                path.display()
            )
        })?;
        absorb(&mut repos, v, path)?;
    }
    let mut seen = std::collections::BTreeSet::new();
    repos.retain(|r| {
        let first = seen.insert(r.name.clone());
        if !first {
            eprintln!(
                "jikimi: warning: {} is in more than one report: the first is kept (do shards overlap?)",
                escape(&r.name)
            );
        }
        first
    });
    emit(&repos, args.format, args.output.as_deref(), false)
}

/// Add the repositories of one report file.
fn absorb(repos: &mut Vec<Repository>, mut v: Value, path: &Path) -> Result<()> {
    match v["schema"].as_str() {
        Some(SCHEMA) => {
            let Some(list) = v.get_mut("repositories").and_then(Value::as_array_mut) else {
                bail!(
                    "{}: an organisation report without repositories",
                    path.display()
                );
            };
            for r in list.drain(..) {
                let mut r = r;
                repos.push(Repository {
                    name: r["name"].as_str().unwrap_or_default().to_string(),
                    url: r["url"].as_str().unwrap_or_default().to_string(),
                    error: r["error"].as_str().map(str::to_string),
                    report: match r.get_mut("report").map(Value::take) {
                        Some(Value::Null) | None => None,
                        Some(rep) => Some(rep),
                    },
                });
            }
            Ok(())
        }
        Some(s) if s == crate::report::json::SCHEMA => {
            let name = v["repository"]["name"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| {
                    path.file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default()
                });
            let url = v["repository"]["url"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if let Some(m) = v.as_object_mut() {
                m.remove("repository");
            }
            repos.push(Repository {
                name,
                url,
                error: None,
                report: Some(v),
            });
            Ok(())
        }
        _ => bail!(
            "{} is not a jikimi JSON report (no \"schema\": \"{}\" or \"{SCHEMA}\")",
            path.display(),
            crate::report::json::SCHEMA
        ),
    }
}

/// Write the organisation report of `repos` and return the exit code: 1
/// when a finding fails, else 2 when a repository could not be scanned.
pub fn emit(
    repos: &[Repository],
    format: Format,
    output: Option<&Path>,
    quiet: bool,
) -> Result<ExitCode> {
    check_format(format)?;
    let mut sorted: Vec<&Repository> = repos.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let summary = Summary::of(&sorted);
    let mut buf = Vec::new();
    match format {
        Format::Json => write_json(&sorted, &summary, &mut buf)?,
        Format::Sarif => write_sarif(&sorted, &mut buf)?,
        _ => write_human(&sorted, &summary, &mut buf)?,
    }
    match output {
        Some(p) => std::fs::write(p, &buf)
            .with_context(|| format!("cannot write the report file {}", p.display()))?,
        None if !quiet => {
            let mut out = std::io::stdout().lock();
            out.write_all(&buf)?;
            out.flush()?;
        }
        None => {}
    }
    if summary.failing > 0 {
        return Ok(ExitCode::Leaks);
    }
    if summary.failed > 0 {
        eprintln!(
            "jikimi: error: {} of {} repositories could not be scanned (the report lists why)",
            summary.failed, summary.repositories
        );
        return Ok(ExitCode::Error);
    }
    Ok(ExitCode::Clean)
}

fn findings(r: &Repository) -> &[Value] {
    r.report
        .as_ref()
        .and_then(|v| v["findings"].as_array())
        .map_or(&[], Vec::as_slice)
}

fn severity_rank(s: &str) -> u8 {
    match s {
        "critical" => 4,
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// One key to rotate, across repositories.
struct Rotation {
    rule: String,
    title: String,
    provider: String,
    severity: String,
    secret: String,
    rotate_url: Option<String>,
    live: bool,
    findings: usize,
    repositories: Vec<String>,
}

struct Summary {
    repositories: usize,
    scanned: usize,
    failed: usize,
    with_findings: usize,
    with_critical: usize,
    with_live: usize,
    findings: usize,
    failing: u64,
    rotate: Vec<(String, Rotation)>,
}

impl Summary {
    fn of(repos: &[&Repository]) -> Summary {
        let mut s = Summary {
            repositories: repos.len(),
            scanned: 0,
            failed: 0,
            with_findings: 0,
            with_critical: 0,
            with_live: 0,
            findings: 0,
            failing: 0,
            rotate: Vec::new(),
        };
        let mut keys: BTreeMap<String, Rotation> = BTreeMap::new();
        for r in repos {
            let Some(report) = &r.report else {
                s.failed += 1;
                continue;
            };
            s.scanned += 1;
            s.failing += report["failing"].as_u64().unwrap_or(0);
            let fs = findings(r);
            s.findings += fs.len();
            s.with_findings += usize::from(!fs.is_empty());
            s.with_critical += usize::from(fs.iter().any(|f| f["severity"] == "critical"));
            s.with_live += usize::from(fs.iter().any(|f| f["verification"] == "live"));
            for f in fs.iter().filter(|f| f["kind"] == "secret") {
                let str_of = |k: &str| f[k].as_str().unwrap_or_default().to_string();
                // Older reports have no "key": the rule and the redacted
                // secret then stand for it.
                let key = f["key"].as_str().map_or_else(
                    || format!("{}\u{0}{}", str_of("rule"), str_of("secret")),
                    str::to_string,
                );
                let e = keys.entry(key).or_insert_with(|| Rotation {
                    rule: str_of("rule"),
                    title: str_of("title"),
                    provider: str_of("provider"),
                    severity: str_of("severity"),
                    secret: str_of("secret"),
                    rotate_url: f["rotate_url"].as_str().map(str::to_string),
                    live: false,
                    findings: 0,
                    repositories: Vec::new(),
                });
                e.findings += 1;
                e.live |= f["verification"] == "live";
                if severity_rank(&str_of("severity")) > severity_rank(&e.severity) {
                    e.severity = str_of("severity");
                }
                if e.repositories.last() != Some(&r.name) {
                    e.repositories.push(r.name.clone());
                }
            }
        }
        s.rotate = keys.into_iter().collect();
        s.rotate.sort_by(|(ka, a), (kb, b)| {
            (b.live, severity_rank(&b.severity), b.repositories.len())
                .cmp(&(a.live, severity_rank(&a.severity), a.repositories.len()))
                .then_with(|| a.rule.cmp(&b.rule))
                .then_with(|| ka.cmp(kb))
        });
        s
    }
}

fn write_json(repos: &[&Repository], s: &Summary, w: &mut dyn Write) -> Result<()> {
    let rotate: Vec<Value> = s
        .rotate
        .iter()
        .map(|(key, r)| {
            json!({
                "key": key,
                "rule": r.rule,
                "title": r.title,
                "provider": r.provider,
                "severity": r.severity,
                "secret": r.secret,
                "rotate_url": r.rotate_url,
                "live": r.live,
                "findings": r.findings,
                "repositories": r.repositories,
            })
        })
        .collect();
    let doc = json!({
        "schema": SCHEMA,
        "tool": {"name": "jikimi", "version": env!("CARGO_PKG_VERSION")},
        "summary": {
            "repositories": s.repositories,
            "scanned": s.scanned,
            "failed": s.failed,
            "with_findings": s.with_findings,
            "with_critical": s.with_critical,
            "with_live": s.with_live,
            "findings": s.findings,
            "failing": s.failing,
            "keys_to_rotate": s.rotate.len(),
        },
        "rotate": rotate,
        "repositories": repos.iter().map(|r| json!({
            "name": r.name,
            "url": r.url,
            "error": r.error,
            "report": r.report,
        })).collect::<Vec<_>>(),
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)?;
    Ok(())
}

fn write_human(repos: &[&Repository], s: &Summary, w: &mut dyn Write) -> Result<()> {
    writeln!(w, "Organisation summary")?;
    writeln!(
        w,
        "  {} repositories: {} scanned, {} failed",
        s.repositories, s.scanned, s.failed
    )?;
    writeln!(
        w,
        "  {} with findings, {} with critical findings, {} with live keys; {} findings, {} failing",
        s.with_findings, s.with_critical, s.with_live, s.findings, s.failing
    )?;
    if s.rotate.is_empty() {
        writeln!(w, "  No key to rotate.")?;
    } else {
        writeln!(w, "\nKeys to rotate ({}, each once):", s.rotate.len())?;
        for (i, (_, r)) in s.rotate.iter().enumerate() {
            writeln!(
                w,
                "  {}. {} {} [{}{}] in {} repositor{}: {}",
                i + 1,
                escape(&r.title),
                escape(&r.secret),
                escape(&r.severity),
                if r.live { ", live" } else { "" },
                r.repositories.len(),
                if r.repositories.len() == 1 {
                    "y"
                } else {
                    "ies"
                },
                escape(&r.repositories.join(", "))
            )?;
            if let Some(u) = &r.rotate_url {
                writeln!(w, "     rotate at {}", escape(u))?;
            }
        }
    }
    let failed: Vec<&&Repository> = repos.iter().filter(|r| r.error.is_some()).collect();
    if !failed.is_empty() {
        writeln!(w, "\nNot scanned:")?;
        for r in failed {
            writeln!(
                w,
                "  {}: {}",
                escape(&r.name),
                escape(r.error.as_deref().unwrap_or_default())
            )?;
        }
    }
    for r in repos.iter().filter(|r| !findings(r).is_empty()) {
        let fs = findings(r);
        writeln!(w, "\n== {} ({} findings)", escape(&r.name), fs.len())?;
        for f in fs {
            let s = |k: &str| f[k].as_str().unwrap_or_default();
            let loc = match f["line"].as_u64().unwrap_or(0) {
                0 => s("path").to_string(),
                l => format!("{}:{l}:{}", s("path"), f["column"].as_u64().unwrap_or(0)),
            };
            writeln!(
                w,
                "  [{}] {}  {}  {}",
                escape(s("severity")),
                escape(s("title")),
                escape(&loc),
                escape(s("secret"))
            )?;
            if !s("why").is_empty() {
                writeln!(w, "      why: {}", escape(s("why")))?;
            }
            if !s("fix").is_empty() {
                writeln!(w, "      fix: {}", escape(s("fix")))?;
            }
        }
    }
    Ok(())
}

fn sarif_level(sev: &str) -> &'static str {
    match sev {
        "critical" | "high" => "error",
        "medium" => "warning",
        _ => "note",
    }
}

/// The `security-severity` score of one JSON finding, as the single-run
/// SARIF gives it: from its severity, or the top of the scale for a key
/// its provider confirmed live.
fn result_security_severity(f: &Value) -> &'static str {
    if f["verification"] == "live" {
        return crate::verify::report::LIVE_SECURITY_SEVERITY;
    }
    let sev = f["severity"].as_str().unwrap_or_default();
    serde_json::from_value::<crate::vocab::Severity>(json!(sev))
        .map_or("0.0", crate::vocab::Severity::security_severity)
}

/// SARIF 2.1.0 with one run per repository (code scanning shows each as
/// its own category).
fn write_sarif(repos: &[&Repository], w: &mut dyn Write) -> Result<()> {
    let runs: Vec<Value> = repos
        .iter()
        .map(|r| {
            let fs = findings(r);
            let mut rules: BTreeMap<&str, Value> = BTreeMap::new();
            let results: Vec<Value> = fs
                .iter()
                .map(|f| {
                    let s = |k: &str| f[k].as_str().unwrap_or_default();
                    let score = result_security_severity(f);
                    let rule = rules.entry(s("rule")).or_insert_with(|| {
                        json!({
                            "id": s("rule"),
                            "shortDescription": {"text": s("title")},
                            "properties": {"security-severity": score},
                        })
                    });
                    // GitHub reads the score per rule: the rule's worst
                    // result decides, as in the single-run SARIF.
                    let current = rule["properties"]["security-severity"]
                        .as_str()
                        .and_then(|v| v.parse::<f64>().ok())
                        .unwrap_or(0.0);
                    if score.parse::<f64>().unwrap_or(0.0) > current {
                        rule["properties"]["security-severity"] = json!(score);
                    }
                    let mut text = s("title").to_string();
                    if !s("why").is_empty() {
                        text.push_str(": ");
                        text.push_str(s("why"));
                    }
                    if !s("fix").is_empty() {
                        text.push_str(". Fix: ");
                        text.push_str(s("fix"));
                    }
                    json!({
                        "ruleId": s("rule"),
                        "level": sarif_level(s("severity")),
                        "message": {"text": text},
                        "locations": [{"physicalLocation": {
                            "artifactLocation": {"uri": s("path")},
                            "region": {
                                "startLine": f["line"].as_u64().unwrap_or(0).max(1),
                                "startColumn": f["column"].as_u64().unwrap_or(0).max(1),
                            },
                        }}],
                        "partialFingerprints": {"jikimi/v1": s("id")},
                        "properties": {
                            "severity": s("severity"),
                            "security-severity": score,
                            "secret": f["secret"],
                            "commit": f["commit"]["id"],
                        },
                    })
                })
                .collect();
            let mut run = json!({
                "tool": {"driver": {
                    "name": "jikimi",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/jikimi-dev/jikimi",
                    "rules": rules.into_values().collect::<Vec<_>>(),
                }},
                "automationDetails": {"id": format!("jikimi/{}/", r.name)},
                "invocations": [{
                    "executionSuccessful": r.error.is_none(),
                    "toolExecutionNotifications": r.error.iter().map(|e| json!({
                        "level": "error",
                        "message": {"text": e},
                    })).collect::<Vec<_>>(),
                }],
                "results": results,
                "properties": {"repository": r.name},
            });
            if r.url.starts_with("https://") {
                run["versionControlProvenance"] = json!([{"repositoryUri": r.url}]);
            }
            run
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": runs,
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)?;
    Ok(())
}
