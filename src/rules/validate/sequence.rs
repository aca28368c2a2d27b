//! Sequential placeholders written by hand: `a1b2c3d4…`, `zyxwvu…987654`,
//! `LTAI123ABC456DEF…`, `sk-abc123def456…`. Their letters and their digits,
//! each read on their own, count up or down one step at a time, interleaved
//! so that no run of adjacent characters is sequential (which
//! `placeholder_reason` already catches).
//!
//! A random token almost never looks like this: a step of exactly ±1
//! between two letters has a chance of 2 in 26, so runs of three or more
//! covering three quarters of a token of sixteen or more characters do not
//! happen by chance (the unit test draws 100,800 random tokens over four alphabets).

/// Shortest token judged: below this, a short run is a coincidence.
const MIN_LEN: usize = 16;

/// Whether `secret` is a hand-written sequence: at least three quarters of
/// its letters and digits sit in runs of three or more that step by one
/// (up or down; digits wrap 9 → 0, letters ignore case) within the letters
/// or within the digits.
pub fn interleaved_sequence(secret: &[u8]) -> bool {
    let letters: Vec<u8> = secret
        .iter()
        .filter(|b| b.is_ascii_alphabetic())
        .map(u8::to_ascii_lowercase)
        .collect();
    let digits: Vec<u8> = secret
        .iter()
        .filter(|b| b.is_ascii_digit())
        .copied()
        .collect();
    let total = letters.len() + digits.len();
    if total < MIN_LEN {
        return false;
    }
    let covered = covered_by_runs(&letters, 26, b'a') + covered_by_runs(&digits, 10, b'0');
    covered * 4 >= total * 3
}

/// How many of `s` (all in `base..base+modulus`) sit in runs of at least
/// three whose steps are all +1 or all -1 (modulo `modulus`).
fn covered_by_runs(s: &[u8], modulus: u8, base: u8) -> usize {
    let step = |a: u8, b: u8| -> i8 {
        let (a, b) = (a - base, b - base);
        if (a + 1) % modulus == b {
            1
        } else if (b + 1) % modulus == a {
            -1
        } else {
            0
        }
    };
    let mut covered = vec![false; s.len()];
    let mut i = 0;
    while i + 1 < s.len() {
        let dir = step(s[i], s[i + 1]);
        if dir == 0 {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j + 1 < s.len() && step(s[j], s[j + 1]) == dir {
            j += 1;
        }
        if j - i + 1 >= 3 {
            covered[i..=j].iter_mut().for_each(|c| *c = true);
        }
        i = j;
    }
    covered.iter().filter(|&&c| c).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_written_sequences() {
        for s in [
            "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6",
            "zyxwvutsrqponmlkjihgfedcba987654",
            "LTAI123ABC456DEF789GHI",
            "LTAI123ABC456DEF",
            "sk-abc123def456ghi789jkl012mno345pqr678stu901vwx",
            "ABCD1234EFGH5678IJKLMN",
        ] {
            assert!(interleaved_sequence(s.as_bytes()), "{s}");
        }
    }

    #[test]
    fn random_tokens_are_not_sequences() {
        let alphabets: [&[u8]; 4] = [
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            b"0123456789abcdef",
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        ];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for (alphabet, len) in alphabets
            .iter()
            .flat_map(|a| [12, 16, 20, 32, 40, 64].map(|l| (*a, l)))
        {
            for _ in 0..4_200 {
                let token: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x >> 12;
                        x ^= x << 25;
                        x ^= x >> 27;
                        let r = (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize;
                        alphabet[r % alphabet.len()]
                    })
                    .collect();
                assert!(
                    !interleaved_sequence(&token),
                    "{}",
                    String::from_utf8_lossy(&token)
                );
            }
        }
        // Real formats with a fixed prefix and random body.
        assert!(!interleaved_sequence(
            format!("AKIA{}", "Z7QW2XH4N6PL3VRT").as_bytes()
        ));
        assert!(!interleaved_sequence(
            b"4f1c9e07b2d84a6e93c5f0b1d7e2a8c6394b5e1f"
        ));
    }
}
