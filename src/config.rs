//! Validated settings: the CLI's raw arguments turned into what the scan
//! needs, with every check (sizes, thread counts, output paths) done once.

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::cli::ScanArgs;
use crate::input::archive::ArchiveLimits;
use crate::report::Format;
use crate::scan::ScanOptions;

/// Everything `jikimi scan` runs with.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    pub scan: ScanOptions,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub redact: bool,
    pub color: bool,
    pub quiet: bool,
    pub verbose: bool,
}

/// Parse `16M`, `512K`, `1G`, `1048576`.
pub fn parse_size(s: &str) -> Result<u64> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m = match c.to_ascii_uppercase() {
                'K' => 1u64 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'B' => 1,
                _ => bail!(
                    "invalid size '{s}': use a number of bytes with an optional K, M or G suffix"
                ),
            };
            (&t[..i], m)
        }
        _ => (t, 1),
    };
    let n: u64 = num.trim().parse().map_err(|_| {
        anyhow::anyhow!(
            "invalid size '{s}': use a number of bytes with an optional K, M or G suffix"
        )
    })?;
    n.checked_mul(mult)
        .ok_or_else(|| anyhow::anyhow!("invalid size '{s}': too large"))
}

impl ScanConfig {
    /// Validate `args`. `stdout_is_terminal` decides colors by default.
    pub fn from_args(args: &ScanArgs, stdout_is_terminal: bool) -> Result<ScanConfig> {
        let threads = match args.threads {
            Some(0) => bail!("--threads must be at least 1"),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(2, |n| n.get()),
        };
        let max_file_size = parse_size(&args.max_file_size)?;
        if max_file_size == 0 {
            bail!("--max-file-size must be more than 0");
        }
        let archives = ArchiveLimits {
            enabled: !args.no_archives,
            max_depth: args.archive_depth,
            max_bytes: parse_size(&args.archive_max_bytes)?,
            max_ratio: args.archive_max_ratio,
            max_members: args.archive_max_members,
            max_total: parse_size(&args.archive_max_total)?,
            max_member_size: max_file_size,
        };
        if archives.enabled {
            if archives.max_depth == 0 {
                bail!("--archive-depth must be at least 1 (use --no-archives to open no archive)");
            }
            if archives.max_bytes == 0 || archives.max_total == 0 {
                bail!("--archive-max-bytes and --archive-max-total must be more than 0");
            }
            if archives.max_ratio == 0 || archives.max_members == 0 {
                bail!("--archive-max-ratio and --archive-max-members must be at least 1");
            }
        }
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = !args.no_color
            && !no_color_env
            && args.output.is_none()
            && args.format == Format::Human
            && stdout_is_terminal;
        Ok(ScanConfig {
            scan: ScanOptions {
                paths: args.paths.clone(),
                threads,
                max_file_size,
                include_deps: args.include_deps,
                follow_links: args.follow,
                print_errors: true,
                archives,
            },
            format: args.format,
            output: args.output.clone(),
            redact: !args.no_redact,
            color,
            quiet: args.quiet,
            verbose: args.verbose,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("16M").unwrap(), 16 << 20);
        assert_eq!(parse_size("512k").unwrap(), 512 << 10);
        assert_eq!(parse_size("1000").unwrap(), 1000);
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5X").is_err());
    }
}
