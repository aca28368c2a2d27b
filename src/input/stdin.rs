//! Standard input as a scan input: `jikimi scan -` scans what is piped in as
//! one file, named by `--stdin-name` (so that causes and path-dependent rules
//! see a real path), and `jikimi scan --diff -` scans only the lines a
//! unified diff adds ([`super::diff`]).
//!
//! Reading is bounded: at most `max` bytes are kept (the rest is drained and
//! reported as a skip), so a pipe that never ends cannot exhaust memory.

use std::io::Read;

use anyhow::{Context, Result};

use super::diff;
use super::{GitState, Origin, Sink};

/// The name a piped file gets when `--stdin-name` is not given.
pub const DEFAULT_NAME: &str = "(stdin)";

/// Read at most `max` bytes from `r`; `true` when more bytes followed (they
/// are read and dropped, so the writer never sees a broken pipe).
pub fn read_bounded(r: &mut dyn Read, max: u64) -> Result<(Vec<u8>, bool)> {
    let mut buf = Vec::new();
    r.take(max)
        .read_to_end(&mut buf)
        .context("cannot read standard input")?;
    let rest = std::io::copy(r, &mut std::io::sink()).context("cannot read standard input")?;
    Ok((buf, rest > 0))
}

/// Scan `bytes` (already read from standard input): as one file named
/// `name`, or, with `as_diff`, as a unified diff whose added lines are
/// scanned under their own paths. Returns (files, bytes) scanned.
pub fn scan(bytes: &[u8], name: &str, as_diff: bool, sink: &dyn Sink) -> (u64, u64) {
    if !as_diff {
        let origin = Origin::File {
            path: name.to_string(),
            git: GitState::NoRepo,
        };
        sink.blob(&origin, bytes);
        return (1, bytes.len() as u64);
    }
    let files = diff::added(bytes);
    let mut total = 0u64;
    for f in &files {
        total += f.content.len() as u64;
        let origin = Origin::File {
            path: f.path.clone(),
            git: GitState::Tracked,
        };
        sink.blob(&origin, &f.content);
    }
    (files.len() as u64, total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_read_keeps_the_head_and_drains_the_rest() {
        let data = [b'a'; 100];
        let (head, more) = read_bounded(&mut &data[..], 10).unwrap();
        assert_eq!(head.len(), 10);
        assert!(more);
        let (all, more) = read_bounded(&mut &data[..], 1000).unwrap();
        assert_eq!(all.len(), 100);
        assert!(!more);
    }
}
