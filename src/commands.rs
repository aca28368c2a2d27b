//! Subcommand dispatch: each command turns validated settings into work and
//! returns an [`ExitCode`]; nothing here exits the process.

use std::io::{IsTerminal, Write};

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::baseline::{self, Baseline};
use crate::cli::{
    BaselineCommand, Cli, Command, ConfigCommand, ExplainArgs, HookCommand, RulesArgs,
    RulesCommand, ScanArgs,
};
use crate::config::ScanConfig;
use crate::exit_code::ExitCode;
use crate::findings::docker::{DOCKERIGNORE_GAP, DOCKERIGNORE_GAP_TITLE};
use crate::findings::risks::{GITIGNORE_GAP, GITIGNORE_GAP_TITLE};
use crate::hook;
use crate::matcher::Matcher;
use crate::report::{self, Format, Report};
use crate::rules::{RuleSet, check};
use crate::scan::ScanOutput;

/// Run a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Scan(args) => scan(&args),
        Command::Rules(args) => rules(&args),
        Command::Baseline(BaselineCommand::Create(args)) => baseline_create(&args),
        Command::Config(ConfigCommand::Init { output, force }) => config_init(&output, force),
        Command::Hook(cmd) => hook_cmd(&cmd),
        Command::Explain(args) => explain(&args),
        Command::Verify(args) => verify_key(&args),
        Command::Fix(args) => fix(&args),
        Command::Merge(args) => crate::merge::run(&args),
    }
}

// --- `jikimi fix` (kept in one block; the work is in src/fix/) ---

/// `jikimi fix`: scan, plan the changes, print the diff or apply them and
/// scan again.
fn fix(args: &crate::cli::FixArgs) -> Result<ExitCode> {
    use crate::fix;
    let mut root: Option<String> = None;
    let mut ids = Vec::new();
    for t in &args.targets {
        if root.is_none() && Path::new(t).is_dir() {
            root = Some(t.clone());
        } else if t.len() >= 4 && t.chars().all(|c| c.is_ascii_hexdigit()) {
            ids.push(t.to_ascii_lowercase());
        } else {
            bail!(
                "{}: neither a folder nor a finding id (ids are the hex ids `jikimi scan` prints)",
                crate::text::escape(t)
            );
        }
    }
    let mut causes = Vec::new();
    for c in &args.cause {
        let Some(cause) = crate::findings::Cause::parse(c) else {
            let all: Vec<&str> = crate::findings::Cause::ALL
                .iter()
                .map(|c| c.as_str())
                .collect();
            bail!(
                "unknown cause '{}': one of {}",
                crate::text::escape(c),
                all.join(", ")
            );
        };
        causes.push(cause);
    }
    let root = root.unwrap_or_else(|| ".".to_string());
    let mut argv = vec![
        "jikimi".to_string(),
        "scan".into(),
        root.clone(),
        "--quiet".into(),
    ];
    if let Some(c) = &args.config {
        argv.extend(["--config".into(), c.display().to_string()]);
    }
    let scan_cfg = |argv: &[String]| -> Result<ScanConfig> {
        let Ok(Cli {
            command: Command::Scan(sa),
        }) = <Cli as clap::Parser>::try_parse_from(argv)
        else {
            bail!("cannot set up the scan for {}", crate::text::escape(&root));
        };
        ScanConfig::from_args(&sa, false)
    };
    let cfg = scan_cfg(&argv)?;
    let scanned_at = std::time::SystemTime::now();
    let (out, _) = run_scan(&cfg)?;
    let scope = fix::Scope { ids, causes };
    let scoped: Vec<&crate::findings::Finding> =
        out.findings.iter().filter(|f| scope.takes(f)).collect();
    if !scope.ids.is_empty() && scoped.is_empty() {
        bail!(
            "no finding has the id(s) {} (`jikimi scan` lists them)",
            scope.ids.join(", ")
        );
    }
    let root_path = Path::new(&root);
    let plan = fix::build(root_path, &scoped, &cfg.rules);
    let mut stdout = std::io::stdout().lock();
    if !args.apply {
        // The exact patch goes to its owner-only file before anything is
        // printed: a refused FILE is an error with nothing half done.
        let patch = match &args.patch {
            Some(file) if !plan.edits.is_empty() => {
                let abs = fix::patch::target(file, root_path, args.force)?;
                let bytes = fix::patch::write(&plan, &abs)?;
                Some((abs, bytes))
            }
            _ => None,
        };
        let diff = fix::diff::render(&plan, !args.no_redact);
        // The exact patch goes to a file or pipe as is; anything a terminal
        // shows (and the redacted view) has its control characters escaped.
        let diff = if args.no_redact && !std::io::stdout().is_terminal() {
            diff
        } else {
            crate::text::escape_lines(&diff)
        };
        stdout.write_all(diff.as_bytes())?;
        stdout.flush()?;
        eprint!("{}", fix_summary(&plan, None));
        if let Some((abs, bytes)) = &patch {
            eprintln!(
                "Wrote the exact patch to {} ({bytes} bytes, owner-only; it holds the keys): `git apply {0}` makes the file edits, then delete it. Env files are untracked only by `jikimi fix --apply` (or `git rm --cached`).",
                crate::text::escape(&abs.display().to_string())
            );
        } else if args.patch.is_some() {
            eprintln!("No file to edit: no patch written.");
        }
        if !plan.edits.is_empty() || !plan.untrack.is_empty() {
            eprintln!(
                "Nothing was written{}. `jikimi fix --apply` makes these changes{}.",
                if patch.is_some() {
                    " in the repository"
                } else {
                    ""
                },
                if args.no_redact || patch.is_some() {
                    ""
                } else {
                    " (the diff above redacts keys; --patch FILE writes the one `git apply` takes)"
                }
            );
        }
        return Ok(ExitCode::Clean);
    }
    let refused = fix::apply::check(&plan, scanned_at, args.force);
    if !refused.is_empty() {
        eprintln!("jikimi: error: nothing was written:");
        for r in &refused {
            eprintln!("  {}", crate::text::escape(r));
        }
        eprintln!(
            "jikimi: run `jikimi fix` again once the files are committed (or use --force to edit files with uncommitted changes)"
        );
        return Ok(ExitCode::Error);
    }
    let applied = fix::apply::apply(&plan)?;
    write!(stdout, "{}", fix_summary(&plan, Some(&applied)))?;
    // Scan again: what is left in the working tree?
    let (after, _) = run_scan(&scan_cfg(&argv)?)?;
    let left = fix::remaining(&after.findings);
    if left.is_empty() {
        writeln!(
            stdout,
            "Scanned again: no secret is left in the working tree (history and rotation above still apply)."
        )?;
        stdout.flush()?;
        return Ok(ExitCode::Clean);
    }
    writeln!(
        stdout,
        "Scanned again: {} secret(s) are still in the working tree:",
        left.len()
    )?;
    for f in &left {
        // The rule id (a custom rule's, from the scanned folder's config)
        // and the redacted key's visible characters are data too.
        let line = format!(
            "{}:{} {} {}",
            f.path,
            f.line,
            f.rule,
            crate::text::redact(&f.secret)
        );
        writeln!(stdout, "  {}", crate::text::escape(&line))?;
    }
    stdout.flush()?;
    Ok(ExitCode::Leaks)
}

/// What `fix` did or would do, as text (escaped).
fn fix_summary(plan: &crate::fix::Plan, applied: Option<&crate::fix::apply::Applied>) -> String {
    use std::fmt::Write as _;
    let e = |s: &str| crate::text::escape(s).into_owned();
    let mut s = String::new();
    let files = plan.edits.len() + plan.untrack.len();
    let _ = match applied {
        Some(a) => writeln!(
            s,
            "jikimi fix: wrote {} file(s), untracked {}:",
            a.written.len(),
            a.untracked.len()
        ),
        None if files == 0 => writeln!(s, "jikimi fix: no file to change."),
        None => writeln!(s, "jikimi fix: {} file(s) to change:", plan.edits.len()),
    };
    for n in &plan.notes {
        let _ = writeln!(s, "  {}", e(n));
    }
    let sections: [(&str, &Vec<String>); 4] = [
        ("Not changed (do it by hand):", &plan.skipped),
        ("Still to do:", &plan.todo),
        ("History:", &plan.history),
        ("Rotate:", &plan.rotate),
    ];
    for (title, lines) in sections {
        if lines.is_empty() {
            continue;
        }
        let _ = writeln!(s, "{title}");
        for l in lines {
            let _ = writeln!(s, "  {}", e(l));
        }
    }
    if let Some(p) = applied.and_then(|a| a.replacements.as_ref()) {
        let _ = writeln!(
            s,
            "Wrote the replacements file {} (owner-only; it holds the keys).",
            e(&p.display().to_string())
        );
    }
    s
}

// --- end of `jikimi fix` ---

/// `jikimi verify`: one key from standard input (see [`crate::verify::single`]).
fn verify_key(args: &crate::cli::VerifyArgs) -> Result<ExitCode> {
    use crate::verify::{self, single};
    use std::io::Read;
    let rules = RuleSet::builtin().context("the built-in rules do not load")?;
    let timeout = verify::parse_timeout(&args.timeout).map_err(anyhow::Error::msg)?;
    let settings = verify::Settings::new(timeout, 4, args.verbose, &rules, std::env::vars())
        .map_err(anyhow::Error::msg)?;
    let mut raw = Vec::new();
    std::io::stdin()
        .take(single::MAX_INPUT + 1)
        .read_to_end(&mut raw)
        .context("cannot read the key from standard input")?;
    if raw.len() as u64 > single::MAX_INPUT {
        bail!(
            "standard input is larger than {} KiB: give the key (and its pair), not a file; `jikimi scan --verify` scans files",
            single::MAX_INPUT >> 10
        );
    }
    let Ok(input) = String::from_utf8(raw) else {
        bail!("standard input is not UTF-8 text: give the key as text");
    };
    let (text, code) = single::run(&rules, &input, args.rule.as_deref(), &settings, args.json)
        .map_err(anyhow::Error::msg)?;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(code)
}

fn explain(args: &ExplainArgs) -> Result<ExitCode> {
    let rules = RuleSet::builtin().context("the built-in rules do not load")?;
    match crate::explain::explain(&args.topic, &rules) {
        Some(text) => {
            let text = crate::report::layout::wrap_block(&text, crate::report::layout::width());
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
            Ok(ExitCode::Clean)
        }
        None if crate::explain::looks_like_id(&args.topic) => explain_finding(args),
        None => anyhow::bail!("{}", crate::explain::unknown_topic(&args.topic, &rules)),
    }
}

/// `jikimi explain ID [PATH]`: scan PATH as `jikimi scan PATH` would (its
/// config included) and explain the finding whose id starts with ID.
fn explain_finding(args: &ExplainArgs) -> Result<ExitCode> {
    use clap::Parser;
    let path = args.path.clone().unwrap_or_else(|| ".".into());
    let mut argv: Vec<std::ffi::OsString> = vec!["jikimi".into(), "scan".into(), "--quiet".into()];
    argv.push(path.clone().into_os_string());
    let Command::Scan(scan_args) = Cli::try_parse_from(argv)?.command else {
        anyhow::bail!("internal error: `scan` did not parse as a scan");
    };
    let mut cfg = ScanConfig::from_args(&scan_args, false)?;
    cfg.scan.print_errors = false;
    cfg.scan.progress = false;
    let (mut out, _) = run_scan(&cfg)?;
    report::escape_for_text(&mut out, &mut Vec::new());
    let id = args.topic.trim().to_ascii_lowercase();
    let hits: Vec<&crate::findings::Finding> = out
        .findings
        .iter()
        .filter(|f| f.id.starts_with(&id))
        .collect();
    match hits.as_slice() {
        [] => anyhow::bail!(
            "no finding with id {} in a scan of {} (give the folder the report was made of: `jikimi explain {} PATH`; ids of suppressed findings are not listed)",
            args.topic.trim(),
            path.display(),
            args.topic.trim()
        ),
        [f] => {
            let text = crate::explain::explain_finding(f, !scan_args.no_redact);
            let text = crate::report::layout::wrap_block(&text, crate::report::layout::width());
            let mut o = std::io::stdout().lock();
            o.write_all(text.as_bytes())?;
            o.flush()?;
            Ok(ExitCode::Clean)
        }
        many => anyhow::bail!(
            "{} findings have ids starting with {}: give more digits ({})",
            many.len(),
            args.topic.trim(),
            many.iter()
                .map(|f| crate::text::head(&f.id, 12))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Scan as `cfg` says: the matcher over the enabled rules, then the
/// baseline. Returns the output and the stale baseline entries.
fn run_scan(cfg: &ScanConfig) -> Result<(ScanOutput, Vec<baseline::Entry>)> {
    let (matcher, pool) = engine(cfg)?;
    run_scan_with(cfg, &matcher, &pool)
}

/// The matcher and worker threads for `cfg`, to scan several roots with
/// (an organisation's repositories) without building them again.
pub(crate) fn engine(cfg: &ScanConfig) -> Result<(Matcher<'_>, rayon::ThreadPool)> {
    let matcher = Matcher::with_enabled(&cfg.rules, cfg.enabled.clone())?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.scan.threads)
        .build()
        .context("cannot start the worker threads")?;
    Ok((matcher, pool))
}

fn run_scan_with(
    cfg: &ScanConfig,
    matcher: &Matcher<'_>,
    pool: &rayon::ThreadPool,
) -> Result<(ScanOutput, Vec<baseline::Entry>)> {
    let mut out = pool.install(|| crate::scan::run(matcher, &cfg.scan))?;
    let mut unused = Vec::new();
    if let Some(b) = &cfg.baseline {
        let (kept, held, used) = b.apply(std::mem::take(&mut out.findings));
        out.findings = kept;
        out.suppressed.extend(held);
        out.suppressed.sort();
        out.stats.suppressed = out.suppressed.len() as u64;
        // The checklist speaks of what is reported.
        out.checklist = crate::checklist::build(&out.findings, &out.suppressed, &out.evidence);
        if cfg.report_unused {
            unused = b.unused(&used);
        }
    }
    Ok((out, unused))
}

fn scan(args: &ScanArgs) -> Result<ExitCode> {
    if crate::remote::wanted(args) {
        return crate::remote::run(args);
    }
    crate::remote::check_local(args)?;
    let cfg = ScanConfig::from_args(args, std::io::stdout().is_terminal())?;
    let (failing, strict_failed) = match &cfg.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create the report file {}", path.display()))?;
            let mut w = std::io::BufWriter::new(file);
            let r = scan_report(&cfg, cfg.format, &mut w)?;
            w.flush()
                .with_context(|| format!("cannot write the report file {}", path.display()))?;
            r
        }
        None if !cfg.quiet => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            let r = scan_report(&cfg, cfg.format, &mut w)?;
            w.flush()?;
            r
        }
        None => scan_report(&cfg, cfg.format, &mut std::io::sink())?,
    };
    if strict_failed && failing == 0 {
        return Ok(ExitCode::Error);
    }
    Ok(if failing > 0 {
        ExitCode::Leaks
    } else {
        ExitCode::Clean
    })
}

/// Scan as `cfg` says and write the report in `format` to `w`: the number
/// of failing findings, and whether `--strict` fails the scan.
pub(crate) fn scan_report(
    cfg: &ScanConfig,
    format: Format,
    w: &mut dyn Write,
) -> Result<(usize, bool)> {
    let (matcher, pool) = engine(cfg)?;
    scan_report_with(cfg, &matcher, &pool, format, w)
}

/// [`scan_report`] with a matcher and threads built by [`engine`].
pub(crate) fn scan_report_with(
    cfg: &ScanConfig,
    matcher: &Matcher<'_>,
    pool: &rayon::ThreadPool,
    format: Format,
    w: &mut dyn Write,
) -> Result<(usize, bool)> {
    let rules = &cfg.rules;
    let (mut out, unused) = run_scan_with(cfg, matcher, pool)?;
    if let Some(settings) = &cfg.verify {
        verify(cfg, settings, &mut out);
    }
    let failing = out.findings.iter().filter(|f| cfg.policy.fails(f)).count();
    if let Some(log) = &cfg.scan.drops {
        log.add_suppressed(&out.suppressed);
    }
    let mut unused = unused;
    // (GitHub annotations escape newlines their own way, `%0A`.)
    if matches!(format, Format::Human | Format::Compact | Format::Junit) {
        report::escape_for_text(&mut out, &mut unused);
    }
    let report = Report {
        findings: &out.findings,
        notes: &out.notes,
        skipped: &out.skipped,
        errors: &out.errors,
        stats: &out.stats,
        checklist: &out.checklist,
        rules,
        redact: cfg.redact,
        color: cfg.color,
        verbose: cfg.verbose,
        failing,
        suppressed: &out.suppressed,
        baseline_unused: &unused,
        policy: cfg.policy,
    };
    report::write(format, &report, w)?;
    if let Some(log) = &cfg.scan.drops {
        w.flush()?;
        log.print(&mut std::io::stderr().lock())?;
    }
    Ok((failing, cfg.strict && strict_failure(&out)))
}

/// `--strict`: say on stderr what could not be scanned in full (read
/// errors, skipped files other than binary ones, cut budgets), naming the
/// first few; whether there was any.
fn strict_failure(out: &ScanOutput) -> bool {
    let mut missed: Vec<String> = out.errors.clone();
    missed.extend(
        out.skipped
            .iter()
            .filter(|s| s.reason != crate::collector::BINARY_FILE)
            .map(|s| format!("{}: {}", s.path, s.reason)),
    );
    if missed.is_empty() {
        return false;
    }
    const SHOWN: usize = 5;
    let more = missed.len().saturating_sub(SHOWN);
    eprintln!(
        "jikimi: error: --strict: {} item(s) could not be scanned in full, so the scan fails:",
        missed.len()
    );
    for m in missed.iter().take(SHOWN) {
        eprintln!("  {}", crate::text::escape(m));
    }
    if more > 0 {
        eprintln!("  ... and {more} more (jikimi scan -v lists them)");
    }
    eprintln!(
        "jikimi: fix what the messages say (e.g. raise --max-file-size), exclude the paths in jikimi.toml, or drop --strict"
    );
    true
}

/// `--verify`: ask the providers, record the answers on the findings, then
/// apply `--only-verified`. Verification adds a status; it never adds or
/// removes a finding by itself.
fn verify(cfg: &ScanConfig, settings: &crate::verify::Settings, out: &mut ScanOutput) {
    for id in &cfg.untrusted_verify {
        let id = crate::text::escape_controls(id);
        eprintln!(
            "jikimi: rule '{id}': its [rule.verify] is ignored: verification is only read from the built-in rules or a config named with --config, never from the scanned folder's jikimi.toml"
        );
    }
    let summary = crate::verify::run(&mut out.findings, &cfg.rules, settings);
    if settings.verbose {
        eprintln!(
            "jikimi: verify: {} request(s); {} live, {} invalid, {} unknown, {} error",
            summary.requests, summary.live, summary.invalid, summary.unknown, summary.error
        );
    }
    if cfg.only_verified {
        let (live, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut out.findings)
            .into_iter()
            .partition(|f| f.verify.is_live());
        out.findings = live;
        out.suppressed.extend(rest.iter().map(|f| {
            crate::findings::suppress::Suppressed {
                path: f.path.clone(),
                line: f.line,
                rule: f.rule.clone(),
                reason: crate::findings::suppress::Reason::NotVerified,
                by: f
                    .verify
                    .status()
                    .map_or("not checked (not a key)", |s| s.as_str())
                    .to_string(),
                causes: f.causes.clone(),
                kind: f.kind,
            }
        }));
        out.suppressed.sort();
        out.stats.suppressed = out.suppressed.len() as u64;
        out.checklist = crate::checklist::build(&out.findings, &out.suppressed, &out.evidence);
    }
}

/// `jikimi baseline create`: scan, and write the findings' keys.
fn baseline_create(args: &ScanArgs) -> Result<ExitCode> {
    if args.format != Format::Human {
        bail!(
            "baseline create writes a JSON baseline; --format does not apply (use --output FILE for its path)"
        );
    }
    if args.verify {
        bail!("baseline create records findings; it does not verify keys (drop --verify)");
    }
    let cfg = ScanConfig::from_args(args, false)?;
    let path = args
        .output
        .clone()
        .unwrap_or_else(|| baseline::DEFAULT_FILE.into());
    let (out, _) = run_scan(&cfg)?;
    let entries = Baseline::entries_for(&out.findings);
    Baseline::write(&path, &entries)?;
    if !args.quiet {
        println!(
            "jikimi: wrote {} entr{} to {} ({} suppressed finding(s) not included). Use it with `jikimi scan --baseline {}`.",
            entries.len(),
            if entries.len() == 1 { "y" } else { "ies" },
            shown(&path),
            out.suppressed.len(),
            shown(&path)
        );
    }
    Ok(ExitCode::Clean)
}

/// `jikimi config init`: write the commented starter config.
fn config_init(output: &Path, force: bool) -> Result<ExitCode> {
    if output.exists() && !force {
        bail!(
            "{} already exists (use --force to overwrite it)",
            output.display()
        );
    }
    std::fs::write(output, crate::config_file::STARTER)
        .with_context(|| format!("cannot write {}", output.display()))?;
    println!(
        "jikimi: wrote {}; edit it, then run `jikimi scan`",
        shown(output)
    );
    Ok(ExitCode::Clean)
}

fn hook_cmd(cmd: &HookCommand) -> Result<ExitCode> {
    match cmd {
        HookCommand::Agent { agent } => return hook_agent(*agent),
        HookCommand::Install {
            path,
            force,
            pre_push: true,
        } => return hook_push(path, Some(*force)),
        HookCommand::Uninstall {
            path,
            pre_push: true,
        } => return hook_push(path, None),
        HookCommand::Install { path, force, .. } => {
            match hook::install(path, *force)? {
                hook::Installed::New(p) => {
                    println!("jikimi: installed the pre-commit hook at {}", shown(&p))
                }
                hook::Installed::Updated(p) => {
                    println!("jikimi: updated the pre-commit hook at {}", shown(&p))
                }
                hook::Installed::Replaced(p, b) => println!(
                    "jikimi: installed the pre-commit hook at {} (the previous hook is kept at {})",
                    shown(&p),
                    shown(&b)
                ),
            }
            println!(
                "Every commit is now scanned (`jikimi scan --staged`); bypass knowingly with `git commit --no-verify`."
            );
        }
        HookCommand::Uninstall { path, .. } => match hook::uninstall(path)? {
            hook::Uninstalled::Removed(p) => {
                println!("jikimi: removed the pre-commit hook {}", shown(&p))
            }
            hook::Uninstalled::Restored(p) => println!(
                "jikimi: removed jikimi's pre-commit hook and restored the previous one at {}",
                shown(&p)
            ),
            hook::Uninstalled::NotInstalled(p) => {
                println!("jikimi: no pre-commit hook at {}; nothing to do", shown(&p))
            }
        },
    }
    Ok(ExitCode::Clean)
}

// --- issue 21: the pre-push and agent hooks ---

/// `hook install --pre-push` (`force` given) and `hook uninstall --pre-push`.
fn hook_push(path: &Path, force: Option<bool>) -> Result<ExitCode> {
    let Some(force) = force else {
        match hook::uninstall_kind(path, hook::Kind::PrePush)? {
            hook::Uninstalled::Removed(p) => {
                println!("jikimi: removed the pre-push hook {}", shown(&p))
            }
            hook::Uninstalled::Restored(p) => println!(
                "jikimi: removed jikimi's pre-push hook and restored the previous one at {}",
                shown(&p)
            ),
            hook::Uninstalled::NotInstalled(p) => {
                println!("jikimi: no pre-push hook at {}; nothing to do", shown(&p))
            }
        }
        return Ok(ExitCode::Clean);
    };
    let (verb, p, kept) = match hook::install_kind(path, force, hook::Kind::PrePush)? {
        hook::Installed::New(p) => ("installed", p, None),
        hook::Installed::Updated(p) => ("updated", p, None),
        hook::Installed::Replaced(p, b) => ("installed", p, Some(b)),
    };
    print!("jikimi: {verb} the pre-push hook at {}", shown(&p));
    match kept {
        Some(b) => println!(" (the previous hook is kept at {})", shown(&b)),
        None => println!(),
    }
    println!(
        "Every push is now scanned (the commits it sends); bypass knowingly with `git push --no-verify`."
    );
    Ok(ExitCode::Clean)
}

/// `jikimi hook agent`: answer an AI agent's pre-tool-call request.
fn hook_agent(forced: Option<hook::agent::Agent>) -> Result<ExitCode> {
    let (bytes, _) =
        crate::input::stdin::read_bounded(&mut std::io::stdin().lock(), hook::agent::MAX_REQUEST)?;
    let req = hook::agent::parse(&bytes, forced)?;
    let rules = RuleSet::builtin()?;
    let found = hook::agent::scan(&req, &rules)?;
    let answer = hook::agent::answer(req.agent, found);
    if let Some(out) = &answer.stdout {
        println!("{out}");
        eprintln!("{}", hook::agent::reason(&answer.blocked));
    }
    Ok(ExitCode::Clean)
}

// --- end of issue 21 hooks ---

fn rules(args: &RulesArgs) -> Result<ExitCode> {
    match &args.command {
        None => list_rules(args.json),
        Some(RulesCommand::List { json }) => list_rules(*json || args.json),
        Some(RulesCommand::Check { dir }) => {
            let set = match dir {
                Some(d) => RuleSet::from_dir(d)?,
                None => RuleSet::builtin()?,
            };
            let problems = check::check(&set);
            let mut out = std::io::stdout().lock();
            for p in &problems {
                writeln!(out, "{p}")?;
            }
            if problems.is_empty() {
                writeln!(out, "{} rules OK", set.len())?;
                Ok(ExitCode::Clean)
            } else {
                writeln!(out, "{} problem(s) in {} rules", problems.len(), set.len())?;
                Ok(ExitCode::Leaks)
            }
        }
        Some(RulesCommand::Trace {
            file,
            rule,
            rules,
            no_redact,
        }) => trace_file(file, rule.as_deref(), rules.as_deref(), *no_redact),
    }
}

/// Files bigger than this are refused by `rules trace` (it runs every
/// rule's regex over the whole file).
const TRACE_MAX: u64 = 64 << 20;

fn trace_file(
    file: &std::path::Path,
    only: Option<&str>,
    dir: Option<&std::path::Path>,
    no_redact: bool,
) -> Result<ExitCode> {
    use crate::rules::trace::{Verdict, trace};
    use crate::text::{escape, escape_controls, redact};
    let shown = escape(&file.display().to_string()).into_owned();
    let set = match dir {
        Some(d) => RuleSet::from_dir(d)?,
        None => RuleSet::builtin()?,
    };
    if let Some(id) = only
        && set.get(id).is_none()
    {
        anyhow::bail!(
            "no rule `{}`: `jikimi rules list` shows the ids",
            escape_controls(id)
        );
    }
    let meta = std::fs::metadata(file).map_err(|e| anyhow::anyhow!("cannot read {shown}: {e}"))?;
    if meta.len() > TRACE_MAX {
        anyhow::bail!(
            "{shown} is over {} MiB: trace the part that holds the value (e.g. `head -c` or `grep` it into a smaller file)",
            TRACE_MAX >> 20
        );
    }
    let hay = std::fs::read(file).map_err(|e| anyhow::anyhow!("cannot read {shown}: {e}"))?;
    let candidates = trace(&set, &hay)?;
    let mut out = std::io::stdout().lock();
    let (mut line, mut line_start, mut pos) = (1usize, 0usize, 0usize);
    let (mut reported, mut dropped) = (0usize, 0usize);
    for c in &candidates {
        let rule = &set.rules[c.rule];
        if only.is_some_and(|id| id != rule.id()) {
            continue;
        }
        for (i, &b) in hay[pos..c.secret_start].iter().enumerate() {
            if b == b'\n' {
                line += 1;
                line_start = pos + i + 1;
            }
        }
        pos = c.secret_start;
        let col = String::from_utf8_lossy(&hay[line_start..c.secret_start])
            .chars()
            .count()
            + 1;
        let value = String::from_utf8_lossy(&hay[c.secret_start..c.secret_end]);
        let value = if no_redact {
            value.into_owned()
        } else {
            redact(&value)
        };
        let value = escape_controls(&value);
        match &c.verdict {
            Verdict::Reported => {
                reported += 1;
                writeln!(
                    out,
                    "{shown}:{line}:{col}  {}  reported  {value}",
                    rule.id()
                )?;
            }
            Verdict::Dropped { stage, reason } => {
                dropped += 1;
                writeln!(
                    out,
                    "{shown}:{line}:{col}  {}  dropped at {stage}: {}  {value}",
                    rule.id(),
                    escape_controls(reason)
                )?;
            }
        }
    }
    writeln!(
        out,
        "{} candidate(s): {reported} reported, {dropped} dropped",
        reported + dropped
    )?;
    Ok(ExitCode::Clean)
}

fn list_rules(json: bool) -> Result<ExitCode> {
    let set = RuleSet::builtin()?;
    let mut out = std::io::stdout().lock();
    // By family (risk rules last, as they are not credentials), then id.
    let mut rules: Vec<&crate::rules::Rule> = set.rules.iter().collect();
    rules.sort_by(|a, b| {
        (a.syntax.kind, &a.family, a.id()).cmp(&(b.syntax.kind, &b.family, b.id()))
    });
    if json {
        let mut v: Vec<serde_json::Value> = rules
            .iter()
            .map(|r| {
                let s = &r.syntax;
                serde_json::json!({
                    "id": s.id, "family": r.family, "kind": s.kind, "title": s.title,
                    "provider": s.provider, "severity": s.severity,
                    "confidence": s.confidence, "description": s.description,
                    "rotate_url": s.rotate_url,
                    "verify": s.verify.as_ref().map(|v| &v.provider),
                })
            })
            .collect();
        v.push(serde_json::json!({
            "id": GITIGNORE_GAP, "family": "risk", "kind": "risk",
            "title": GITIGNORE_GAP_TITLE, "provider": "Architecture",
            "severity": "high", "confidence": "high",
            "description": crate::findings::risks::risk_why(GITIGNORE_GAP),
            "rotate_url": null,
        }));
        v.push(serde_json::json!({
            "id": DOCKERIGNORE_GAP, "family": "risk", "kind": "risk",
            "title": DOCKERIGNORE_GAP_TITLE, "provider": "Architecture",
            "severity": "high", "confidence": "high",
            "description": crate::findings::risks::risk_why(DOCKERIGNORE_GAP),
            "rotate_url": null,
        }));
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
        return Ok(ExitCode::Clean);
    }
    let width = crate::report::layout::width();
    // (family, [(id, severity, title)])
    type Row<'a> = (&'a str, &'a str, &'a str);
    let mut families: Vec<(String, Vec<Row>)> = Vec::new();
    for r in &rules {
        let s = &r.syntax;
        let row = (s.id.as_str(), s.severity.as_str(), s.title.as_str());
        match families.iter_mut().find(|(f, _)| *f == r.family) {
            Some((_, list)) => list.push(row),
            None => families.push((r.family.clone(), vec![row])),
        }
    }
    // gitignore-gap and dockerignore-gap are computed from the tree, not
    // matched by a rule.
    for gap in [
        (GITIGNORE_GAP, "high", GITIGNORE_GAP_TITLE),
        (DOCKERIGNORE_GAP, "high", DOCKERIGNORE_GAP_TITLE),
    ] {
        match families.iter_mut().find(|(f, _)| f == "risk") {
            Some((_, list)) => list.push(gap),
            None => families.push(("risk".into(), vec![gap])),
        }
    }
    let total: usize = families.iter().map(|(_, l)| l.len()).sum();
    let idw = families
        .iter()
        .flat_map(|(_, l)| l.iter().map(|r| r.0.len()))
        .max()
        .unwrap_or(10);
    writeln!(
        out,
        "jikimi: {total} built-in rules in {} families (`jikimi explain ID` explains one)",
        families.len()
    )?;
    writeln!(out, "  {:<idw$}  {:<8}  TITLE", "RULE ID", "SEVERITY")?;
    for (family, list) in &families {
        writeln!(out)?;
        writeln!(
            out,
            "{family} ({} rule{})",
            list.len(),
            if list.len() == 1 { "" } else { "s" }
        )?;
        for (id, sev, title) in list {
            let lead = format!("  {id:<idw$}  {sev:<8}  ");
            let col = lead.len();
            writeln!(
                out,
                "{lead}{}",
                crate::report::layout::wrap(title, col, col, width)
            )?;
        }
    }
    Ok(ExitCode::Clean)
}

/// A path as printed to the terminal: escaped (a hooks path from a
/// repository's config, a name with a newline, cannot drive the terminal).
fn shown(p: &Path) -> String {
    crate::text::escape_controls(&p.display().to_string()).into_owned()
}
