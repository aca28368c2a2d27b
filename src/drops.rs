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
    /// Where in the file's decoded content the candidate was found, when
    /// it was not in the file as written (`in base64, line 2 of the decoded
    /// text`); empty otherwise.
    pub within: String,
}

/// How a text the scan read was taken out of its file, for
/// [`DropLog::record`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Decoded {
    /// The 1-based line and column of the payload in the file: every
    /// candidate read out of it is listed there.
    pub at: Option<(usize, usize)>,
    /// The decoding (`base64`, `backslash` for an escaped string), or
    /// `None` for a part read as it is (a source map's source, a notebook
    /// cell, the strings of an array).
    pub encoded: Option<&'static str>,
}

impl Decoded {
    /// `in base64, line N of the decoded text` for a candidate on line
    /// `line` of the decoded text; empty for the file as written.
    fn describe(&self, line: usize) -> String {
        let how = match (self.at, self.encoded) {
            (None, _) => return String::new(),
            (Some(_), Some("base64")) => "in base64".to_string(),
            (Some(_), Some("backslash")) => "in an escaped string (unescaped)".to_string(),
            (Some(_), Some(other)) => format!("in {other}"),
            (Some(_), None) => "in an array of strings".to_string(),
        };
        format!("{how}, line {line} of the decoded text")
    }
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
    /// line numbers; `decoded` says where a part read out of another file
    /// (a decoded payload) stands there, used for all its candidates, and
    /// how it was decoded.
    pub fn record(
        &self,
        matcher: &Matcher<'_>,
        path: &str,
        leaf: Option<&str>,
        text: &[u8],
        line_base: usize,
        decoded: Decoded,
    ) {
        let opts = Options {
            path: leaf,
            inline_markers: false,
            relevant_only: true,
            ..Options::default()
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
            let within = decoded.describe(line);
            let (line, column) = decoded.at.unwrap_or((line + line_base, column));
            out.push(Dropped {
                path: path.to_string(),
                line,
                column,
                rule: rules.rules[c.rule].id().to_string(),
                stage: (*stage).to_string(),
                reason: reason.clone(),
                value,
                within,
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
                within: String::new(),
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
            let mut at = if d.column > 0 {
                format!("{}:{}:{}", escape(&d.path), d.line, d.column)
            } else {
                format!("{}:{}", escape(&d.path), d.line)
            };
            if !d.within.is_empty() {
                at = format!("{at} ({})", d.within);
            }
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
