//! The recall suite (src/recall.rs): every built-in secret rule must find
//! the secrets of its own examples in every syntax they can be written in,
//! except the (rule, syntax) pairs listed in tests/recall_known_gaps.txt;
//! a listed pair that passes fails the test too, so the list only shrinks.
//! `cargo bench --bench recall` prints the numbers.

use jikimi::matcher::Matcher;
use jikimi::recall;
use jikimi::rules::RuleSet;

#[test]
fn every_secret_rule_finds_its_examples_in_every_syntax() {
    let rules = RuleSet::builtin().expect("built-in rules");
    let matcher = Matcher::new(&rules).expect("matcher");
    let report = recall::run(&matcher);
    assert!(report.secrets > 0, "no secrets taken from the examples");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(recall::KNOWN_GAPS_FILE);
    let gaps = std::fs::read_to_string(&path).expect("tests/recall_known_gaps.txt");
    if let Err(msg) = report.check_known_gaps(&rules, &gaps) {
        panic!("recall suite ({:.2?}):\n{msg}", report.elapsed);
    }
}
