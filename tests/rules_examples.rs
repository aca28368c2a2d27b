//! Every built-in rule's positive and negative examples, through the same
//! checker as `jikimi rules check`.

#[test]
fn builtin_rules_pass_their_own_examples() {
    let set = jikimi::rules::RuleSet::from_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules"),
    )
    .expect("rules load");
    let problems = jikimi::rules::check::check(&set);
    let list: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert!(
        list.is_empty(),
        "{} rule problems:\n{}",
        list.len(),
        list.join("\n")
    );
}

#[test]
fn embedded_rules_match_the_rules_folder() {
    let embedded = jikimi::rules::RuleSet::builtin().expect("builtin rules");
    let on_disk = jikimi::rules::RuleSet::from_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules"),
    )
    .unwrap();
    assert_eq!(embedded.len(), on_disk.len());
}
