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

/// The rules embedded in the binary (build.rs's `include_str!` list) are
/// exactly the files in `rules/`: the same names, the same bytes, and they
/// load to the same rules in the same order.
#[test]
fn embedded_rules_match_the_rules_folder() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut on_disk: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("rules/")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    on_disk.sort();
    let mut embedded: Vec<(String, String)> = jikimi::rules::BUILTIN_RULE_FILES
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    embedded.sort();
    let names = |v: &[(String, String)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&embedded), names(&on_disk), "the same rule files");
    for ((name, e), (_, d)) in embedded.iter().zip(&on_disk) {
        assert!(e == d, "rules/{name} differs from the embedded copy");
    }
    let ids = |set: &jikimi::rules::RuleSet| -> Vec<String> {
        set.rules.iter().map(|r| r.id().to_string()).collect()
    };
    let builtin = jikimi::rules::RuleSet::builtin().expect("builtin rules");
    let from_dir = jikimi::rules::RuleSet::from_dir(&dir).unwrap();
    assert!(!builtin.rules.is_empty());
    assert_eq!(ids(&builtin), ids(&from_dir));
}
