//! Placeholder precision (issue 18): a random, format-valid token of a
//! rule's format is never dropped by the rule's own placeholder, entropy or
//! checksum filters (`tests/support/tokens.rs` generates them from each
//! rule's regex). `cargo bench --bench placeholders` runs 100,000 tokens a
//! rule and prints the counts per rule and stage; this runs a few.

#[path = "support/tokens.rs"]
mod tokens;

use jikimi::matcher::Matcher;
use jikimi::rules::RuleSet;

/// Tokens a rule here (the bench runs 100,000).
const PER_RULE: usize = 10;

#[test]
fn random_format_valid_tokens_are_never_dropped() {
    let rules = RuleSet::builtin().unwrap();
    let matcher = Matcher::new(&rules).unwrap();
    let (formats, _skipped) = tokens::formats(&matcher);
    assert!(
        formats.len() >= 300,
        "only {} generatable rules",
        formats.len()
    );
    let mut failures = Vec::new();
    let mut unmatched = 0;
    for f in &formats {
        let t = tokens::measure(&rules, f, PER_RULE);
        unmatched += t.unmatched;
        if t.drops() > 0 {
            failures.push(format!(
                "{}: {} of {} dropped: {:?}",
                rules.rules[f.rule].id(),
                t.drops(),
                t.tokens,
                t.dropped
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "random real-format tokens dropped (cargo bench --bench placeholders -- RULE-ID):\n{}",
        failures.join("\n")
    );
    // The generator writes what the regexes match back in place.
    assert!(
        unmatched * 100 <= formats.len() * PER_RULE,
        "{unmatched} generated tokens did not match their rule in place"
    );
}

#[test]
fn generated_tokens_follow_the_format() {
    let rules = RuleSet::builtin().unwrap();
    let matcher = Matcher::new(&rules).unwrap();
    let (formats, skipped) = tokens::formats(&matcher);
    let id = |i: usize| rules.rules[i].id();
    // A checksummed format gets its checksum, and the rule reports it.
    let gh = formats
        .iter()
        .find(|f| id(f.rule) == "github.personal-access-token")
        .expect("github.personal-access-token is generatable");
    let mut rng = tokens::Rng::new(1);
    for _ in 0..20 {
        let t = gh.token(&mut rng);
        assert!(t.starts_with("ghp_") && t.len() == 40, "{t}");
        assert!(jikimi::rules::validate::github_crc32(t.as_bytes()), "{t}");
    }
    let t = tokens::measure(&rules, gh, 20);
    assert_eq!(t.reported, 20, "{t:?}");
    // Free-form values are not formats.
    assert!(
        skipped
            .iter()
            .any(|&(i, why)| id(i).starts_with("generic.") && why.contains("free-form")),
        "{skipped:?}"
    );
}

#[test]
fn batched_traces_give_the_verdicts_of_single_ones() {
    // The bench judges 256 tokens a trace; each must get the verdict it
    // gets alone in the rule's example.
    let rules = RuleSet::builtin().unwrap();
    let matcher = Matcher::new(&rules).unwrap();
    let (formats, _) = tokens::formats(&matcher);
    let mut differ = Vec::new();
    for f in &formats {
        let single = tokens::verdicts_single(&rules, f, 6);
        let batched = tokens::verdicts_batched(&rules, f, 6, 4);
        assert_eq!(single.len(), batched.len());
        for (a, b) in single.iter().zip(&batched) {
            assert_eq!(a.0, b.0, "the same tokens in the same order");
            if a.1 != b.1 {
                differ.push(format!(
                    "{}: {:?} / {:?}",
                    rules.rules[f.rule].id(),
                    a.1,
                    b.1
                ));
            }
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

#[test]
fn structural_formats_are_generated_valid() {
    // JWTs, private keys, base64 `user:password`, nkey seeds: random valid
    // instances, reported by their rules.
    let rules = RuleSet::builtin().unwrap();
    let matcher = Matcher::new(&rules).unwrap();
    let (formats, _) = tokens::formats(&matcher);
    let structural: Vec<_> = formats.iter().filter(|f| f.structure().is_some()).collect();
    let ids: Vec<&str> = structural
        .iter()
        .map(|f| rules.rules[f.rule].id())
        .collect();
    for want in ["jwt", "supabase", "private-key", "nkey", "basic"] {
        assert!(ids.iter().any(|i| i.contains(want)), "{want}: {ids:?}");
    }
    for f in structural {
        let t = tokens::measure(&rules, f, 20);
        assert_eq!(t.reported, 20, "{}: {:?}", rules.rules[f.rule].id(), t);
    }
}
