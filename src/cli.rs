//! The command line, as clap derive structs (help text from the `///`
//! comments). Nothing downstream reads these: [`crate::config`] turns them
//! into validated settings.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::report::Format;

const SCAN_EXAMPLES: &str = "\
Examples:
  jikimi scan                      scan the current directory
  jikimi scan . --format json -o report.json
  jikimi scan . --format sarif --output jikimi.sarif   (from the repository root)
  jikimi scan --format github      annotations in a GitHub Actions job
  jikimi scan --format junit -o jikimi.xml
  jikimi scan --no-redact -v       show full secrets, skipped files and notes
  jikimi scan app/build/release.apk   look inside an app package
  jikimi scan . --no-archives      do not open zip/apk/ipa/asar/tar/gz files
  NO_COLOR=1 jikimi scan src/ web/

Exit codes: 0 nothing fails, 1 findings fail, 2 usage or runtime error.";

/// jikimi (지킴이, keeper): finds leaked API keys and tells you why they
/// leaked and what to change in your architecture.
#[derive(Debug, Parser)]
#[command(name = "jikimi", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files for leaked keys and architecture risks.
    #[command(after_help = SCAN_EXAMPLES)]
    Scan(ScanArgs),
    /// List the built-in rules, or check a rules folder.
    Rules(RulesArgs),
    /// Explain a rule, a leak cause or a risk: what it means, why it
    /// matters (per the guide) and how to fix it.
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain(ExplainArgs),
}

const EXPLAIN_EXAMPLES: &str = "\
Examples:
  jikimi explain openai.project-key   a rule (see `jikimi rules` for all ids)
  jikimi explain frontend-code        a leak cause, as shown in scan results
  jikimi explain gitignore-gap        a risk
  jikimi explain checklist            the guide's five questions

Causes: frontend-code, server-code, env-file-committed, public-env-var,
client-transit, app-binary, git-history.
Risks: gitignore-gap, browser-direct-call, public-env-secret.";

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule id, a cause, a risk id, or `checklist`.
    #[arg(value_name = "RULE_ID|CAUSE")]
    pub topic: String,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Show secrets in full (they are redacted by default).
    #[arg(long)]
    pub no_redact: bool,

    /// Number of threads (default: the number of CPUs).
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// Skip files larger than this many bytes (suffixes K, M, G allowed).
    #[arg(long, value_name = "BYTES", default_value = "16M")]
    pub max_file_size: String,

    /// Also scan dependency folders (node_modules, vendor, .venv, ...).
    #[arg(long)]
    pub include_deps: bool,

    /// Follow symbolic links (loops are detected and reported).
    #[arg(short = 'L', long)]
    pub follow: bool,

    /// Disable colors (also: the NO_COLOR environment variable).
    #[arg(long)]
    pub no_color: bool,

    /// Print no report to standard output (the exit code tells); errors
    /// still go to standard error. A report file (--output) is still written.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// List skipped files and notes (such as keys in git-ignored .env files).
    #[arg(short, long)]
    pub verbose: bool,

    /// Do not open archives and app packages (zip, apk, aab, ipa, jar, asar,
    /// tar, gz, ...); they are then skipped as binary files.
    #[arg(long, help_heading = "Archives")]
    pub no_archives: bool,

    /// How many archives deep to open (an ipa inside a zip is 2).
    #[arg(long, value_name = "N", default_value_t = 4, help_heading = "Archives")]
    pub archive_depth: usize,

    /// Stop unpacking one archive after this many uncompressed bytes
    /// (suffixes K, M, G); also the largest archive file read from disk.
    #[arg(
        long,
        value_name = "BYTES",
        default_value = "256M",
        help_heading = "Archives"
    )]
    pub archive_max_bytes: String,

    /// Stop unpacking all archives of the scan after this many uncompressed
    /// bytes.
    #[arg(
        long,
        value_name = "BYTES",
        default_value = "4G",
        help_heading = "Archives"
    )]
    pub archive_max_total: String,

    /// Refuse a member that expands more than N times its compressed size
    /// (past 1 MiB): a zip bomb.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 100,
        help_heading = "Archives"
    )]
    pub archive_max_ratio: u64,

    /// Stop after this many members of one archive.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 100_000,
        help_heading = "Archives"
    )]
    pub archive_max_members: u64,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: Option<RulesCommand>,

    /// Print the list as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the built-in rules (the default).
    List {
        /// Print the list as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check a rules folder (ids, regexes, examples) as the test suite does.
    Check {
        /// Folder of *.toml rule files (default: the built-in rules).
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}
