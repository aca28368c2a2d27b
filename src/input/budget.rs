//! One file's decoding budget: every decoder that turns a file's bytes into
//! text to scan (dex string tables, Android string pools, binary plists,
//! UTF-16, source maps, notebooks, base64 payloads) charges what it produces
//! here, so the text made out of one file is bounded whatever its headers
//! declare.
//!
//! The limit is [`FACTOR`] times the file's size plus [`SLACK`], and never
//! more than the per-file limit (`--max-file-size`). Honest files stay far
//! below it: a dex or a string pool yields at most its own bytes (plus a
//! newline per string), a binary plist a few times its size (keys are
//! shared, and each use prints the key again). Hostile ones are cut: a
//! string table whose entries all point at one long string, a plist whose
//! thousands of values are one object. Every expansion counts, so aliasing
//! cannot multiply the output. The caller reports the cut (a `skipped` line
//! naming the file); what was decoded before it is scanned.

/// The output may be this many times the input.
pub const FACTOR: u64 = 4;
/// Plus this much, whatever the input's size (small files with a few aliased
/// strings are common in real binary plists).
pub const SLACK: u64 = 1 << 20;

/// Bytes left to produce from one file.
#[derive(Debug, Clone)]
pub struct Budget {
    limit: usize,
    used: usize,
    /// What ran out of budget, when something did.
    cut: Option<&'static str>,
}

impl Budget {
    /// A budget of exactly `limit` bytes.
    pub fn new(limit: usize) -> Budget {
        Budget {
            limit,
            used: 0,
            cut: None,
        }
    }

    /// The budget for decoding a file of `len` bytes when the per-file
    /// limit is `max`: `FACTOR × len + SLACK`, at most `max`.
    pub fn for_input(len: usize, max: u64) -> Budget {
        let n = (len as u64)
            .saturating_mul(FACTOR)
            .saturating_add(SLACK)
            .min(max);
        Budget::new(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// The limit this budget started with.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Bytes produced so far.
    pub fn used(&self) -> usize {
        self.used
    }

    /// Bytes that may still be produced.
    pub fn left(&self) -> usize {
        self.limit - self.used
    }

    /// Take up to `n` bytes: the number granted. When fewer than `n` are
    /// left, the budget is spent and `what` is recorded as the decoder that
    /// was cut.
    pub fn take(&mut self, n: usize, what: &'static str) -> usize {
        let granted = n.min(self.left());
        self.used += granted;
        if granted < n {
            self.cut.get_or_insert(what);
        }
        granted
    }

    /// Take exactly `n` bytes, or none (and record the cut).
    pub fn charge(&mut self, n: usize, what: &'static str) -> bool {
        if n > self.left() {
            self.used = self.limit;
            self.cut.get_or_insert(what);
            return false;
        }
        self.used += n;
        true
    }

    /// Whether the budget ran out, and in which decoder.
    pub fn cut(&self) -> Option<&'static str> {
        self.cut
    }

    /// The `skipped` reason for a cut budget, or `None`.
    pub fn cut_message(&self) -> Option<String> {
        let what = self.cut?;
        Some(format!(
            "decoding stopped after {} bytes: the {what} expands past this file's budget \
             ({FACTOR}x its size + 1 MiB, at most --max-file-size); aliased or damaged entries? \
             What was decoded before the cut was scanned",
            self.used
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert_eq!(Budget::for_input(10, u64::MAX).limit(), 40 + (1 << 20));
        assert_eq!(Budget::for_input(10 << 20, 16 << 20).limit(), 16 << 20);
        assert_eq!(Budget::for_input(usize::MAX, u64::MAX).limit(), usize::MAX);
    }

    #[test]
    fn take_and_charge() {
        let mut b = Budget::new(10);
        assert_eq!(b.take(4, "x"), 4);
        assert!(b.charge(3, "x"));
        assert_eq!(b.cut(), None);
        assert!(!b.charge(4, "plist"));
        assert_eq!(b.left(), 0);
        assert_eq!(b.cut(), Some("plist"));
        assert_eq!(b.take(1, "dex"), 0);
        assert_eq!(b.cut(), Some("plist"), "the first cut is the one reported");
        assert!(b.cut_message().unwrap().contains("plist"));
    }
}
