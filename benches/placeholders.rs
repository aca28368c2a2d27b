//! Placeholder precision (issue 18): for every rule with a generatable
//! format, 100,000 random format-valid tokens (tests/support/tokens.rs),
//! each written into the rule's own example in place of its secret and
//! judged by the rule's own filters (context, keyword, placeholder,
//! entropy, checksum). A real token may contain `1234` or `abcd`: the goal
//! is zero drops.
//!
//! `cargo bench --bench placeholders` prints the totals per stage and every
//! rule that dropped a token; `-- --count N` sets the tokens per rule;
//! `-- RULE-ID` (a substring) measures only those rules.

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
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--count" => count = it.next().and_then(|n| n.parse().ok()).unwrap_or(count),
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
    let tallies: Vec<(usize, tokens::Tally)> = formats
        .par_iter()
        .map(|f| (f.rule, tokens::measure(&rules, f, count)))
        .collect();
    let mut by_stage: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut total, mut reported, mut unmatched) = (0, 0, 0);
    for (_, t) in &tallies {
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
    let mut why: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, w) in &skipped {
        *why.entry(w).or_default() += 1;
    }
    println!("\nSecret rules not measured ({}):", skipped.len());
    for (w, n) in why {
        println!("  {n:>4}  {w}");
    }
}
