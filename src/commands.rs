//! Subcommand dispatch: each command turns validated settings into work and
//! returns an [`ExitCode`]; nothing here exits the process.

use std::io::{IsTerminal, Write};

use anyhow::{Context, Result};

use crate::cli::{Cli, Command, ExplainArgs, RulesArgs, RulesCommand, ScanArgs};
use crate::config::ScanConfig;
use crate::exit_code::ExitCode;
use crate::matcher::Matcher;
use crate::report::{self, Report};
use crate::rules::{RuleSet, check};

/// Run a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Scan(args) => scan(&args),
        Command::Rules(args) => rules(&args),
        Command::Explain(args) => explain(&args),
    }
}

fn explain(args: &ExplainArgs) -> Result<ExitCode> {
    let rules = RuleSet::builtin().context("the built-in rules do not load")?;
    match crate::explain::explain(&args.topic, &rules) {
        Some(text) => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
            Ok(ExitCode::Clean)
        }
        None => anyhow::bail!("{}", crate::explain::unknown_topic(&args.topic, &rules)),
    }
}

fn scan(args: &ScanArgs) -> Result<ExitCode> {
    let cfg = ScanConfig::from_args(args, std::io::stdout().is_terminal())?;
    let rules = RuleSet::builtin().context("the built-in rules do not load")?;
    let matcher = Matcher::new(&rules)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.scan.threads)
        .build()
        .context("cannot start the worker threads")?;
    let out = pool.install(|| crate::scan::run(&matcher, &cfg.scan))?;
    let failing = out.findings.iter().filter(|f| f.fails_by_default()).count();
    let report = Report {
        findings: &out.findings,
        notes: &out.notes,
        skipped: &out.skipped,
        errors: &out.errors,
        stats: &out.stats,
        checklist: &out.checklist,
        rules: &rules,
        redact: cfg.redact,
        color: cfg.color,
        verbose: cfg.verbose,
        failing,
    };
    match &cfg.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create the report file {}", path.display()))?;
            let mut w = std::io::BufWriter::new(file);
            report::write(cfg.format, &report, &mut w)?;
            w.flush()
                .with_context(|| format!("cannot write the report file {}", path.display()))?;
        }
        None if !cfg.quiet => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            report::write(cfg.format, &report, &mut w)?;
            w.flush()?;
        }
        None => {}
    }
    Ok(if failing > 0 {
        ExitCode::Leaks
    } else {
        ExitCode::Clean
    })
}

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
    }
}

fn list_rules(json: bool) -> Result<ExitCode> {
    let set = RuleSet::builtin()?;
    let mut out = std::io::stdout().lock();
    if json {
        let v: Vec<serde_json::Value> = set
            .rules
            .iter()
            .map(|r| {
                let s = &r.syntax;
                serde_json::json!({
                    "id": s.id, "kind": s.kind, "title": s.title, "provider": s.provider,
                    "severity": s.severity, "confidence": s.confidence,
                    "description": s.description,
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
    } else {
        let w = set.rules.iter().map(|r| r.id().len()).max().unwrap_or(10);
        for r in &set.rules {
            let s = &r.syntax;
            writeln!(
                out,
                "{:<w$}  {:<8}  {:<6}  {:<14}  {}",
                s.id,
                s.severity.as_str(),
                s.kind.as_str(),
                s.provider,
                s.title,
            )?;
        }
        writeln!(out, "{} rules", set.len())?;
    }
    Ok(ExitCode::Clean)
}
