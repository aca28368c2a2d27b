//! Placeholder words found by chance in a random token (issue 18).
//!
//! A placeholder word (`dummy`, `fixme`, `-here`) is evidence of a
//! placeholder only when a random token of the same length and alphabet
//! would hold it too rarely to matter. A five-letter word turns up at one
//! given place of a random lower-case-and-digits token with a chance of
//! 36^-5 (1 in 60 million): over the 35 places of a 40-character token and
//! the thirty words, about one random token in 60,000 holds one, so
//! 100,000 random tokens of a rule lost one or two to the word check. A
//! seven-letter word (`example`), two words (`your-` and `-here`), or a word
//! in a small alphabet is another matter.
//!
//! [`by_chance`] is the union bound on that chance: the product, over the
//! words found (at places that do not overlap), of the places a word of its
//! length could take times the chance of its letters at one place (one in
//! the token's alphabet size per character). A provider rule's token drops
//! for its words only when that bound is below [`CHANCE`]: whatever the
//! rule, at most one random token in a billion is dropped for words.
//! Passwords and generic values are not random tokens: their rules keep the
//! plain word check.

/// A provider token is dropped for its placeholder words only when a
/// random token of its length and alphabet would hold them with at most
/// this chance.
pub const CHANCE: f64 = 1e-9;

/// The chance (an upper bound) that a uniformly random token of the length
/// and alphabet of `secret` holds words as long as `words` (the lengths of
/// the words found, at places that do not overlap). In a token of both
/// cases a word counts in one case (two ways to hit it), or, with
/// `any_case`, in any mix of cases (each letter hit one way in k/2).
pub fn by_chance(secret: &[u8], words: &[usize], any_case: bool) -> f64 {
    let n = secret.len() as f64;
    let k = super::alphabet_size(secret).max(2) as f64;
    let both =
        secret.iter().any(u8::is_ascii_uppercase) && secret.iter().any(u8::is_ascii_lowercase);
    words
        .iter()
        .map(|&len| {
            let places = (n - len as f64 + 1.0).max(1.0);
            let at_one = match (both, any_case) {
                (true, true) => (2.0 / k).powi(len as i32),
                (true, false) => 2.0 * k.powi(-(len as i32)),
                (false, _) => k.powi(-(len as i32)),
            };
            (places * at_one).min(1.0)
        })
        .product()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_short_word_in_a_long_token_is_chance() {
        // `dummy` at the end of 40 lower-case letters and digits.
        let t = b"q8v3kz0x7m2p9w4r1t6y5u0i3o8a2s7d4fdummy";
        assert!(by_chance(t, &[5], false) > CHANCE);
    }

    #[test]
    fn long_or_several_words_are_not() {
        assert!(by_chance(b"AKIAIOSFODNN7EXAMPLE", &[7], false) < CHANCE);
        assert!(by_chance(b"sk-your-key-here", &[5, 5], false) < CHANCE);
        assert!(by_chance(b"ghp_ChangeMe0000000000000000000000000000", &[8], false) < CHANCE);
    }

    #[test]
    fn any_case_is_likelier() {
        let t = b"KEY96NphmYKogjQZQ8rPSxzLmaB3";
        assert!(by_chance(t, &[3], true) > by_chance(t, &[3], false));
        assert!(by_chance(t, &[3], true) > CHANCE);
    }
}
