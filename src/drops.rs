//! `jikimi scan --explain-drops`: every candidate that matched a rule's
//! pattern and was not reported, with the stage that dropped it and why.
//!
//! The collector hands each text it scans (files, archive members, decoded
//! payloads, history blobs) to [`DropLog::record`], which runs the tracer of
//! `jikimi rules trace` ([`crate::rules::trace`]) over it and keeps the
//! dropped candidates: placeholder word, entropy below the threshold, no
//! context word near, checksum or validator failed, the rule's allow list,
//! attribution to another rule. Matches the matcher reported and the scan
//! then held back (inline marker, `jikimi.toml` allowlist, baseline, test
//! data policy, not verified) are added from the scan's suppressions. Values
//! are redacted unless `--no-redact`; every line is escaped and printed on
//! standard error, so the report on standard output keeps its format.
//!
//! Candidates of a rule whose context word or keyword occurs nowhere in the
//! text are left out ([`Options::relevant_only`]): a bare 40-hex pattern of
//! a prefix-less rule matches every commit id, and nobody expected those.
//! Tracing runs every rule's pattern over every text: a diagnostic for the
//! path in question, several times slower than a scan.

use std::io::Write;
use std::sync::Mutex;

use crate::findings::suppress::{Reason, Suppressed};
use crate::matcher::Matcher;
use crate::rules::trace::{Options, Verdict, trace_in};
use crate::text::{escape, escape_controls, redact};

/// Lines printed at most; the count of the rest is said.
const SHOWN: usize = 5000;

/// One candidate not reported.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dropped {
    pub path: String,
    pub line: usize,
    /// 1-based, in characters; 0 when not known (a suppressed finding).
    pub column: usize,
    pub rule: String,
    pub stage: String,
    pub reason: String,
    /// The value, redacted unless the scan runs with `--no-redact`; empty
    /// for a suppressed finding (its secret is not kept).
    pub value: String,
}

/// The drops of one scan, gathered from its worker threads.
#[derive(Debug)]
pub struct DropLog {
    entries: Mutex<Vec<Dropped>>,
    redact: bool,
}

impl DropLog {
    pub fn new(redact: bool) -> DropLog {
        DropLog {
            entries: Mutex::default(),
            redact,
        }
    }

    /// Trace `text` (shown as `path`; `leaf` is the file name the rules
    /// see) and keep its dropped candidates. `line_base` is added to the
    /// line numbers; `at` is the line and column of a part read out of
    /// another file (a decoded payload), used for all its candidates.
    pub fn record(
        &self,
        matcher: &Matcher<'_>,
        path: &str,
        leaf: Option<&str>,
        text: &[u8],
        line_base: usize,
        at: Option<(usize, usize)>,
    ) {
        let opts = Options {
            path: leaf,
            inline_markers: false,
            relevant_only: true,
        };
        let candidates = trace_in(matcher, text, &opts);
        let rules = matcher.rules();
        let mut out = Vec::new();
        let (mut line, mut line_start, mut pos) = (1usize, 0usize, 0usize);
        for c in &candidates {
            // Bytes another rule reports were found, not dropped.
            let Verdict::Dropped { stage, reason } = &c.verdict else {
                continue;
            };
            if *stage == "attribution" {
                continue;
            }
            if c.secret_start < pos {
                // Sorted by start: never happens, but never slice backwards.
                continue;
            }
            line += memchr::memchr_iter(b'\n', &text[pos..c.secret_start]).count();
            if let Some(nl) = memchr::memrchr(b'\n', &text[pos..c.secret_start]) {
                line_start = pos + nl + 1;
            }
            pos = c.secret_start;
            let column = String::from_utf8_lossy(&text[line_start..c.secret_start])
                .chars()
                .count()
                + 1;
            let value = String::from_utf8_lossy(&text[c.secret_start..c.secret_end]);
            let value = if self.redact {
                redact(&value)
            } else {
                value.into_owned()
            };
            let (line, column) = at.unwrap_or((line + line_base, column));
            out.push(Dropped {
                path: path.to_string(),
                line,
                column,
                rule: rules.rules[c.rule].id().to_string(),
                stage: (*stage).to_string(),
                reason: reason.clone(),
                value,
            });
        }
        if !out.is_empty() {
            self.entries
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(out);
        }
    }

    /// Add the findings the scan held back.
    pub fn add_suppressed(&self, suppressed: &[Suppressed]) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        for s in suppressed {
            let reason = match s.reason {
                Reason::Inline => format!("inline `{}` marker on the line", s.by),
                Reason::Allowlist => format!("allowlisted by jikimi.toml: {}", s.by),
                Reason::Baseline => format!("in the baseline ({})", s.by),
                Reason::NotVerified => format!("--only-verified: {}", s.by),
                Reason::Tests => format!("test data, with tests = \"ignore\" ({})", s.by),
            };
            entries.push(Dropped {
                path: s.path.clone(),
                line: s.line,
                column: 0,
                rule: s.rule.clone(),
                stage: format!("suppressed ({})", s.reason.as_str()),
                reason,
                value: String::new(),
            });
        }
    }

    /// Everything recorded, sorted by path and line, without duplicates (the
    /// same blob in several commits).
    pub fn entries(&self) -> Vec<Dropped> {
        let mut v = self
            .entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        v.sort();
        v.dedup();
        v
    }

    /// Print the list, escaped, one candidate a line.
    pub fn print(&self, w: &mut dyn Write) -> std::io::Result<()> {
        let entries = self.entries();
        writeln!(
            w,
            "jikimi: --explain-drops: {} candidate(s) matched a rule's pattern and were not reported{}",
            entries.len(),
            if entries.is_empty() { "" } else { ":" }
        )?;
        for d in entries.iter().take(SHOWN) {
            let at = if d.column > 0 {
                format!("{}:{}:{}", escape(&d.path), d.line, d.column)
            } else {
                format!("{}:{}", escape(&d.path), d.line)
            };
            let value = if d.value.is_empty() {
                String::new()
            } else {
                format!("  {}", escape_controls(&d.value))
            };
            // Indented: a line of a CI log never starts with data.
            writeln!(
                w,
                "  {at}  {}  dropped at {}: {}{value}",
                escape(&d.rule),
                d.stage,
                escape_controls(&d.reason)
            )?;
        }
        if entries.len() > SHOWN {
            writeln!(
                w,
                "  ... and {} more (scan the path in question)",
                entries.len() - SHOWN
            )?;
        }
        Ok(())
    }
}
