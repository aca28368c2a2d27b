//! Validated settings: the CLI's raw arguments and the project's
//! `jikimi.toml` turned into what the scan needs, with every check (sizes,
//! thread counts, config file, baseline) done once, before anything is
//! scanned. The fail policy ([`FailPolicy`]) lives here too: the one place
//! that decides whether a finding makes the exit code 1.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};

use crate::baseline::Baseline;
use crate::cli::ScanArgs;
use crate::config_file::{self, ArchiveLimits, ProjectConfig};
use crate::input::archive;
use crate::input::history::Scope;
use crate::rules::{Rule, RuleSet};
use crate::scan::{Mode, ScanOptions};
use crate::vocab::Format;

pub use crate::findings::policy::FailPolicy;
pub use crate::vocab::FailOn;

/// Everything `jikimi scan` runs with.
#[derive(Debug)]
pub struct ScanConfig {
    pub scan: ScanOptions,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub redact: bool,
    pub color: bool,
    pub quiet: bool,
    pub verbose: bool,
    /// Built-in rules plus the config file's custom rules.
    pub rules: Arc<RuleSet>,
    /// Per rule in `rules`: not disabled by the config file.
    pub enabled: Vec<bool>,
    pub policy: FailPolicy,
    /// The config file in force, if any.
    pub config_path: Option<PathBuf>,
    pub archives: ArchiveLimits,
    /// `--baseline FILE`, loaded.
    pub baseline: Option<Baseline>,
    /// `--report-unused`: list baseline entries no finding matched.
    pub report_unused: bool,
    /// `--verify`: how to check keys with their providers (`None`: never;
    /// no network request is made at all).
    pub verify: Option<crate::verify::Settings>,
    /// `--only-verified`: report only keys found live.
    pub only_verified: bool,
    /// Custom rules whose `[rule.verify]` was dropped because the config
    /// file was found in the scanned folder rather than named with
    /// `--config` (ids).
    pub untrusted_verify: Vec<String>,
    /// `--strict`: a scan that could not read everything in full fails.
    pub strict: bool,
}

/// The config file for a scan: `--config FILE`, else `jikimi.toml` in the
/// one scanned directory (or, when several paths or a file are scanned, in
/// the current directory), unless `--no-config`.
fn find_config(args: &ScanArgs) -> Option<PathBuf> {
    if args.no_config {
        return None;
    }
    if let Some(p) = &args.config {
        return Some(p.clone());
    }
    // An audit reads no config the scanned repository brings.
    if args.audit {
        return None;
    }
    let p = match args.paths.as_slice() {
        [one] if one.is_dir() && one != Path::new(".") => one.join(config_file::FILE_NAME),
        _ => PathBuf::from(config_file::FILE_NAME),
    };
    p.is_file().then_some(p)
}

/// `--audit`: a config or baseline file given on the command line must not
/// come from the code being audited (it could allowlist anything).
fn audit_check(args: &ScanArgs) -> Result<()> {
    let roots: Vec<PathBuf> = args
        .paths
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .filter(|p| p.is_dir())
        .collect();
    let inside = |file: &Path| {
        file.canonicalize()
            .ok()
            .is_some_and(|f| roots.iter().any(|r| f.starts_with(r)))
    };
    for (flag, file) in [("--config", &args.config), ("--baseline", &args.baseline)] {
        if let Some(f) = file
            && inside(f)
        {
            bail!(
                "--audit: {flag} {} lies inside the scanned code, which an audit does not trust; give a file from outside it, or drop {flag}",
                f.display()
            );
        }
    }
    Ok(())
}

/// The config file's path relative to each scanned folder that holds it.
/// The file is not scanned: its custom rules' examples would be reported,
/// and its allowlisted values are allowlisted anyway.
fn config_rel_paths(config: &Path, roots: &[PathBuf]) -> Vec<String> {
    let Ok(abs) = config.canonicalize() else {
        return Vec::new();
    };
    roots
        .iter()
        .filter_map(|r| r.canonicalize().ok())
        .filter_map(|r| {
            abs.strip_prefix(&r)
                .ok()
                .map(crate::input::gitinfo::to_slash)
        })
        .filter(|rel| !rel.is_empty())
        .collect()
}

/// Load the config file (if any) and build the rule set it asks for. Its
/// custom rules' `[rule.verify]` specs are dropped: see
/// [`load_project_trusting`].
pub fn load_project(config: Option<&Path>) -> Result<Project> {
    load_project_trusting(config, false).map(|(p, _)| p)
}

/// The rule set (built-in plus custom rules), which rules are enabled, and
/// the config file itself.
pub type Project = (Arc<RuleSet>, Vec<bool>, Option<ProjectConfig>);

/// [`load_project`], keeping the custom rules' verification specs only when
/// `trust_verify` (the user named the file with `--config`): a scanned
/// repository's own jikimi.toml must never decide where a key is sent.
/// Also returns the ids of the rules whose spec was dropped.
pub fn load_project_trusting(
    config: Option<&Path>,
    trust_verify: bool,
) -> Result<(Project, Vec<String>)> {
    let mut rules = RuleSet::builtin().context("the built-in rules do not load")?;
    let project = match config {
        Some(p) => Some(config_file::load(p, &rules)?),
        None => None,
    };
    let mut dropped = Vec::new();
    if let Some(pc) = &project {
        let source = pc.path.display().to_string();
        for r in &pc.rules {
            let mut r = r.clone();
            if !trust_verify && r.verify.take().is_some() {
                dropped.push(r.id.clone());
            }
            rules.rules.push(Rule::new(r, source.clone()));
        }
    }
    let enabled = rules
        .rules
        .iter()
        .map(|r| {
            project
                .as_ref()
                .is_none_or(|pc| !pc.disable.iter().any(|d| d == r.id()))
        })
        .collect::<Vec<bool>>();
    let rules = Arc::new(rules);
    crate::findings::set_active_rules(&rules, enabled.clone());
    Ok(((rules, enabled, project), dropped))
}

pub use crate::config_file::parse_size;

impl ScanConfig {
    /// Validate `args`. `stdout_is_terminal` decides colors by default.
    pub fn from_args(args: &ScanArgs, stdout_is_terminal: bool) -> Result<ScanConfig> {
        if args.report_unused && args.baseline.is_none() {
            bail!("--report-unused needs --baseline FILE (the baseline whose entries to check)");
        }
        let threads = match args.threads {
            Some(0) => bail!("--threads must be at least 1"),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(2, |n| n.get()),
        };
        let max_file_size = parse_size(&args.max_file_size)?;
        if max_file_size == 0 {
            bail!("--max-file-size must be more than 0");
        }
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = !args.no_color
            && !no_color_env
            && args.output.is_none()
            && args.format == Format::Human
            && stdout_is_terminal;
        if args.audit {
            audit_check(args)?;
        }
        let config_path = find_config(args);
        let ((rules, enabled, project), untrusted_verify) =
            load_project_trusting(config_path.as_deref(), args.config.is_some())?;
        let baseline = match &args.baseline {
            Some(p) => Some(Baseline::load(p)?),
            None => None,
        };
        let policy = FailPolicy {
            fail_on: args
                .fail_on
                .or(project.as_ref().and_then(|p| p.fail_on))
                .unwrap_or_default(),
            min_severity: args
                .min_severity
                .or(project.as_ref().and_then(|p| p.min_severity)),
        };
        if policy.fail_on == FailOn::Live && !args.verify {
            bail!(
                "fail_on live needs --verify: without it no key is checked, so none is known to be live"
            );
        }
        let verify = if args.verify {
            let timeout =
                crate::verify::parse_timeout(&args.verify_timeout).map_err(anyhow::Error::msg)?;
            let env = std::env::vars_os().filter_map(|(k, v)| {
                Some((k.into_string().ok()?, v.into_string().unwrap_or_default()))
            });
            Some(
                crate::verify::Settings::new(
                    timeout,
                    args.verify_concurrency,
                    args.verbose,
                    &rules,
                    env,
                )
                .map_err(anyhow::Error::msg)?,
            )
        } else {
            None
        };
        let (mut filters, archives) = match project {
            Some(p) => (p.filters, p.archives),
            None => Default::default(),
        };
        if let Some(c) = &config_path {
            filters.own_files = config_rel_paths(c, &args.paths);
        }
        if args.audit {
            filters.inline = false;
            filters.audit = true;
        }
        let limits = archive_limits(args, &archives, max_file_size)?;
        let scope = match (&args.since, &args.range) {
            (Some(rev), _) if rev.trim().is_empty() => bail!("--since needs a revision"),
            (Some(rev), _) => Scope::Since(rev.clone()),
            (None, Some(r)) => Scope::Range(r.clone()),
            (None, None) if args.pre_push => {
                let (text, _) =
                    crate::input::stdin::read_bounded(&mut std::io::stdin().lock(), 1 << 20)?;
                Scope::Push(crate::hook::prepush::parse(&String::from_utf8_lossy(
                    &text,
                ))?)
            }
            (None, None) => Scope::Full,
        };
        let piped = args.paths.len() == 1 && args.paths[0] == Path::new("-");
        if (args.diff || args.stdin_name.is_some()) && !piped {
            bail!(
                "--diff and --stdin-name read standard input: give `-` as the only path (e.g. `git diff | jikimi scan --diff -`)"
            );
        }
        if piped && (args.staged || args.history_only || scope != Scope::Full) {
            bail!(
                "`-` scans standard input: it cannot be combined with --staged, --history-only, --since or --range"
            );
        }
        let mode = if piped && args.diff {
            Mode::Diff
        } else if piped {
            Mode::Stdin
        } else if args.staged {
            Mode::Staged
        } else if args.no_history {
            Mode::TreeOnly
        } else if args.history_only || scope != Scope::Full {
            Mode::HistoryOnly
        } else {
            Mode::TreeAndHistory
        };
        let progress = !args.quiet && std::io::stderr().is_terminal();
        Ok(ScanConfig {
            scan: ScanOptions {
                paths: match (&mode, &args.stdin_name) {
                    (Mode::Stdin, Some(name)) => vec![name.clone()],
                    (Mode::Stdin, None) => vec![crate::input::stdin::DEFAULT_NAME.into()],
                    _ => args.paths.clone(),
                },
                threads,
                max_file_size,
                include_deps: args.include_deps,
                follow_links: args.follow,
                print_errors: true,
                archives: limits,
                binaries: !args.no_binaries,
                filters: Arc::new(filters),
                drops: args
                    .explain_drops
                    .then(|| Arc::new(crate::drops::DropLog::new(!args.no_redact))),
                mode,
                scope,
                progress,
                skip_dirs: Vec::new(),
            },
            format: args.format,
            output: args.output.clone(),
            redact: !args.no_redact,
            color,
            quiet: args.quiet,
            verbose: args.verbose,
            rules,
            enabled,
            policy,
            config_path,
            archives,
            baseline,
            report_unused: args.report_unused,
            verify,
            only_verified: args.only_verified,
            untrusted_verify,
            strict: args.strict,
        })
    }
}

/// The archive input's limits: a flag wins, then `[archives]` in
/// jikimi.toml, then the built-in default. A depth of 0 opens no archive.
fn archive_limits(
    args: &ScanArgs,
    file: &ArchiveLimits,
    max_file_size: u64,
) -> Result<archive::ArchiveLimits> {
    let d = archive::ArchiveLimits::default();
    let size = |flag: &Option<String>, from_file: Option<u64>, default: u64, name: &str| {
        let n = match flag {
            Some(s) => parse_size(s)?,
            None => from_file.unwrap_or(default),
        };
        if n == 0 {
            bail!("{name} must be more than 0");
        }
        Ok(n)
    };
    let max_depth = args
        .archive_depth
        .or(file.max_depth.map(|n| n as usize))
        .unwrap_or(d.max_depth);
    // Deeper nesting is refused rather than clamped: a depth that was asked
    // for and silently not honoured would hide what lies below it.
    if max_depth > archive::MAX_DEPTH {
        bail!(
            "--archive-depth {max_depth} is more than {}, the deepest jikimi opens archives (each level holds its archive in memory)",
            archive::MAX_DEPTH
        );
    }
    // A config file that turns archives off says so: a scanned
    // repository's jikimi.toml must not hide its packages silently.
    if args.archive_depth.is_none() && file.max_depth == Some(0) && !args.no_archives {
        eprintln!(
            "jikimi: warning: jikimi.toml sets [archives] max_depth = 0: archives and app packages are not opened (--archive-depth N overrides it)"
        );
    }
    let max_ratio = args.archive_max_ratio.unwrap_or(d.max_ratio);
    let max_members = args.archive_max_members.unwrap_or(d.max_members);
    if max_ratio == 0 || max_members == 0 {
        bail!("--archive-max-ratio and --archive-max-members must be at least 1");
    }
    Ok(archive::ArchiveLimits {
        enabled: !args.no_archives && max_depth > 0,
        max_depth,
        max_bytes: size(
            &args.archive_max_bytes,
            file.max_size,
            d.max_bytes,
            "--archive-max-bytes",
        )?,
        max_ratio,
        max_members,
        max_total: size(
            &args.archive_max_total,
            None,
            d.max_total,
            "--archive-max-total",
        )?,
        max_member_size: max_file_size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("16M").unwrap(), 16 << 20);
        assert_eq!(parse_size("512k").unwrap(), 512 << 10);
        assert_eq!(parse_size("1000").unwrap(), 1000);
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5X").is_err());
    }
}
