//! `jikimi explain TOPIC`: what a rule, a leak cause or a risk means, why it
//! matters per the guide, and how to fix it. The texts here are also the
//! ones the SARIF rule help uses ([`WHY_SECRET`], [`FIX_SECRET`]), so the
//! terminal and GitHub's alert page say the same thing.
//!
//! Topics, in the order they are looked up: `checklist`, a leak cause
//! (`frontend-code`, ...), a risk id (`gitignore-gap`, `dockerignore-gap`,
//! `browser-direct-call`, `public-env-secret`), a rule id (`jikimi rules` lists them).

use std::fmt::Write as _;

use crate::checklist::{self, Evidence};
use crate::findings::Cause;
use crate::findings::docker::{DOCKERIGNORE_GAP, DOCKERIGNORE_GAP_TITLE};
use crate::findings::risks::{self, BROWSER_DIRECT_CALL, GITIGNORE_GAP, PUBLIC_ENV_SECRET};
use crate::rules::{RuleKind, RuleSet, RuleSyntax};

/// Why any leaked key matters.
pub const WHY_SECRET: &str = "Whoever holds the key makes calls on your bill, can process data under your account, and abuse detected on it can get the account restricted or banned. Keys belong on the server only: never shown to users, never shipped in clients.";

/// The steps that apply to every leaked key, before the per-cause fix.
pub const FIX_SECRET: [&str; 2] = [
    "Rotate the key now: once leaked it must be treated as compromised, even after the line is deleted.",
    "Move the key to the server: the client sends only the user's input to your backend, which adds the key from its environment and calls the provider (client -> your server -> provider).",
];

/// The risk ids computed or kept by [`risks`].
pub const RISK_IDS: [&str; 4] = [
    GITIGNORE_GAP,
    DOCKERIGNORE_GAP,
    BROWSER_DIRECT_CALL,
    PUBLIC_ENV_SECRET,
];

/// The guide point a cause comes from, and a longer explanation.
pub fn cause_guide(c: Cause) -> (&'static str, &'static str) {
    match c {
        Cause::FrontendCode => (
            "leak cause 1: hardcoded in frontend code (React, HTML, JavaScript files); the client -> server -> API structure",
            "The key is written into a file that is delivered to browsers (a component, a page, a bundle in dist/ or public/). Everything sent to a browser can be read by its user: view-source, the devtools network and sources panels, or the bundle on a CDN. Minifying or obfuscating does not hide a string.",
        ),
        Cause::ServerCode => (
            "read keys from environment variables (os.getenv), inject them at deploy time",
            "The key is hardcoded in code that runs on a server (or in configuration next to it). It does not reach browsers, but everyone with the source has it: every clone, fork, backup, CI log and the git history.",
        ),
        Cause::EnvFileCommitted => (
            "leak cause 4: a .env file included in version control; list .env in .gitignore",
            "A .env file is for one machine's local settings. Once it is tracked (or just not ignored, so the next `git add .` picks it up) its keys go to every clone and stay in history.",
        ),
        Cause::PublicEnvVar => (
            "leak cause 1 (frontend code), through the bundler; keep keys in server-side environment variables",
            "Variables with a public prefix (NEXT_PUBLIC_, VITE_, REACT_APP_, EXPO_PUBLIC_...) are replaced by their values at build time and shipped inside the client JavaScript. Putting a key in one publishes it, even though it came from an environment variable.",
        ),
        Cause::ClientTransit => (
            "leak cause 3: the key passed directly between client and server; the client sends only user input",
            "The client itself sends the key over the network (an Authorization header, a ?key= parameter, an SDK constructed in the browser). Anyone can copy it from the request in the devtools network panel or a proxy.",
        ),
        Cause::AppBinary => (
            "leak cause 5: shipped inside a mobile app binary; never embed keys in iOS/Android/Electron builds",
            "The key is built into an app package (apk, ipa, Electron asar, React Native bundle) or a compiled binary (an ELF, Mach-O or Windows executable, a library, a .NET assembly, a Java class, a .pyc, a WebAssembly module). Packages are archives: unzipping or decompiling one extracts every string in it, and `strings` lists the text of any binary. Rotate the key; the build should take it from your server at run time.",
        ),
        Cause::DataCommitted => (
            "data committed to version control: a database file (SQLite) with a key in a row",
            "A database file (db.sqlite3, app.db) in the repository carries its rows to every clone and into history. A key stored in a row (a settings table, a seeded integration) is as public as the repository. Take the file out of version control and seed such values from the environment.",
        ),
        Cause::ImageLayer => (
            "shipped in a binary, for servers: a key in a container image layer (`COPY . .` took a .env into the image)",
            "The file is in a layer of a container image. Everyone who can pull the image (a registry is often shared far wider than the repository) can unpack its layers; a later `RUN rm` only hides the file, the earlier layer still carries it. Keep keys out of the build context (.dockerignore), pass build-time keys as build secrets (`RUN --mount=type=secret`) and give the container its keys at run time.",
        ),
        Cause::ImageConfig => (
            "shipped in a binary, for servers: a key in the image config (ENV, --build-arg, a label)",
            "`ENV` values and labels are stored in the image config, and the value of a build argument a `RUN` step used is recorded in the image history: `docker inspect` and `docker history` show them to anyone who pulls the image. Use build secrets (`RUN --mount=type=secret`) for build steps and runtime environment or a secrets manager for the running container.",
        ),
        Cause::GitHistory => (
            "leak cause 2: committed to a Git repository; rotate leaked keys",
            "The key is in a commit. Deleting the line in a later commit does not remove it: every clone keeps the old commit, and harvesters scan public repositories (and their history) for keys within minutes of a push.",
        ),
        Cause::TestData => (
            "not one of the guide's five causes: where the key sits is a test; a real key there is leaked by whichever cause applies (most often leak cause 2, git)",
            "The key is in test code or test data: Go `*_test.go` and `testdata/`, Rust `tests/` and `#[cfg(test)]` modules, JS/TS `*.test.*`, `*.spec.*` and `__tests__/`, Python `test_*.py`, `tests/` and `conftest.py`, Java/Kotlin `src/test/`, Ruby `spec/`, PHP `tests/`, C# `*.Tests` projects, `fixtures/`, `testsuite/` and `examples/` anywhere, documentation (`.md`, `.rst`, `.adoc`, `.txt` under `docs/`, Sphinx build output), and the test folders a project's manifests name (pytest `testpaths`, Jest `roots`/`testMatch`, Cargo `[[test]]`, Maven and Gradle test sources). Most keys there are deliberately fake; some are real by mistake, and a real key in a test is in every clone like any other. jikimi reports it one severity step lower; `tests = \"warn\"` in jikimi.toml reports it as info (never failing the scan), `tests = \"ignore\"` holds it back (counted as suppressed).",
        ),
        Cause::PublicByDesign => (
            "not a leak: the guide's rule (keys only on the server) is about secret keys; publishable and search-only keys are made to be seen",
            "The key's rule says its keys are public by design: a Stripe publishable key, an Algolia search-only key, a Firebase web apiKey, a Mapbox public token, a Sentry DSN, a Google Maps browser key. They ship to browsers and apps on purpose; what protects them is what they are allowed to do (allowed domains or referrers, search-only rights, per-key quotas). jikimi reports them at severity info, never in the keys to rotate and never against checklist questions 1 and 2.",
        ),
    }
}

/// Explain a topic, or `None` when it is not a known one.
pub fn explain(topic: &str, rules: &RuleSet) -> Option<String> {
    let topic = topic.trim();
    if topic.eq_ignore_ascii_case("checklist") {
        return Some(explain_checklist());
    }
    if let Some(c) = Cause::parse(topic) {
        return Some(explain_cause(c));
    }
    let rule = rules.get(topic).map(|r| &r.syntax);
    if RISK_IDS.contains(&topic) {
        return Some(explain_risk(topic, rule));
    }
    rule.map(explain_rule)
}

/// Whether a topic is a finding id (or its first 8 or more hex digits), as
/// the reports show them.
pub fn looks_like_id(topic: &str) -> bool {
    let t = topic.trim();
    (4..=32).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_hexdigit())
}

/// One finding of a scan, explained: what was found and where, why it is a
/// problem (each cause in full), what to do, and where to read more.
pub fn explain_finding(f: &crate::findings::Finding, redact: bool) -> String {
    let mut s = format!(
        "{} [{}]: {} ({} {}, severity {})\n",
        crate::text::head(&f.id, 8),
        f.rule,
        f.title,
        f.provider,
        f.kind.as_str(),
        f.severity
    );
    let at = if f.line == 0 {
        f.path.clone()
    } else {
        format!("{}:{}:{}", f.path, f.line, f.column)
    };
    let _ = writeln!(s, "  at: {at}");
    if f.occurrences > 1 {
        let _ = writeln!(s, "  places: {} in this file", f.occurrences);
    }
    if let Some(c) = &f.commit
        && !c.id.is_empty()
    {
        let _ = writeln!(
            s,
            "  commit: {} ({})",
            crate::text::head(&c.id, 10),
            c.summary
        );
    }
    if f.kind == RuleKind::Secret && !f.secret.is_empty() {
        let shown = if redact {
            crate::findings::redact(&f.secret)
        } else {
            f.secret.clone()
        };
        let _ = writeln!(s, "  key: {shown}");
    }
    let _ = writeln!(s, "\nWhy: {}.", capitalize(&f.why));
    let _ = writeln!(s, "\nWhat to do: {}.", capitalize(&f.fix));
    for c in &f.causes {
        let (guide, long) = cause_guide(*c);
        let _ = writeln!(
            s,
            "\n{} (cause): {long}\n  In the guide's terms: {guide}.",
            c.as_str()
        );
    }
    let _ = writeln!(
        s,
        "\n(`jikimi explain {}` explains the rule; `jikimi explain <cause>` each cause.)",
        f.rule
    );
    s
}

/// The message for an unknown topic: what is valid, and close rule ids.
pub fn unknown_topic(topic: &str, rules: &RuleSet) -> String {
    let causes: Vec<&str> = Cause::ALL.iter().map(|c| c.as_str()).collect();
    let mut m = format!(
        "unknown topic '{topic}': give a rule id (list them with `jikimi rules`), a leak cause ({}), a risk ({}), `checklist` or a finding's id from a report",
        causes.join(", "),
        RISK_IDS.join(", "),
    );
    let needle = topic.to_ascii_lowercase();
    let close: Vec<&str> = if needle.is_empty() {
        Vec::new()
    } else {
        rules
            .rules
            .iter()
            .map(|r| r.id())
            .filter(|id| id.contains(needle.as_str()))
            .take(10)
            .collect()
    };
    if !close.is_empty() {
        let _ = write!(m, "; rules matching '{topic}': {}", close.join(", "));
    }
    m
}

fn explain_checklist() -> String {
    // The questions as the checklist stage asks them (answers need a scan).
    let items = checklist::build(&[], &[], &Evidence::default());
    let mut s = String::from(
        "The guide's five-point checklist. `jikimi scan` answers each question from what it finds:\n\n",
    );
    for i in &items {
        let _ = writeln!(s, "  {}. {}  [{}]", i.number, i.question, i.id);
    }
    s.push_str(
        "\nEach answer is pass, fail, review, accepted or n/a:\n\
         1 and 2 fail on keys in client code, app packages, public variables or direct browser calls;\n\
         3 fails when an env file with values is tracked or .gitignore does not ignore .env files, and passes with \"no env files used\" when the project uses none;\n\
         4 always asks for review: rotate leaked keys and watch usage and billing;\n\
         5 passes when a rate-limit library is found in a manifest (package.json, requirements.txt, ...), and is n/a for command-line tools, libraries and docs sites.\n\
         A question whose only failing findings are held back by a baseline, an inline marker or the allowlist is accepted (with a count), never pass. Files the scan could not read (over a size limit, unreadable) and partial scans (--staged, --since, --history-only) make it review.\n",
    );
    s
}

fn explain_cause(c: Cause) -> String {
    let (guide, long) = cause_guide(c);
    let mut s = format!("{} (leak cause)\n\n", c.as_str());
    let _ = writeln!(s, "What it means: {long}\n");
    if matches!(c, Cause::PublicByDesign | Cause::TestData) {
        let _ = writeln!(s, "Why it matters: {}.\n", capitalize(c.why()));
        let _ = writeln!(s, "How to fix: {}.\n", capitalize(c.fix()));
        let _ = writeln!(s, "In the guide's terms: {guide}.");
        return s;
    }
    let _ = writeln!(s, "Why it matters: {}. {WHY_SECRET}\n", capitalize(c.why()));
    let _ = writeln!(s, "How to fix:");
    let _ = writeln!(s, "  1. {}", FIX_SECRET[0]);
    let _ = writeln!(s, "  2. {}.\n", capitalize(c.fix()));
    let _ = writeln!(s, "In the guide's terms: {guide}.");
    s
}

fn explain_risk(id: &str, rule: Option<&RuleSyntax>) -> String {
    let mut s = match (rule, id) {
        (Some(r), _) => header(r),
        (None, DOCKERIGNORE_GAP) => format!(
            "{id}: {DOCKERIGNORE_GAP_TITLE} (risk, computed from each Dockerfile that copies its whole build context, `COPY . .` or `ADD .`, and the .dockerignore beside it)\n  severity: high\n\n"
        ),
        (None, _) => format!(
            "{id}: .env files are not ignored by git (risk, computed from the repository's .gitignore files)\n  severity: high when an unignored .env file exists, medium otherwise\n\n"
        ),
    };
    if let Some(r) = rule
        && !r.description.is_empty()
    {
        let _ = writeln!(s, "{}\n", r.description);
    }
    let guide = match id {
        GITIGNORE_GAP => "leak cause 4; keep .env for local development and list it in .gitignore",
        DOCKERIGNORE_GAP => {
            "shipped in a binary, for servers: `COPY . .` takes a local .env into a container image layer; give the container its keys at run time"
        }
        BROWSER_DIRECT_CALL => "leak causes 1 and 3; client -> backend server -> API",
        _ => "leak cause 1; keys in server-side environment variables",
    };
    let _ = writeln!(s, "Why it matters: {}.\n", capitalize(risks::risk_why(id)));
    let _ = writeln!(s, "How to fix: {}.\n", capitalize(risks::risk_fix(id)));
    let _ = writeln!(s, "In the guide's terms: {guide}.");
    references(&mut s, rule);
    s
}

fn explain_rule(r: &RuleSyntax) -> String {
    if r.kind == RuleKind::Risk {
        // A risk rule that `risks` does not know by name: its description
        // is all there is.
        let mut s = header(r);
        let _ = writeln!(s, "{}", r.description);
        references(&mut s, Some(r));
        return s;
    }
    let mut s = header(r);
    if !r.description.is_empty() {
        let _ = writeln!(s, "{}\n", r.description);
    }
    if let Some(check) = r.public.as_deref() {
        let _ = writeln!(
            s,
            "Public by design: these keys are meant to ship to browsers or apps, so finding one is not a leak and rotating it fixes nothing. jikimi reports them at severity info, never in the keys to rotate.\n"
        );
        let _ = writeln!(s, "What to check instead: {check}.");
        let _ = writeln!(s, "\n(`jikimi explain public-by-design` says more.)");
        references(&mut s, Some(r));
        return s;
    }
    let _ = writeln!(s, "Why it matters: {WHY_SECRET}\n");
    let _ = writeln!(s, "How to fix:");
    let _ = writeln!(s, "  1. {}", FIX_SECRET[0]);
    let _ = writeln!(s, "  2. {}", FIX_SECRET[1]);
    let _ = writeln!(
        s,
        "  3. Then fix the cause the scan reports with the finding:"
    );
    let w = Cause::ALL
        .iter()
        .map(|c| c.as_str().len())
        .max()
        .unwrap_or(0);
    for c in Cause::ALL
        .into_iter()
        .filter(|c| *c != Cause::PublicByDesign)
    {
        let _ = writeln!(s, "     {:<w$}  {}", c.as_str(), c.fix());
    }
    let _ = writeln!(s, "\n(`jikimi explain <cause>` explains each cause.)");
    references(&mut s, Some(r));
    s
}

fn header(r: &RuleSyntax) -> String {
    let mut s = format!(
        "{}: {} ({} rule)\n  provider: {}   severity: {}   confidence: {}\n",
        r.id,
        r.title,
        r.kind.as_str(),
        r.provider,
        r.severity,
        r.confidence.as_str()
    );
    if let Some(u) = &r.rotate_url {
        let _ = writeln!(s, "  rotate it at: {u}");
    }
    s.push('\n');
    s
}

fn references(s: &mut String, rule: Option<&RuleSyntax>) {
    if let Some(r) = rule
        && !r.references.is_empty()
    {
        let _ = writeln!(s, "\nReferences:");
        for u in &r.references {
            let _ = writeln!(s, "  {u}");
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cause_and_risk_is_explained() {
        let rules = RuleSet::builtin().unwrap();
        for c in Cause::ALL {
            let text = explain(c.as_str(), &rules).unwrap();
            assert!(text.contains("In the guide's terms: "), "{text}");
            assert!(text.contains(crate::text::from(c.fix(), 1)), "{text}");
        }
        for id in RISK_IDS {
            let text = explain(id, &rules).unwrap();
            assert!(
                text.contains(crate::text::from(risks::risk_fix(id), 1)),
                "{text}"
            );
        }
        assert!(explain("no-such-thing", &rules).is_none());
        assert!(unknown_topic("x", &rules).contains("frontend-code"));
    }
}
