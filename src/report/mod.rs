//! Reports: one [`Format`] enum, one file per format, each writing a
//! [`Report`] to any `impl Write`. Reports see findings and the checklist,
//! never the CLI. Secrets are redacted here, at the last moment, unless
//! `redact` is off (`--no-redact`).

pub mod compact;
pub mod human;
pub mod json;
pub mod sarif;

use std::io::Write;

use anyhow::Result;

use crate::baseline::Entry;
use crate::checklist::Item;
use crate::findings::suppress::Suppressed;
use crate::findings::{Finding, Note, redact, redact_in};
use crate::rules::RuleSet;
use crate::scan::{Skipped, Stats};

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Grouped by file, with causes, fixes and the checklist.
    Human,
    /// The `jikimi/report/v1` JSON document.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// A few lines per finding: where, cause and fix (the pre-commit hook).
    Compact,
}

/// Everything a report shows.
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub notes: &'a [Note],
    pub skipped: &'a [Skipped],
    pub errors: &'a [String],
    pub stats: &'a Stats,
    pub checklist: &'a [Item],
    pub rules: &'a RuleSet,
    /// Redact secrets (the default).
    pub redact: bool,
    /// Colors for the human format.
    pub color: bool,
    /// `-v`: list notes and skipped files in the human report.
    pub verbose: bool,
    /// Findings that make the exit code 1.
    pub failing: usize,
    /// Findings held back (inline markers, allowlist, baseline).
    pub suppressed: &'a [Suppressed],
    /// Baseline entries no finding matched (`--report-unused`).
    pub baseline_unused: &'a [Entry],
}

impl Report<'_> {
    /// The secret as it may be shown.
    pub fn shown_secret(&self, f: &Finding) -> String {
        if self.redact {
            redact(&f.secret)
        } else {
            f.secret.clone()
        }
    }

    /// The context line as it may be shown.
    pub fn shown_context(&self, f: &Finding) -> String {
        if self.redact && !f.secret.is_empty() {
            redact_in(&f.context, &f.secret)
        } else {
            f.context.clone()
        }
    }

    pub fn shown_note_secret(&self, n: &Note) -> String {
        if self.redact {
            redact(&n.secret)
        } else {
            n.secret.clone()
        }
    }
}

/// Write `report` in `format`.
pub fn write(format: Format, report: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    match format {
        Format::Human => human::write(report, w),
        Format::Json => json::write(report, w),
        Format::Sarif => sarif::write(report, w),
        Format::Compact => compact::write(report, w),
    }
}
