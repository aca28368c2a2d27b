//! `--shard I/N`: a stable 1/N share of the repositories, by a hash of the
//! name (FNV-1a, fixed here: the same on every machine and every version),
//! so a CI matrix of N jobs scans every repository exactly once, whatever
//! order the API lists them in.

use anyhow::{Result, bail};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: u64,
    pub count: u64,
}

impl Shard {
    pub fn parse(s: &str) -> Result<Shard> {
        let parsed = s.split_once('/').and_then(|(i, n)| {
            Some((i.trim().parse::<u64>().ok()?, n.trim().parse::<u64>().ok()?))
        });
        match parsed {
            Some((index, count)) if count >= 1 && (1..=count).contains(&index) => {
                Ok(Shard { index, count })
            }
            _ => bail!(
                "--shard takes I/N with 1 <= I <= N (e.g. --shard 2/4 in a matrix of 4 jobs), not {}",
                crate::text::escape(s)
            ),
        }
    }

    /// Whether the repository `name` is in this share.
    pub fn holds(&self, name: &str) -> bool {
        fnv1a(name.as_bytes()) % self.count + 1 == self.index
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_cover_once() {
        let names: Vec<String> = (0..500).map(|i| format!("org/repo-{i}")).collect();
        let shards: Vec<Shard> = (1..=4)
            .map(|i| Shard::parse(&format!("{i}/4")).unwrap())
            .collect();
        for n in &names {
            assert_eq!(shards.iter().filter(|s| s.holds(n)).count(), 1, "{n}");
        }
        for s in &shards {
            let share = names.iter().filter(|n| s.holds(n)).count();
            assert!((75..=175).contains(&share), "{share}");
        }
        // Stable: a fixed name is always in the same share.
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn bad_shards() {
        for s in ["0/4", "5/4", "1/0", "x", "1/", "/2", "-1/2"] {
            assert!(Shard::parse(s).is_err(), "{s}");
        }
        assert_eq!(Shard::parse("1/1").unwrap().count, 1);
    }
}
