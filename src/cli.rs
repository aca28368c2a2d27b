//! The command line, as clap derive structs (help text from the `///`
//! comments). Nothing downstream reads these: [`crate::config`] turns them
//! into validated settings.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::vocab::{FailOn, Format, Severity};

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
  jikimi scan --baseline .jikimi-baseline.json   report only new findings
  jikimi scan --fail-on risk --min-severity high
  jikimi scan --no-history         the working tree only, not git history
  jikimi scan --staged -q          pre-commit hook: what the next commit adds
  jikimi scan --since origin/main  CI on a pull request: commits after main
  jikimi scan --verify             ask each key's provider whether it is live
  jikimi scan --verify --fail-on live   fail CI only on keys that still work
  pbpaste | jikimi scan - --stdin-name web/.env   scan standard input
  git diff | jikimi scan --diff -  only the lines a diff adds
  jikimi scan https://github.com/org/repo.git   clone (bare, temporary) and scan
  jikimi scan --github-org ORG --shard 1/4 --format json -o 1.json

A git repository (work tree top, linked worktree, bare repository) is scanned
with its full history: every commit reachable from every ref, each unique
blob once.

Exit codes: 0 nothing fails, 1 findings fail (see --fail-on), 2 usage or
runtime error (including a bad jikimi.toml or baseline).";

const BASELINE_EXAMPLES: &str = "\
Examples:
  jikimi baseline create                 record today's findings in .jikimi-baseline.json
  jikimi baseline create src/ --output ci/baseline.json
  jikimi scan --baseline .jikimi-baseline.json --report-unused

The baseline stores a SHA-256 of rule + secret + path per finding, never the
secret; --output names the baseline file (default .jikimi-baseline.json) and
the other options are those of `jikimi scan`.";

const HOOK_EXAMPLES: &str = "\
Examples:
  jikimi hook install            block commits that add a key (.git/hooks/pre-commit)
  jikimi hook install --force    replace another pre-commit hook (it is backed up)
  jikimi hook uninstall          remove it (and restore the backed-up hook)
  jikimi hook install --pre-push scan the commits each `git push` sends
  jikimi hook agent              for AI coding agents (docs/agents.md)

The hook runs `jikimi scan --staged --format compact`. To commit anyway,
knowingly: `git commit --no-verify`, or add `jikimi:allow` to the line.";

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
    /// Record current findings so later scans report only new ones.
    #[command(subcommand, after_help = BASELINE_EXAMPLES)]
    Baseline(BaselineCommand),
    /// The project config file (jikimi.toml).
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Install or remove the git pre-commit hook.
    #[command(subcommand, after_help = HOOK_EXAMPLES)]
    Hook(HookCommand),
    /// Explain a rule, a leak cause or a risk: what it means, why it
    /// matters (per the guide) and how to fix it.
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain(ExplainArgs),
    /// Ask a key's provider whether one key (on standard input) still
    /// works: after rotating, confirm the old key is dead.
    #[command(after_help = VERIFY_KEY_HELP)]
    Verify(VerifyArgs),
    /// Make the changes the report asks for: print them as a diff, or
    /// write them with --apply.
    #[command(after_help = FIX_HELP)]
    Fix(FixArgs),
    /// Join JSON reports of many repositories or shards into one report
    /// with an organisation summary.
    #[command(after_help = MERGE_EXAMPLES)]
    Merge(MergeArgs),
}

// --- `jikimi merge` (issue 24; docs/org.md) ---

/// `jikimi merge`: JSON reports in, one report out.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// JSON reports (`jikimi scan --format json`, of one repository or of
    /// an organisation or shard).
    #[arg(value_name = "REPORT.json", required = true)]
    pub reports: Vec<PathBuf>,
    /// Output format: human, json or sarif.
    #[arg(short, long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Disable colors (also: the NO_COLOR environment variable).
    #[arg(long)]
    pub no_color: bool,
}

const MERGE_EXAMPLES: &str = "\
Examples:
  jikimi merge shard-*.json                        organisation summary, then each repository
  jikimi merge shard-*.json --format json -o org.json
  jikimi merge shard-*.json --format sarif -o org.sarif   one SARIF run per repository

Exit codes: 0 nothing fails, 1 a report has failing findings, 2 a report
cannot be read or a repository could not be scanned.";

// --- end of `jikimi merge` ---

// --- `jikimi verify` (kept in one block) ---

/// `jikimi verify`: one key on standard input.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The rule the key belongs to, when the key alone does not say (e.g.
    /// cloudflare.api-token); `jikimi rules list` shows them.
    #[arg(long, value_name = "RULE_ID")]
    pub rule: Option<String>,
    /// Per-request timeout (e.g. 5s, 2.5s, 800ms).
    #[arg(long, value_name = "DURATION", default_value = "5s")]
    pub timeout: String,
    /// Print JSON: rule, redacted key and verification per key.
    #[arg(long)]
    pub json: bool,
    /// Log provider, HTTP status and time taken on stderr.
    #[arg(short, long)]
    pub verbose: bool,
}

const VERIFY_KEY_HELP: &str = "\
Examples:
  jikimi verify < old-key.txt                       check one key
  pbpaste | jikimi verify --rule cloudflare.api-token
  printf 'AWS_ACCESS_KEY_ID=...\\nAWS_SECRET_ACCESS_KEY=...' | jikimi verify

The key is read from standard input (never an argument: shell history),
is only sent to its provider (JIKIMI_VERIFY_ENDPOINT_<PROVIDER> moves it),
and is never printed in full.

Exit codes: 0 the provider says the key is invalid (dead); 1 it is live, or
the provider did not say (treat it as live); 2 usage error or no answer
(offline, timeout).";

// --- end of `jikimi verify` ---

// --- `jikimi fix` (kept in one block) ---

/// `jikimi fix`: the report's changes as a diff, or applied.
#[derive(Debug, Args)]
pub struct FixArgs {
    /// The folder to fix (default: the current one) and finding ids (or
    /// their first 8+ characters) to fix only those.
    #[arg(value_name = "PATH|ID")]
    pub targets: Vec<String>,
    /// Fix only findings with this leak cause (repeatable), e.g.
    /// env-file-committed, server-code, public-env-var, frontend-code.
    #[arg(long, value_name = "CAUSE")]
    pub cause: Vec<String>,
    /// Write the changes (default: print the diff, write nothing).
    #[arg(long)]
    pub apply: bool,
    /// Also edit files with uncommitted changes; with --patch, replace an
    /// existing FILE.
    #[arg(long)]
    pub force: bool,
    /// Show secrets in the diff: the output then applies with `git apply`
    /// (it holds the keys: do not keep it in the repository).
    #[arg(long)]
    pub no_redact: bool,
    /// Also write the exact patch (keys included), the one `git apply`
    /// takes, to FILE: owner-only (0600), outside the scanned repository;
    /// an existing FILE is refused unless --force. Standard output keeps
    /// the redacted diff.
    #[arg(long, value_name = "FILE", conflicts_with = "apply")]
    pub patch: Option<PathBuf>,
    /// Use this config file instead of the folder's jikimi.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

const FIX_HELP: &str = "\
Examples:
  jikimi fix                        show the changes for every finding (a diff)
  jikimi fix --apply                make them, then scan again
  jikimi fix 9596f269 --apply       only this finding
  jikimi fix --cause env-file-committed
  jikimi fix --patch /tmp/fix.patch  the exact patch to a 0600 file (git apply)

Changes, in the report's order: ignore and untrack env files (.env.example
with empty values); hardcoded keys in server code become environment lookups
(values go to the ignored .env); public prefixes (VITE_, NEXT_PUBLIC_...)
are dropped; browser calls go through a generated server route. History is
never rewritten: the git filter-repo commands are printed. See docs/fix.md.

Exit codes: 0 done (or a plan printed); 1 a secret is still in the working
tree after --apply; 2 usage error, or a file changed since the scan or has
uncommitted changes (nothing written; --force overrides the latter).";

// --- end of `jikimi fix` ---

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Scan, and write every finding's key to the baseline file (--output,
    /// default .jikimi-baseline.json) instead of a report.
    #[command(after_help = BASELINE_EXAMPLES)]
    Create(ScanArgs),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write a commented starter jikimi.toml.
    Init {
        /// Where to write it.
        #[arg(short, long, value_name = "FILE", default_value = "jikimi.toml")]
        output: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Write the pre-commit hook into the repository around PATH.
    #[command(after_help = HOOK_EXAMPLES)]
    Install {
        /// A folder inside the repository.
        #[arg(value_name = "PATH", default_value = ".")]
        path: PathBuf,
        /// Replace a pre-commit hook that is not jikimi's (it is kept as
        /// pre-commit.jikimi-backup and restored by `hook uninstall`).
        #[arg(long)]
        force: bool,
        /// The pre-push hook instead: scan the commits being pushed.
        #[arg(long)]
        pre_push: bool,
    },
    /// Remove jikimi's pre-commit hook (never another tool's).
    Uninstall {
        /// A folder inside the repository.
        #[arg(value_name = "PATH", default_value = ".")]
        path: PathBuf,
        /// The pre-push hook instead.
        #[arg(long)]
        pre_push: bool,
    },
    /// For AI coding agents: read the agent's pre-tool-call JSON on
    /// standard input and deny the call when what it writes holds a key.
    #[command(after_help = AGENT_HELP)]
    Agent {
        /// The agent's protocol (default: recognised from the request).
        #[arg(long, value_enum)]
        agent: Option<crate::hook::agent::Agent>,
    },
}

const AGENT_HELP: &str = "\
Claude Code (.claude/settings.json):
  {\"hooks\": {\"PreToolUse\": [{\"matcher\": \"Write|Edit|MultiEdit|Bash\",
    \"hooks\": [{\"type\": \"command\", \"command\": \"jikimi hook agent\"}]}]}}
Cursor (.cursor/hooks.json) and GitHub Copilot: see docs/agents.md.

Allowed: no output, exit 0. Denied: the agent's deny JSON on standard
output (exit 0), with a reason that never holds the full key. A request
that is not JSON: exit 2.";

const EXPLAIN_EXAMPLES: &str = "\
Examples:
  jikimi explain openai.project-key   a rule (see `jikimi rules` for all ids)
  jikimi explain frontend-code        a leak cause, as shown in scan results
  jikimi explain gitignore-gap        a risk
  jikimi explain checklist            the guide's five questions
  jikimi explain 1a2b3c4d [PATH]      a finding of the report, by its id
                                      (scans PATH, default `.`, to find it)

Causes: frontend-code, server-code, env-file-committed, public-env-var,
client-transit, app-binary, data-committed, image-layer, image-config,
git-history, test-data, public-by-design.
Risks: gitignore-gap, dockerignore-gap, browser-direct-call,
public-env-secret.";

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule id, a cause, a risk id, `checklist`, or a finding's id from
    /// a report (its first 8 hex digits or more).
    #[arg(value_name = "RULE_ID|CAUSE|FINDING_ID")]
    pub topic: String,
    /// For a finding id: the folder to scan for it (default: `.`).
    #[arg(value_name = "PATH")]
    pub path: Option<std::path::PathBuf>,
}

/// The `--help` text of `--verify`: what it does and the override variables.
pub const VERIFY_HELP: &str = "\
Check each distinct secret once with its provider (a documented identity or
read-only endpoint, over HTTPS to the provider's own host) and record
\"verification\": live, invalid, unknown or error on each finding. Off by
default: without it jikimi sends nothing anywhere. Never changes what is
found. See also --verify-timeout, --verify-concurrency, --only-verified and
--fail-on live.

JIKIMI_VERIFY_ENDPOINT_<PROVIDER>=scheme://host[:port][/prefix] sends that
provider's checks elsewhere (GitHub Enterprise, self-managed GitLab, a test
server); plain http only to loopback. Providers: ANTHROPIC, AWS,
CLOUDFLARE, COHERE, DATADOG, DEEPSEEK, DIGITALOCEAN, DISCORD, GEMINI,
GITHUB, GITLAB, GROQ, HEROKU, HUGGINGFACE, MAILGUN, MISTRAL, NOTION, NPM,
OPENAI, OPENROUTER, POSTMAN, REPLICATE, SENDGRID, SENTRY, SHOPIFY, SLACK,
STRIPE, TELEGRAM, TWILIO, VERCEL, XAI.";

#[derive(Clone, Debug, Args)]
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

    /// List skipped files, notes (such as keys in git-ignored .env files)
    /// and suppressed findings.
    #[arg(short, long)]
    pub verbose: bool,

    /// Why wasn't it found? List on standard error every candidate that
    /// matched a rule's pattern and was not reported, with the stage and
    /// reason (placeholder, entropy, context, checksum, allowlist, ...).
    /// Traces every rule over every text: slower, for the path in question.
    #[arg(long)]
    pub explain_drops: bool,

    /// Do not open archives and app packages (zip, apk, aab, ipa, jar, asar,
    /// tar, gz, ...); they are then skipped as binary files.
    #[arg(long, help_heading = "Archives")]
    pub no_archives: bool,

    /// Do not read binaries (executables, libraries, .class, .pyc, .wasm,
    /// SQLite) as `strings` would show them; they are then skipped.
    #[arg(long, help_heading = "Archives")]
    pub no_binaries: bool,

    /// How many archives deep to open (an ipa inside a zip is 2; 0 opens
    /// none; at most 16) [default: 4, or `max_depth` in jikimi.toml].
    #[arg(long, value_name = "N", help_heading = "Archives")]
    pub archive_depth: Option<usize>,

    /// Stop unpacking one archive after this many uncompressed bytes, the
    /// archives nested in it included (suffixes K, M, G); also the largest
    /// archive file read from disk
    /// [default: 256M, or `max_size` in jikimi.toml].
    #[arg(long, value_name = "BYTES", help_heading = "Archives")]
    pub archive_max_bytes: Option<String>,

    /// Stop unpacking the archives of the whole scan after this many
    /// uncompressed bytes [default: 4G].
    #[arg(long, value_name = "BYTES", help_heading = "Archives")]
    pub archive_max_total: Option<String>,

    /// Refuse a member that expands more than N times its compressed size
    /// (past 1 MiB): a zip bomb [default: 100].
    #[arg(long, value_name = "N", help_heading = "Archives")]
    pub archive_max_ratio: Option<u64>,

    /// Stop after this many members of one archive [default: 100000].
    #[arg(long, value_name = "N", help_heading = "Archives")]
    pub archive_max_members: Option<u64>,

    /// Read settings from FILE (default: jikimi.toml in the scanned folder).
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Ignore jikimi.toml (e.g. when auditing a repository you do not
    /// trust: its config could exclude or allowlist anything).
    #[arg(long)]
    pub no_config: bool,

    /// Audit code you do not trust: honour no suppression the scanned
    /// repository controls. Inline markers (`jikimi:allow`,
    /// `gitleaks:allow`, ...) are ignored, its jikimi.toml is not read, and a
    /// --config or --baseline file inside a scanned folder is refused (give
    /// your own, from outside it).
    #[arg(long)]
    pub audit: bool,

    /// Report only findings not recorded in this baseline file (see
    /// `jikimi baseline create`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// List baseline entries that no finding matched any more (stale; the
    /// exit code is not affected).
    #[arg(long, requires = "baseline")]
    pub report_unused: bool,

    /// What makes the exit code 1: `secret` (any secret, and high or
    /// critical risks; the default), `risk` (any finding), `none`, `live`
    /// (secrets --verify found live).
    #[arg(long, value_enum, value_name = "WHAT")]
    pub fail_on: Option<FailOn>,

    /// Findings below this severity never fail the scan (low, medium, high,
    /// critical).
    #[arg(long, value_name = "LEVEL")]
    pub min_severity: Option<Severity>,

    /// Fail (exit 2, unless findings already make it 1) when anything could
    /// not be scanned in full: read errors, skipped files (too large,
    /// symbolic links, archives past a limit...), cut budgets. Binary files
    /// do not count.
    #[arg(long)]
    pub strict: bool,

    /// Scan the working tree only, not git history.
    #[arg(long, conflicts_with_all = ["history_only", "staged", "since", "range"])]
    pub no_history: bool,

    /// Scan git history only (every commit of every ref), not the working tree.
    #[arg(long, conflicts_with = "staged")]
    pub history_only: bool,

    /// Scan what the next commit would add (the index against HEAD; of a
    /// modified file only the added lines). For pre-commit hooks.
    #[arg(long, conflicts_with_all = ["since", "range"])]
    pub staged: bool,

    /// Scan only the blobs introduced by commits after REV (REV..HEAD),
    /// merges included. For CI on pull requests.
    #[arg(long, value_name = "REV", conflicts_with = "range")]
    pub since: Option<String>,

    /// Scan only the blobs introduced by commits in A..B, merges included.
    #[arg(long, value_name = "A..B")]
    pub range: Option<String>,

    /// Ask each key's provider whether it is live (network; off by default).
    #[arg(long, help_heading = "Verification", long_help = VERIFY_HELP)]
    pub verify: bool,

    /// Per-request timeout of --verify (e.g. 5s, 2.5s, 800ms).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "5s",
        help_heading = "Verification"
    )]
    pub verify_timeout: String,

    /// Requests --verify keeps in flight at once.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 8,
        help_heading = "Verification"
    )]
    pub verify_concurrency: usize,

    /// Report only keys the provider confirmed live (the others are counted
    /// as suppressed and listed with -v). Needs --verify.
    #[arg(long, requires = "verify", help_heading = "Verification")]
    pub only_verified: bool,
    // --- standard input and diffs (issue 21) ---
    /// With `-` as the path: the name standard input is scanned under
    /// (causes and file-name rules use it), e.g. `--stdin-name web/.env`.
    #[arg(long, value_name = "PATH", help_heading = "Standard input")]
    pub stdin_name: Option<PathBuf>,

    /// With `-` as the path: standard input is a unified diff (`git diff`);
    /// only the lines it adds are scanned, under their own paths and new
    /// line numbers.
    #[arg(long, help_heading = "Standard input")]
    pub diff: bool,

    /// Scan the commits a push sends, from git's pre-push lines on standard
    /// input (`jikimi hook install --pre-push` sets it up).
    #[arg(long, conflicts_with_all = ["staged", "since", "range", "no_history"])]
    pub pre_push: bool,
    // --- end of standard input and diffs ---
    // --- remote repositories and organisations (issue 24; docs/org.md) ---
    /// Scan every repository of a GitHub organisation (GITHUB_TOKEN).
    #[arg(long, value_name = "ORG", help_heading = "Remote repositories", conflicts_with_all = ["github_user", "gitlab_group"])]
    pub github_org: Option<String>,
    /// Scan every repository of a GitHub user (GITHUB_TOKEN).
    #[arg(
        long,
        value_name = "USER",
        help_heading = "Remote repositories",
        conflicts_with = "gitlab_group"
    )]
    pub github_user: Option<String>,
    /// Scan every project of a GitLab group and its subgroups (GITLAB_TOKEN).
    #[arg(long, value_name = "GROUP", help_heading = "Remote repositories")]
    pub gitlab_group: Option<String>,
    /// The API of GitHub Enterprise or a self-managed GitLab
    /// [default: https://api.github.com, https://gitlab.com/api/v4].
    #[arg(long, value_name = "URL", help_heading = "Remote repositories")]
    pub api_url: Option<String>,
    /// Also scan archived repositories.
    #[arg(long, help_heading = "Remote repositories")]
    pub include_archived: bool,
    /// Also scan forks.
    #[arg(long, help_heading = "Remote repositories")]
    pub include_forks: bool,
    /// Clone the listed repositories over https (the default, with the
    /// token) or ssh (your own ssh client and keys).
    #[arg(long, value_name = "PROTOCOL", help_heading = "Remote repositories")]
    pub clone_url: Option<crate::remote::forge::CloneUrl>,
    /// Print the repositories that would be scanned (after --shard), and stop.
    #[arg(long, help_heading = "Remote repositories")]
    pub list: bool,
    /// Scan share I of N (e.g. 2/4) of the repositories, stable by name: a
    /// CI matrix of N jobs covers them once (`jikimi merge` joins the reports).
    #[arg(long, value_name = "I/N", help_heading = "Remote repositories")]
    pub shard: Option<String>,
    /// Keep the bare clones in DIR (one folder per repository) instead of
    /// deleting them.
    #[arg(long, value_name = "DIR", help_heading = "Remote repositories")]
    pub keep_clone: Option<PathBuf>,
    /// How many repositories are cloned ahead of the one being scanned.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 2,
        help_heading = "Remote repositories"
    )]
    pub clone_jobs: usize,
    // --- end of remote repositories ---
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
    /// Why wasn't it found? Run every rule's pattern over FILE and print,
    /// for each match, the stage that dropped it and why (or `reported`).
    Trace {
        /// The file to trace (read as it is: no archive or decoding stage).
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Only this rule (its id).
        #[arg(long, value_name = "ID")]
        rule: Option<String>,
        /// Folder of *.toml rule files (default: the built-in rules).
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
        /// Show the matched values in full.
        #[arg(long)]
        no_redact: bool,
    },
}
