//! The recall suite (tests/support/recall.rs): every built-in secret rule
//! must find the secrets of its own examples in every syntax they can be
//! written in, except the (rule, syntax) pairs listed in
//! tests/recall_known_gaps.txt, each with the stage that drops it as the
//! tracer finds it; a listed pair that passes fails the test too, so the
//! list only shrinks. The near misses each rule still reports are held to
//! the budgets of tests/recall_near_misses.txt. `cargo bench --bench
//! recall` prints the numbers.

#[path = "support/recall.rs"]
mod suite;

use suite as recall;

use jikimi::matcher::Matcher;
use jikimi::rules::RuleSet;

fn read(rel: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn every_secret_rule_finds_its_examples_in_every_syntax() {
    let rules = RuleSet::builtin().expect("built-in rules");
    let matcher = Matcher::new(&rules).expect("matcher");
    let report = recall::run(&matcher);
    assert!(report.secrets > 0, "no secrets taken from the examples");
    assert!(report.negatives.len() > 10_000, "near misses not planted");
    let mut msg = String::new();
    if let Err(m) = report.check_known_gaps(&rules, &read(recall::KNOWN_GAPS_FILE)) {
        msg.push_str(&m);
    }
    if let Err(m) = report.check_near_misses(&rules, &read(recall::NEAR_MISS_FILE)) {
        msg.push_str(&m);
    }
    if !msg.is_empty() {
        panic!("recall suite ({:.2?}):\n{msg}", report.elapsed);
    }
}

/// The shipped library does not carry the harness.
#[test]
fn the_harness_is_not_in_the_library() {
    let lib = read("src/lib.rs");
    assert!(
        !lib.contains("mod recall"),
        "src/lib.rs declares the recall harness"
    );
    assert!(
        !std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/recall.rs")
            .exists()
    );
}
