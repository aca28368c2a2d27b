//! SARIF 2.1.0 for GitHub code scanning (placeholder, filled in below).

use std::io::Write;

use anyhow::Result;

use crate::report::Report;

pub fn write(_r: &Report<'_>, _w: &mut dyn Write) -> Result<()> {
    anyhow::bail!("SARIF output is not implemented yet")
}
