//! Placeholder precision (issue 18): for every rule with a generatable
//! format, 100,000 random format-valid tokens (tests/support/tokens.rs),
//! each written into the rule's own example in place of its secret and
//! judged by the rule's own filters (context, keyword, placeholder,
//! entropy, checksum). A real token may contain `1234` or `abcd`: the goal
//! is zero drops.
//!
//! `cargo bench --bench placeholders` prints the totals per stage and every
//! rule that dropped a token; `-- --count N` sets the tokens per rule;
//! `-- RULE-ID` (a substring) measures only those rules. Tokens are judged
//! 256 to a trace (`tokens::verdicts_batched`); `-- --single` judges one
//! a trace, as before, and `-- --compare` runs both on the same tokens and
//! prints every token whose verdict differs (there should be none).

#[path = "../tests/support/tokens.rs"]
mod tokens;

use std::collections::BTreeMap;
use std::time::Instant;

use jikimi::matcher::Matcher;
use jikimi::rules::RuleSet;
use rayon::prelude::*;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut count = 100_000;
    let mut filters = Vec::new();
    let (mut single, mut compare) = (false, false);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--count" => count = it.next().and_then(|n| n.parse().ok()).unwrap_or(count),
            "--single" => single = true,
            "--compare" => compare = true,
            a if a.starts_with('-') => {}
            a => filters.push(a.to_string()),
        }
    }
    let rules = RuleSet::builtin().expect("built-in rules");
    let matcher = Matcher::new(&rules).expect("matcher");
    let t0 = Instant::now();
    let (formats, skipped) = tokens::formats(&matcher);
    let formats: Vec<_> = formats
        .into_iter()
        .filter(|f| {
            filters.is_empty() || filters.iter().any(|x| rules.rules[f.rule].id().contains(x))
        })
        .collect();
    if compare {
        let differ: usize = formats
            .par_iter()
            .map(|f| {
                let a = tokens::verdicts_single(&rules, f, count);
                let b = tokens::verdicts_batched(&rules, f, count, tokens::BATCH);
                let mut n = 0;
                for (x, y) in a.iter().zip(&b) {
                    if x != y {
                        n += 1;
                        println!(
                            "  {} differs: single {:?}, batched {:?}",
                            rules.rules[f.rule].id(),
                            x.1,
                            y.1
                        );
                    }
                }
                n
            })
            .sum();
        println!(
            "compared {} rules x {count} tokens, single and batched: {differ} verdicts differ, {:.1?}",
            formats.len(),
            t0.elapsed()
        );
        return;
    }
    let tallies: Vec<(usize, tokens::Tally)> = formats
        .par_iter()
        .map(|f| {
            let t = if single {
                tokens::tally(&rules, f, &tokens::verdicts_single(&rules, f, count))
            } else {
                tokens::measure(&rules, f, count)
            };
            (f.rule, t)
        })
        .collect();
    let mut by_stage: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut total, mut reported, mut unmatched, mut by_chance) = (0, 0, 0, 0);
    for (_, t) in &tallies {
        by_chance += t.word_by_chance;
        total += t.tokens;
        reported += t.reported;
        unmatched += t.unmatched;
        for (stage, (n, _)) in &t.dropped {
            *by_stage.entry(stage).or_default() += n;
        }
    }
    println!(
        "placeholder precision: {} rules with a generatable format, {count} tokens each, {total} tokens, {:.1?}",
        tallies.len(),
        t0.elapsed()
    );
    println!(
        "reported {reported}, dropped {}, not matched back in place {unmatched}",
        by_stage.values().sum::<usize>()
    );
    for (stage, n) in &by_stage {
        println!("  dropped at {stage:<12} {n}");
    }
    println!(
        "reported, but the plain placeholder-word check (before its chance gate) would drop: {by_chance}"
    );
    let mut chance: Vec<_> = tallies
        .iter()
        .filter(|(_, t)| t.word_by_chance > 0)
        .collect();
    chance.sort_by_key(|(r, t)| (std::cmp::Reverse(t.word_by_chance), rules.rules[*r].id()));
    for (r, t) in chance.iter().take(40) {
        println!("  {:<40} {:>7}", rules.rules[*r].id(), t.word_by_chance);
    }
    let mut worst: Vec<&(usize, tokens::Tally)> =
        tallies.iter().filter(|(_, t)| t.drops() > 0).collect();
    worst.sort_by_key(|(r, t)| (std::cmp::Reverse(t.drops()), rules.rules[*r].id()));
    println!("\nRules that dropped a random token ({}):", worst.len());
    for (r, t) in worst {
        println!(
            "  {:<40} {:>7}/{}",
            rules.rules[*r].id(),
            t.drops(),
            t.tokens
        );
        for (stage, (n, example)) in &t.dropped {
            println!("      {stage}: {n}, e.g. {example}");
        }
    }
    let mut why: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (r, w) in &skipped {
        why.entry(w).or_default().push(rules.rules[*r].id());
    }
    println!("\nSecret rules not measured ({}):", skipped.len());
    for (w, ids) in why {
        println!("  {:>4}  {w}", ids.len());
        for id in ids {
            let v = rules
                .rules
                .iter()
                .find(|r| r.id() == id)
                .and_then(|r| r.syntax.validator.as_deref());
            println!(
                "          {id}{}",
                v.map(|v| format!(" ({v})")).unwrap_or_default()
            );
        }
    }
    let structural = formats.iter().filter(|f| f.structure().is_some()).count();
    println!("\nStructural formats generated as valid random instances: {structural}");
}
