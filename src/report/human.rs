//! The human report, laid out to be acted on:
//!
//! 1. **Do this first**: the guide's advice in the guide's order. The keys
//!    to rotate now (provider, redacted key, where, and the provider's page
//!    to rotate it), then the architecture changes: move these calls behind
//!    your server, drop these public prefixes, untrack these `.env` files
//!    and fix `.gitignore`, purge history after rotating. The risk findings
//!    these steps resolve are cited there, by id.
//! 2. **Per file**, most severe first: each finding with its short id (the
//!    one the checklist cites), where it sits, the line (redacted, cut at
//!    token boundaries), why it leaked and its causes, and only the fix
//!    that is specific to it (the rest is in step 1).
//! 3. A summary, then the guide's five questions answered.
//!
//! Every line fits the terminal (at most 80 columns), wrapped between
//! words. Colored only when asked (the CLI decides from the terminal,
//! `--no-color` and `NO_COLOR`).

use std::io::Write;

use anyhow::Result;
use colored::{ColoredString, Colorize};

use crate::checklist::Status;
use crate::findings::causes::{self, Cause};
use crate::findings::risks::{BROWSER_DIRECT_CALL, GITIGNORE_GAP, PUBLIC_ENV_SECRET};
use crate::findings::{Finding, HistoryInfo};
use crate::input::GitState;
use crate::report::layout::{cols, width, wrap};
use crate::report::{Report, lines};
use crate::rules::{RuleKind, Severity};

fn paint(color: bool, s: &str, f: impl Fn(&str) -> ColoredString) -> String {
    if color {
        f(s).to_string()
    } else {
        s.to_string()
    }
}

fn sev_label(color: bool, s: Severity) -> String {
    let label = format!("{:<8}", s.as_str().to_ascii_uppercase());
    paint(color, &label, |t| match s {
        Severity::Critical => t.red().bold(),
        Severity::High => t.red(),
        Severity::Medium => t.yellow(),
        Severity::Low => t.normal(),
        Severity::Info => t.dimmed(),
    })
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The short id a finding is cited by (the first 8 hex digits).
fn short_id(f: &Finding) -> &str {
    crate::text::head(&f.id, 8)
}

/// A commit id as shown (10 hex digits).
fn short_commit(id: &str) -> &str {
    crate::text::head(id, 10)
}

/// "introduced in commit 1a2b3c4d5e; in 12 commits; not in HEAD or the
/// working tree" (author, date and summary are in the JSON report).
fn history_line(f: &Finding, h: &HistoryInfo) -> String {
    let mut s = String::new();
    if let Some(c) = &f.commit {
        if c.id.is_empty() {
            s.push_str(&c.summary);
        } else {
            s.push_str(&format!("introduced in commit {}", short_commit(&c.id)));
            if h.path != f.path {
                s.push_str(&format!(" at {}", h.path));
            }
        }
    }
    if h.commits > 1 {
        s.push_str(&format!("; in {} commits", h.commits));
    }
    if h.paths > 1 || h.paths_capped {
        s.push_str(&format!(
            "; at {}{} paths",
            if h.paths_capped { "at least " } else { "" },
            h.paths
        ));
    }
    s.push_str(if h.only_in_history() {
        "; not in HEAD or the working tree"
    } else if h.in_head {
        "; still in HEAD"
    } else {
        "; still in the working tree"
    });
    s
}

/// Whether a character belongs to a name (identifier, key, path piece): a
/// snippet is never cut between two of these.
fn wordish(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '$' | '/')
}

/// Fit a snippet into `room` columns around `anchor` (the redacted secret),
/// cutting only at token boundaries, with `…` where it was cut.
pub fn fit_snippet(snippet: &str, anchor: &str, room: usize) -> String {
    let chars: Vec<char> = snippet.chars().collect();
    if chars.len() <= room {
        return snippet.to_string();
    }
    let room = room.saturating_sub(2).max(10);
    let (a_start, a_len) = match snippet.find(anchor).filter(|_| !anchor.is_empty()) {
        Some(b) => (
            snippet.get(..b).map_or(0, |p| p.chars().count()),
            anchor.chars().count(),
        ),
        None => (0, 0),
    };
    let a_end = a_start + a_len;
    // Centre the window on the anchor, then move its edges inwards to
    // token boundaries (never past the anchor).
    let spare = room.saturating_sub(a_len);
    let mut lo = a_start.saturating_sub(spare / 2);
    let mut hi = (lo + room).min(chars.len()).max(a_end.min(chars.len()));
    if hi - lo < room {
        lo = hi.saturating_sub(room);
    }
    while lo > 0 && lo < a_start && wordish(chars[lo - 1]) && wordish(chars[lo]) {
        lo += 1;
    }
    while hi < chars.len() && hi > a_end && wordish(chars[hi - 1]) && wordish(chars[hi]) {
        hi -= 1;
    }
    let mut out = String::new();
    if lo > 0 {
        out.push('…');
    }
    out.push_str(chars[lo..hi].iter().collect::<String>().trim());
    if hi < chars.len() {
        out.push('…');
    }
    out
}

/// The browser-exposed variable a secret is assigned to, from its line.
fn public_var(f: &Finding) -> Option<String> {
    let at = f.context.find(&f.secret)?;
    let before = f.context.get(..at)?;
    let t = before.trim_end_matches(['"', '\'', '`', ' ', '\t']);
    let t = t.strip_suffix(['=', ':'])?;
    let t = t.trim_end_matches([' ', '\t', '"', '\'', ']']);
    let start = t
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let name = crate::text::from(t, start);
    causes::PUBLIC_PREFIXES
        .iter()
        .any(|p| name.starts_with(p))
        .then(|| name.to_string())
}

/// The "do this first" step that resolves a risk finding (moving calls,
/// dropping prefixes, fixing `.gitignore`): such a risk is listed in the
/// body in one line pointing at its step.
fn folded_step(f: &Finding, steps: &Steps) -> Option<usize> {
    if f.kind != RuleKind::Risk {
        return None;
    }
    match f.rule.as_str() {
        BROWSER_DIRECT_CALL => steps.calls,
        PUBLIC_ENV_SECRET => steps.prefixes,
        GITIGNORE_GAP => steps.env,
        _ => None,
    }
}

/// A risk that a step resolves, in one line: severity, rule id, short id,
/// where, and the step.
fn folded_line(
    r: &Report<'_>,
    w: &mut dyn Write,
    f: &Finding,
    step: usize,
    width: usize,
) -> Result<()> {
    let at = if f.line == 0 {
        String::new()
    } else {
        format!(" {}:{}", f.line, f.column)
    };
    let line = format!(
        "{} {} (risk) [{}]{at}: see step {step}",
        sev_label(false, f.severity).trim_end(),
        f.rule,
        short_id(f),
    );
    let line = wrap(&line, 2, 4, width);
    let line = match line.split_once(' ') {
        Some((_, rest)) if r.color => format!("{} {rest}", sev_label(true, f.severity).trim_end()),
        _ => line,
    };
    writeln!(w, "  {line}")?;
    Ok(())
}

/// A path as a shell word: as it is when it holds only safe characters,
/// else in single quotes.
fn shell_quote(p: &str) -> String {
    if !p.is_empty()
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-' | '+' | '@'))
    {
        p.to_string()
    } else {
        format!("'{}'", p.replace('\'', "'\\''"))
    }
}

/// Add `item` to `list` once.
fn push_once(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// One key to rotate: the redacted key, where it is, and (after
/// `--verify`) what the provider said about it.
struct Key<'a> {
    provider: &'a str,
    url: Option<&'a str>,
    shown: String,
    places: Vec<String>,
    verified: Option<&'a crate::verify::Verification>,
}

/// What a checked key asks of its owner (the provider's answer first).
fn verified_advice(k: &Key, v: &crate::verify::Verification) -> String {
    use crate::verify::Status;
    let mut s = match v.status {
        Status::Live => {
            let mut s = "rotate it now".to_string();
            if let Some(id) = &v.identity {
                s = format!("owner: {id}; {s}");
            }
            if let Some(url) = k.url {
                s.push_str(&format!(" at {url}"));
            }
            s
        }
        Status::Invalid => crate::verify::report::INVALID_ADVICE.to_string(),
        Status::Unknown | Status::Error => "treat it as live until you know".to_string(),
    };
    s.push_str(&format!("; {}", v.detail));
    s
}

/// A key step's heading: "Rotate these leaked keys (OpenAI:
/// https://platform.openai.com/api-keys):" when they are all one provider's;
/// after `--verify`, the providers' answers counted.
fn keys_step(what: &str, keys: &[Key]) -> String {
    use crate::verify::Status;
    if keys.iter().any(|k| k.verified.is_some()) {
        let count = |s: Status| {
            keys.iter()
                .filter(|k| k.verified.is_some_and(|v| v.status == s))
                .count()
        };
        return format!(
            "{what}, live ones first (checked with the providers: {} live, {} revoked or invalid, {} unknown, {} error):",
            count(Status::Live),
            count(Status::Invalid),
            count(Status::Unknown),
            count(Status::Error)
        );
    }
    let first = &keys[0];
    if keys.iter().all(|k| k.provider == first.provider) {
        match first.url {
            Some(u) => format!("{what} ({}: {u}):", first.provider),
            None => format!("{what} ({}):", first.provider),
        }
    } else {
        format!("{what}, each at its provider:")
    }
}

/// The numbers of the steps the "do this first" block printed, for the
/// checklist to point at.
#[derive(Debug, Default)]
struct Steps {
    rotate: Option<usize>,
    calls: Option<usize>,
    prefixes: Option<usize>,
    env: Option<usize>,
}

/// The "do this first" block.
fn plan(r: &Report<'_>, w: &mut dyn Write, width: usize) -> Result<Steps> {
    let c = r.color;
    let mut rotate: Vec<Key> = Vec::new();
    let mut remove: Vec<Key> = Vec::new();
    let mut calls: Vec<String> = Vec::new();
    let mut prefixes: Vec<String> = Vec::new();
    let mut untrack: Vec<String> = Vec::new();
    let mut containers: Vec<String> = Vec::new();
    let mut ignore_gap: Option<&Finding> = None;
    let mut purge: Vec<String> = Vec::new();
    let mut purge_text = false;
    let mut tests: Vec<Key> = Vec::new();
    let mut risk_ids: [Vec<&str>; 3] = Default::default();
    for f in r.findings {
        let s = f.situation();
        if f.kind == RuleKind::Risk {
            match f.rule.as_str() {
                BROWSER_DIRECT_CALL => {
                    push_once(&mut calls, f.path.clone());
                    risk_ids[0].push(short_id(f));
                }
                PUBLIC_ENV_SECRET => {
                    push_once(&mut prefixes, format!("{} ({})", f.secret, f.path));
                    risk_ids[1].push(short_id(f));
                }
                GITIGNORE_GAP => {
                    ignore_gap = Some(f);
                    risk_ids[2].push(short_id(f));
                }
                _ => {}
            }
            continue;
        }
        // Public by design: nothing to rotate (the body says what to check).
        if crate::findings::public::is_public(f) {
            continue;
        }
        let only_history = f.history.as_ref().is_some_and(|h| h.only_in_history());
        let place = if f.line == 0 {
            f.path.clone()
        } else if only_history {
            format!("{}, only in history", f.path)
        } else {
            format!("{} {}", f.path, lines(f))
        };
        let shown = r.shown_secret(f);
        let list = if crate::findings::test_data::is_test_finding(f) {
            &mut tests
        } else if causes::leaked(&f.causes, &s) {
            &mut rotate
        } else {
            &mut remove
        };
        match list
            .iter_mut()
            .find(|k| k.shown == shown && k.provider == f.provider)
        {
            Some(k) => push_once(&mut k.places, place),
            None => list.push(Key {
                provider: &f.provider,
                url: r.rotate_url(f),
                shown,
                places: vec![place],
                verified: f.verify.outcome.as_deref(),
            }),
        }
        let has = |cs: &[Cause]| f.causes.iter().any(|c| cs.contains(c));
        // A call that only an old commit has is gone from the code already.
        if has(&[Cause::FrontendCode, Cause::ClientTransit, Cause::AppBinary]) && !only_history {
            push_once(&mut calls, f.path.clone());
        }
        if has(&[Cause::PublicEnvVar])
            && let Some(var) = public_var(f)
        {
            push_once(&mut prefixes, format!("{var} ({})", f.path));
        }
        // A .env only old commits have is not tracked today: nothing to
        // untrack (the purge step covers it).
        if has(&[Cause::EnvFileCommitted])
            && !only_history
            && (s.staged || matches!(s.git, Some(GitState::Tracked) | None))
        {
            // Inside an archive, the archive is what git tracks.
            match crate::findings::container::container_of(&f.path) {
                Some(c) => push_once(&mut containers, c.to_string()),
                None => push_once(&mut untrack, f.path.clone()),
            }
        }
        if has(&[Cause::GitHistory])
            && causes::leaked(&f.causes, &s)
            && !crate::findings::test_data::is_test_finding(f)
        {
            // A file that is all secret (a .env, a database, an archive)
            // leaves history whole; in source code only the key is replaced.
            let whole = causes::is_env_file(&f.path)
                || crate::report::split_member(&f.path).1.is_some()
                || has(&[Cause::DataCommitted]);
            if whole {
                push_once(&mut purge, f.path.clone());
            } else {
                purge_text = true;
            }
        }
    }
    if rotate.is_empty()
        && tests.is_empty()
        && remove.is_empty()
        && calls.is_empty()
        && prefixes.is_empty()
        && untrack.is_empty()
        && containers.is_empty()
        && ignore_gap.is_none()
    {
        return Ok(Steps::default());
    }
    let mut steps = Steps::default();
    writeln!(w, "{}", paint(c, "Do this first", |t| t.bold()))?;
    let mut n = 0;
    let mut step = |w: &mut dyn Write, text: &str| -> Result<usize> {
        n += 1;
        let lead = format!("  {n}. ");
        writeln!(w, "{lead}{}", wrap(text, cols(&lead), cols(&lead), width))?;
        Ok(n)
    };
    let ids = |list: &[&str]| {
        if list.is_empty() {
            String::new()
        } else {
            format!(" [{}]", list.join(", "))
        }
    };
    // The keys of each provider under its rotation page; after --verify,
    // live keys first, each with the provider's answer.
    let keys = |w: &mut dyn Write, keys: &[Key]| -> Result<()> {
        if keys.iter().any(|k| k.verified.is_some()) {
            let mut order: Vec<&Key> = keys.iter().collect();
            order.sort_by_key(|k| crate::verify::report::urgency(k.verified.map(|v| v.status)));
            for k in order {
                let tag = format!(
                    "{:<8}",
                    k.verified
                        .map_or("UNCHECKED", |v| crate::verify::report::label(v.status))
                );
                let lead = format!("       {tag} {}  ", k.shown);
                let col = cols(&lead);
                writeln!(w, "{lead}{}", wrap(&k.places.join(", "), col, col, width))?;
                if let Some(v) = k.verified {
                    let what = verified_advice(k, v);
                    writeln!(w, "{}{}", " ".repeat(16), wrap(&what, 16, 16, width))?;
                }
            }
            return Ok(());
        }
        let mut providers: Vec<(&str, Option<&str>)> = Vec::new();
        for k in keys {
            if !providers.iter().any(|(p, _)| *p == k.provider) {
                providers.push((k.provider, k.url));
            }
        }
        let single = providers.len() == 1;
        for (p, url) in providers {
            // One provider: its page is on the step's line.
            if !single {
                let head = match url {
                    Some(u) => format!("{p}, at {u}:"),
                    None => format!("{p}:"),
                };
                writeln!(w, "     {}", wrap(&head, 5, 7, width))?;
            }
            for k in keys.iter().filter(|k| k.provider == p) {
                let lead = format!("       {}  ", paint(c, &k.shown, |t| t.cyan()));
                let col = 9 + cols(&k.shown);
                writeln!(w, "{lead}{}", wrap(&k.places.join(", "), col, col, width))?;
            }
        }
        Ok(())
    };
    if !rotate.is_empty() {
        steps.rotate = Some(step(w, &keys_step("Rotate these leaked keys", &rotate))?);
        keys(w, &rotate)?;
    }
    if !tests.is_empty() {
        step(
            w,
            &keys_step(
                "Check these keys in test data: rotate any that is real and let the test read it from the environment; make fake ones obviously fake or mark them `jikimi:allow`",
                &tests,
            ),
        )?;
        keys(w, &tests)?;
    }
    if !remove.is_empty() {
        step(
            w,
            &keys_step(
                "Remove these keys before you commit (they have not left this machine)",
                &remove,
            ),
        )?;
        keys(w, &remove)?;
    }
    // A framework that inlines public variables into the bundle: the key
    // must not come back through one of them.
    let caveat = r
        .findings
        .iter()
        .filter_map(|f| f.situation().framework.public_prefix().map(|p| (p, f)))
        .find(|(_, f)| {
            f.causes
                .iter()
                .any(|c| matches!(c, Cause::FrontendCode | Cause::ClientTransit))
        })
        .map_or(String::new(), |(p, f)| {
            format!(
                " (never through {p} variables: {} inlines them)",
                f.situation().framework.as_str()
            )
        });
    if !calls.is_empty() {
        let with = format!(
            "Move these calls behind your server{}: {}{}",
            caveat,
            calls.join(", "),
            ids(&risk_ids[0])
        );
        // The public-prefix step says it too: keep this one short.
        let text = if !prefixes.is_empty() && 5 + cols(&with) > width {
            format!(
                "Move these calls behind your server: {}{}",
                calls.join(", "),
                ids(&risk_ids[0])
            )
        } else {
            with
        };
        steps.calls = Some(step(w, &text)?);
    }
    if !prefixes.is_empty() {
        steps.prefixes = Some(step(
            w,
            &format!(
                "Drop these public prefixes: {}{}",
                prefixes.join(", "),
                ids(&risk_ids[1])
            ),
        )?);
    }
    if !untrack.is_empty() || ignore_gap.is_some() {
        let mut text = String::new();
        if !untrack.is_empty() {
            text.push_str(&format!(
                "Untrack {} (git rm --cached) and ",
                untrack.join(", ")
            ));
        }
        text.push_str(if untrack.is_empty() {
            "Ignore .env and .env.* in .gitignore"
        } else {
            "ignore .env and .env.* in .gitignore"
        });
        // The gitignore check reads the working tree: without it (history
        // only) nothing is known about today's .gitignore.
        if ignore_gap.is_none() && r.stats.files > 0 {
            text.push_str(" (it already does: untracking is what is left)");
        } else if ignore_gap.is_none() {
            text.push_str(" (check it with `git check-ignore .env`)");
        }
        text.push_str(&ids(&risk_ids[2]));
        steps.env = Some(step(w, &text)?);
    }
    if !containers.is_empty() {
        step(
            w,
            &format!(
                "Rebuild {} without the keys, untrack {} (git rm --cached) and list {} in .gitignore",
                containers.join(", "),
                if containers.len() == 1 { "it" } else { "them" },
                if containers.len() == 1 { "it" } else { "them" },
            ),
        )?;
    }
    if !purge.is_empty() || purge_text {
        let mut paths: Vec<String> = Vec::new();
        for p in &purge {
            push_once(
                &mut paths,
                format!("--path {}", shell_quote(crate::report::split_member(p).0)),
            );
        }
        let mut how = Vec::new();
        if !paths.is_empty() {
            how.push(format!(
                "`git filter-repo --invert-paths {}`",
                paths.join(" ")
            ));
        }
        if purge_text {
            how.push(
                "`git filter-repo --replace-text keys.txt` (keys.txt: one key a line)".to_string(),
            );
        }
        step(
            w,
            &format!(
                "After rotating, purge {} from git history (`pip install git-filter-repo`): {}.",
                if rotate.len() == 1 { "it" } else { "them" },
                how.join(", then ")
            ),
        )?;
    }
    writeln!(w)?;
    Ok(steps)
}

/// What is specific to one finding once the "do this first" steps are done:
/// the fixes of causes no step covers (server code).
fn specific_fix(f: &Finding) -> Option<String> {
    if f.kind == RuleKind::Risk {
        return (!f.fix.is_empty()).then(|| f.fix.clone());
    }
    let s = f.situation();
    if crate::findings::public::is_public(f) {
        return Some(f.fix.clone());
    }
    if let Some(container) = crate::findings::container::container_of(&f.path)
        && !crate::findings::test_data::is_test_finding(f)
        && f.image.is_none()
    {
        return Some(crate::findings::container::container_fix(
            container,
            f.git,
            f.causes.contains(&Cause::AppBinary),
        ));
    }
    let mut parts = Vec::new();
    for cause in &f.causes {
        if matches!(cause, Cause::ServerCode | Cause::TestData) {
            parts.push(cause.fix_in(&s));
        }
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The `why` shown for a finding: what made it leak (for a key only
/// history has, the file's own cause; the history line says the rest).
fn shown_why(f: &Finding) -> String {
    let only_history = f.history.as_ref().is_some_and(|h| h.only_in_history());
    if only_history && let Some(c) = f.causes.iter().find(|c| **c != Cause::GitHistory) {
        return c.why_in(&f.situation()).to_string();
    }
    f.why.clone()
}

/// One finding, under its file's name.
fn finding(r: &Report<'_>, w: &mut dyn Write, f: &Finding, width: usize) -> Result<()> {
    let c = r.color;
    let kind = if f.kind == RuleKind::Risk {
        " (risk)"
    } else {
        ""
    };
    let only_history = f.history.as_ref().is_some_and(|h| h.only_in_history());
    let mut at = match (f.line, f.cell) {
        (0, _) => String::new(),
        (_, Some(_)) => lines(f),
        (line, None) if f.locations.len() <= 1 => format!("{line}:{}", f.column),
        _ => lines(f),
    };
    if let Some(via) = &f.via {
        at.push_str(&format!(" (via {via})"));
    }
    if let Some(enc) = f.encoded {
        at.push_str(&format!(" ({enc}-encoded)"));
    }
    if f.minified {
        at.push_str(" (minified)");
    }
    if f.git.is_none() && f.commit.is_some() && !only_history {
        at.push_str(" (in history)");
    }
    if only_history {
        at.push_str(", only in history");
    }
    // The rule id is what `jikimi explain` takes (the short id works too).
    let head = format!(
        "{} {}{kind} [{} {}] {}",
        sev_label(false, f.severity).trim_end(),
        f.title,
        short_id(f),
        f.rule,
        at
    );
    // Colors only on the label: the rest is plain so the wrap can count it.
    let head = wrap(head.trim_end(), 2, 4, width);
    let head = match head.split_once(' ') {
        Some((_, rest)) if c => format!("{} {rest}", sev_label(c, f.severity).trim_end()),
        _ => head,
    };
    writeln!(w, "  {head}")?;
    if !f.context.is_empty() {
        let shown = r.shown_context(f);
        let anchor = if f.kind == RuleKind::Secret {
            r.shown_secret(f)
        } else {
            f.secret.clone()
        };
        let snippet = fit_snippet(&shown, &anchor, width.saturating_sub(4));
        writeln!(w, "    {}", paint(c, &snippet, |t| t.dimmed()))?;
    }
    if let Some(v) = &f.verify.outcome {
        writeln!(
            w,
            "    {} {}",
            paint(c, "verify:", |t| t.yellow()),
            wrap(&crate::verify::report::describe(v), 12, 12, width)
        )?;
    }
    let cause_list: Vec<&str> = f.causes.iter().map(|c| c.as_str()).collect();
    let why = format!("{} [{}]", shown_why(f), cause_list.join(", "));
    writeln!(
        w,
        "    {} {}",
        paint(c, "why:", |t| t.yellow()),
        wrap(&why, 9, 9, width)
    )?;
    if let Some(fix) = specific_fix(f) {
        writeln!(
            w,
            "    {} {}",
            paint(c, "fix:", |t| t.green()),
            wrap(&fix, 9, 9, width)
        )?;
    }
    if let Some(i) = &f.image {
        let line = crate::findings::image::describe(i);
        writeln!(
            w,
            "    {} {}",
            paint(c, "image:", |t| t.yellow()),
            wrap(&line, 11, 11, width)
        )?;
    }
    // A location read from history (not the working tree) says where in
    // history it is.
    if let Some(h) = &f.history
        && (only_history || f.git.is_none())
    {
        writeln!(
            w,
            "    {} {}",
            paint(c, "history:", |t| t.yellow()),
            wrap(&history_line(f, h), 13, 13, width)
        )?;
    }
    Ok(())
}

pub fn write(r: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    let c = r.color;
    let width = width();
    let steps = plan(r, w, width)?;
    // Group by path (by image inside container images), files ordered by
    // their most severe finding. Every finding is listed, the risks the
    // steps above cite too: a cited id must lead somewhere.
    let mut files: Vec<(String, Vec<&Finding>)> = Vec::new();
    for f in r.findings.iter() {
        let key = crate::findings::image::group(f).unwrap_or_else(|| f.path.clone());
        match files.iter_mut().find(|(p, _)| *p == key) {
            Some((_, v)) => v.push(f),
            None => files.push((key, vec![f])),
        }
    }
    for (path, list) in &files {
        writeln!(
            w,
            "{}",
            paint(c, &wrap(path, 0, 2, width), |t| t.bold().underline())
        )?;
        for f in list {
            match folded_step(f, &steps) {
                Some(n) => folded_line(r, w, f, n, width)?,
                None => finding(r, w, f, width)?,
            }
        }
    }
    if r.verbose {
        if !r.notes.is_empty() {
            writeln!(w)?;
            writeln!(w, "{}", paint(c, "Notes (not findings)", |t| t.bold()))?;
            for n in r.notes {
                let line = format!(
                    "{}:{}  {}  {}",
                    n.path,
                    n.line,
                    r.shown_note_secret(n),
                    n.message
                );
                writeln!(w, "  {}", wrap(&line, 2, 4, width))?;
            }
        }
        if !r.skipped.is_empty() {
            writeln!(w)?;
            writeln!(w, "{}", paint(c, "Skipped", |t| t.bold()))?;
            for s in r.skipped {
                let line = format!("{}  ({})", s.path, s.reason);
                writeln!(w, "  {}", wrap(&line, 2, 4, width))?;
            }
        }
        if !r.suppressed.is_empty() {
            writeln!(w)?;
            writeln!(w, "{}", paint(c, "Suppressed (not reported)", |t| t.bold()))?;
            for s in r.suppressed {
                let at = if s.line > 0 {
                    format!("{}:{}", s.path, s.line)
                } else {
                    s.path.clone()
                };
                let line = format!("{at}  [{}]  {}: {}", s.rule, s.reason.as_str(), s.by);
                writeln!(w, "  {}", wrap(&line, 2, 4, width))?;
            }
        }
    }
    if !r.baseline_unused.is_empty() {
        writeln!(w)?;
        writeln!(
            w,
            "{}",
            paint(c, "Baseline entries no longer found (stale)", |t| t.bold())
        )?;
        for e in r.baseline_unused {
            let line = format!(
                "{}  [{}]  {}",
                crate::text::head(&e.key, 16),
                e.rule,
                e.path
            );
            writeln!(w, "  {}", wrap(&line, 2, 4, width))?;
        }
        writeln!(
            w,
            "  (refresh the baseline with `jikimi baseline create --output FILE`)"
        )?;
    }
    if !r.findings.is_empty() || r.verbose || !r.baseline_unused.is_empty() {
        writeln!(w)?;
    }
    summary(r, w, width)?;
    checklist(r, w, width, &steps)?;
    Ok(())
}

fn summary(r: &Report<'_>, w: &mut dyn Write, width: usize) -> Result<()> {
    let c = r.color;
    let secrets = r
        .findings
        .iter()
        .filter(|f| f.kind == RuleKind::Secret)
        .count();
    let risks = r.findings.len() - secrets;
    let mut scanned = plural(r.stats.files as usize, "file", "files");
    if r.stats.commits > 0 {
        scanned.push_str(&format!(
            ", {}",
            plural(r.stats.commits as usize, "commit", "commits")
        ));
    }
    let text = if r.findings.is_empty() {
        format!("No findings; {scanned}, {} ms.", r.stats.duration_ms)
    } else {
        format!(
            "{} ({}, {}), {} the scan; {scanned}, {} ms.",
            plural(r.findings.len(), "finding", "findings"),
            plural(secrets, "secret", "secrets"),
            plural(risks, "risk", "risks"),
            if r.failing == 1 {
                "1 fails".to_string()
            } else {
                format!("{} fail", r.failing)
            },
            r.stats.duration_ms,
        )
    };
    let text = wrap(&text, 0, 0, width);
    let text = if r.failing > 0 {
        paint(c, &text, |t| t.red().bold())
    } else {
        paint(c, &text, |t| t.green().bold())
    };
    writeln!(w, "{text}")?;
    let mut more = Vec::new();
    if !r.suppressed.is_empty() {
        more.push(format!("{} suppressed", r.suppressed.len()));
    }
    if r.stats.skipped > 0 {
        more.push(format!("{} skipped", r.stats.skipped));
    }
    if r.stats.errors > 0 {
        more.push(plural(r.stats.errors as usize, "error", "errors"));
    }
    if !r.notes.is_empty() {
        more.push(plural(r.notes.len(), "note", "notes"));
    }
    if !more.is_empty() {
        let hint = if r.verbose {
            String::new()
        } else {
            " (-v lists them)".to_string()
        };
        writeln!(
            w,
            "{}",
            wrap(&format!("{}{hint}.", more.join(", ")), 0, 2, width)
        )?;
    }
    if r.verbose {
        let mut line = format!("Read {} from the working tree", human_bytes(r.stats.bytes));
        if r.stats.commits > 0 {
            line.push_str(&format!(
                "; {} unique history blobs ({}), {} skipped (binary or too large)",
                r.stats.blobs,
                human_bytes(r.stats.blob_bytes),
                r.stats.blobs_skipped
            ));
        }
        line.push('.');
        writeln!(w, "{}", wrap(&line, 0, 2, width))?;
    }
    if r.stats.history_truncated {
        let line = wrap(
            "History is truncated: this is a shallow clone, commits before the cut were not scanned (fetch with --unshallow for a full scan).",
            0,
            2,
            width,
        );
        writeln!(w, "{}", paint(c, &line, |t| t.yellow()))?;
    }
    if r.stats.submodules > 0 {
        let line = format!(
            "{} not followed: scan their repositories separately.",
            plural(r.stats.submodules as usize, "submodule", "submodules")
        );
        writeln!(w, "{}", wrap(&line, 0, 2, width))?;
    }
    if r.stats.archives > 0 {
        let line = format!(
            "Opened {}: {}, {} unpacked.",
            plural(r.stats.archives as usize, "archive", "archives"),
            plural(r.stats.archive_members as usize, "member", "members"),
            human_bytes(r.stats.archive_bytes)
        );
        writeln!(w, "{}", wrap(&line, 0, 2, width))?;
    }
    writeln!(w)?;
    Ok(())
}

/// " [id1, id2, +3]": as many short ids as fit in `room` columns (at least
/// one), then how many more.
fn cite(ids: &[String], room: usize) -> String {
    let mut shown: Vec<&str> = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let id = crate::text::head(id, 8);
        let rest = ids.len() - i - 1;
        // " [" + ids joined + (", +N") + "]"
        let len = 3 + (shown.len() + 1) * 10 - 2 + if rest > 0 { 5 } else { 0 };
        if !shown.is_empty() && len > room {
            break;
        }
        shown.push(id);
    }
    let more = ids.len() - shown.len();
    format!(
        " [{}{}]",
        shown.join(", "),
        if more > 0 {
            format!(", +{more}")
        } else {
            String::new()
        }
    )
}

fn checklist(r: &Report<'_>, w: &mut dyn Write, width: usize, steps: &Steps) -> Result<()> {
    let c = r.color;
    writeln!(
        w,
        "{}",
        paint(c, "Checklist: the guide's five questions", |t| t.bold())
    )?;
    let refer = |list: &[Option<usize>]| -> Option<String> {
        let nums: Vec<String> = list.iter().flatten().map(|n| n.to_string()).collect();
        match nums.len() {
            0 => None,
            1 => Some(format!("see step {}", nums[0])),
            _ => Some(format!("see steps {}", nums.join(" and "))),
        }
    };
    for item in r.checklist {
        let lead = format!("  {}. ", item.number);
        writeln!(
            w,
            "{lead}{}",
            wrap(item.question, cols(&lead), cols(&lead), width)
        )?;
        // A failing answer points at the step that fixes it.
        let pointer = match (item.status, item.number) {
            (Status::Fail, 1 | 2) => refer(&[steps.calls, steps.prefixes]),
            (Status::Fail, 3) => refer(&[steps.env]),
            (Status::Review, 4) if !item.findings.is_empty() => steps
                .rotate
                .map(|n| format!("after step {n}, watch each key's usage and billing")),
            _ => None,
        };
        let mut advice = pointer.unwrap_or_else(|| item.advice.clone());
        if !item.findings.is_empty() {
            advice.push_str(&cite(
                &item.findings,
                width.saturating_sub(14 + cols(&advice) % width.max(1)),
            ));
        }
        let label = format!("{:<8}", item.status.as_str().to_ascii_uppercase());
        let lead = format!("     {label} ");
        let painted = paint(c, &label, |t| match item.status {
            Status::Pass => t.green(),
            Status::Fail => t.red().bold(),
            Status::Review | Status::Accepted => t.yellow(),
            Status::NotApplicable => t.dimmed(),
        });
        writeln!(
            w,
            "     {painted} {}",
            wrap(&advice, cols(&lead), cols(&lead), width)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_cut_at_token_boundaries() {
        let line = "const config = { apiKey: \"sk-proj-Ab…9xQz\", organization: \"org-abcdefghijklmnop\", project: \"proj_1234567890\" };";
        let out = fit_snippet(line, "sk-proj-Ab…9xQz", 60);
        assert!(out.chars().count() <= 60, "{out}");
        assert!(out.contains("sk-proj-Ab…9xQz"), "{out}");
        // Neither end is inside a name.
        let inner = out.trim_start_matches('…').trim_end_matches('…');
        let first = inner.chars().next().unwrap();
        let last = inner.chars().last().unwrap();
        let at = line.find(inner).unwrap();
        let before = crate::text::to(line, at).chars().last();
        let after = crate::text::from(line, at + inner.len()).chars().next();
        assert!(!(wordish(first) && before.is_some_and(wordish)), "{out}");
        assert!(!(wordish(last) && after.is_some_and(wordish)), "{out}");
        // Short lines are left alone.
        assert_eq!(fit_snippet("a = \"k\"", "k", 60), "a = \"k\"");
    }
}
