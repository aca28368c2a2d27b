//! The shared vocabulary: small enums that the command line, the config
//! file, the rules, the findings and the reports all speak. A leaf module: it
//! imports nothing from the crate, so no stage depends on another through it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How bad it is when this kind of secret leaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Public by design (a publishable or search-only key) or a test key the
    /// config says only to warn about: reported, never failing by default.
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The CVSS-like score GitHub code scanning reads from the SARIF
    /// `security-severity` property (over 9.0 is critical, 7.0-8.9 high,
    /// 4.0-6.9 medium, under 4.0 low).
    pub fn security_severity(self) -> &'static str {
        match self {
            Severity::Info => "0.0",
            Severity::Low => "3.0",
            Severity::Medium => "5.5",
            Severity::High => "8.0",
            Severity::Critical => "9.5",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(format!(
                "unknown severity '{s}' (expected info, low, medium, high or critical)"
            )),
        }
    }
}

/// How sure a match of this rule is to be a real secret (SARIF `precision`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    Low,
    Medium,
    #[default]
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// What a rule's match is.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    #[default]
    Secret,
    Risk,
}

impl RuleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Secret => "secret",
            RuleKind::Risk => "risk",
        }
    }
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Grouped by file, with causes, fixes and the checklist.
    Human,
    /// The `jikimi/report/v1` JSON document.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning (secrets always redacted).
    Sarif,
    /// A few lines per finding: where, cause and fix (the pre-commit hook).
    Compact,
    /// GitHub Actions workflow commands (`::error file=...::`): annotations
    /// on the changed lines of a pull request.
    Github,
    /// JUnit XML: one test case per finding, for CI test-report views.
    Junit,
}

/// What makes `jikimi scan` exit 1 (`--fail-on`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Any secret, and risks of high severity or more (the default).
    #[default]
    Secret,
    /// Any secret or risk.
    Risk,
    /// Never: report only.
    None,
    /// Only secrets the provider confirmed live (needs --verify).
    Live,
}
