//! The recall suite's tables: every built-in secret rule's example secrets
//! planted in every syntax (tests/support/recall.rs), recall per family, per syntax and
//! the worst rules, and the near misses each rule still reports.
//!
//! `cargo bench --bench recall` prints the tables;
//! `cargo bench --bench recall -- FILTER` prints every planted text of the
//! rules whose id contains FILTER and what the matcher found in it;
//! `-- --stages` prints each failing (rule, syntax) pair with the stage
//! that drops it, as tests/recall_known_gaps.txt states it. The gate
//! is the `recall` test module of tests/cli.rs, against
//! tests/recall_known_gaps.txt.

#[path = "../tests/support/recall.rs"]
mod recall;

use jikimi::matcher::Matcher;
use jikimi::rules::RuleSet;

fn main() {
    let rules = RuleSet::builtin().expect("built-in rules");
    let matcher = Matcher::new(&rules).expect("matcher");
    // cargo passes `--bench`; anything else is a rule id filter.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if !filters.is_empty() {
        for f in &filters {
            print!("{}", recall::trace(&matcher, f));
        }
        return;
    }
    let report = recall::run(&matcher);
    if std::env::args().any(|a| a == "--stages") {
        for ((id, syntax), stages) in report.pair_stages(&rules) {
            let stages: Vec<&str> = stages.into_iter().collect();
            println!("{id} {} {}", syntax.name(), stages.join(", "));
        }
        return;
    }
    print!("{}", report.render(&rules));
    for (kind, n) in report.near_miss_fps() {
        println!(
            "near misses reported by their own rule: {:<14} {n}",
            kind.name()
        );
    }
    let gaps = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(recall::KNOWN_GAPS_FILE),
    )
    .ok()
    .and_then(|t| recall::parse_known_gaps(&t).ok())
    .map_or(0, |g| g.len());
    println!(
        "\n{} failing (rule, syntax) pairs; {} listed in {}",
        report.failing_pairs(&rules).len(),
        gaps,
        recall::KNOWN_GAPS_FILE
    );
    println!("\nSyntaxes (ACME_API_KEY as an example name):");
    print!("{}", recall::legend());
}
