//! The matcher's throughput over a folder of real files, in memory (no I/O):
//! how fast the keyword prefilter plus the rule regexes go with the full
//! built-in rule set. `cargo bench --bench prefilter -- DIR [ROUNDS]`
//! (default DIR: the Cargo registry sources; ROUNDS: 3). `JIKIMI_BENCH_RULES=DIR`
//! measures the rules in DIR instead of the built-in ones.
//!
//! Reports MiB/s per round and the number of matches, so a change to the
//! prefilter or to the rules can be measured alone. `--keywords` measures the
//! keyword pass alone (the count is then keyword hits); `--per-rule` lists
//! the rules whose regexes cost most.

use std::path::{Path, PathBuf};
use std::time::Instant;

use jikimi::matcher::Matcher;
use jikimi::rules::RuleSet;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            files(&e.path(), out);
        } else if ft.is_file() {
            out.push(e.path());
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let dir = args.first().map(PathBuf::from).unwrap_or_else(|| {
        let home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo")
            });
        home.join("registry/src")
    });
    let rounds: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(3);
    let mut paths = Vec::new();
    files(&dir, &mut paths);
    paths.sort();
    let blobs: Vec<Vec<u8>> = paths
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .filter(|b| b.len() < 16 << 20)
        .collect();
    let bytes: usize = blobs.iter().map(Vec::len).sum();
    let t = Instant::now();
    // JIKIMI_BENCH_RULES=DIR measures another rule set (e.g. an older one).
    let rules = match std::env::var_os("JIKIMI_BENCH_RULES") {
        Some(d) => RuleSet::from_dir(Path::new(&d)).expect("rules folder"),
        None => RuleSet::builtin().expect("built-in rules"),
    };
    let matcher = Matcher::new(&rules).expect("matcher");
    let build = t.elapsed();
    let keywords: usize = rules.rules.iter().map(|r| r.syntax.keywords.len()).sum();
    println!(
        "{}: {} files, {} MiB; {} rules, {} keywords; matcher built in {:.1} ms",
        dir.display(),
        blobs.len(),
        bytes >> 20,
        rules.len(),
        keywords,
        build.as_secs_f64() * 1e3
    );
    if std::env::args().any(|a| a == "--per-rule") {
        // Each rule alone (its keywords are few, so the prefilter is cheap):
        // the slowest rules are where regex time goes.
        let mut costs: Vec<(f64, usize, &str)> = Vec::new();
        for rule in &rules.rules {
            let mut one = RuleSet::default();
            one.rules
                .push(jikimi::rules::Rule::new(rule.syntax.clone(), "bench"));
            let m = Matcher::new(&one).expect("matcher");
            let _ = one.rules[0].regex();
            let t = Instant::now();
            let found: usize = blobs.iter().map(|b| m.find(b).len()).sum();
            costs.push((t.elapsed().as_secs_f64(), found, rule.id()));
        }
        costs.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (s, found, id) in costs.iter().take(25) {
            println!("{:8.1} ms  {found:6} matches  {id}", s * 1e3);
        }
        return;
    }
    // --keywords: the keyword prefilter alone (the count is keyword hits).
    let keywords_only = std::env::args().any(|a| a == "--keywords");
    for round in 1..=rounds {
        let t = Instant::now();
        let found: usize = if keywords_only {
            blobs.iter().map(|b| matcher.keyword_hits(b)).sum()
        } else {
            blobs.iter().map(|b| matcher.find(b).len()).sum()
        };
        let s = t.elapsed().as_secs_f64();
        println!(
            "round {round}: {:.3} s, {:.0} MiB/s on one core, {found} matches",
            s,
            bytes as f64 / s / (1 << 20) as f64
        );
    }
}
