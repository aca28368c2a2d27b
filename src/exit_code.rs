//! Exit codes, decided in one place: 0 clean, 1 findings that fail, 2 a
//! usage or runtime error (errors win over findings).

/// The process outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    /// Nothing fails the scan.
    Clean,
    /// Findings fail the scan.
    Leaks,
    /// Usage or runtime error.
    Error,
}

impl From<ExitCode> for u8 {
    fn from(c: ExitCode) -> u8 {
        match c {
            ExitCode::Clean => 0,
            ExitCode::Leaks => 1,
            ExitCode::Error => 2,
        }
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(c: ExitCode) -> Self {
        std::process::ExitCode::from(u8::from(c))
    }
}

impl ExitCode {
    /// Combine two outcomes: the more serious wins.
    pub fn merge(self, other: ExitCode) -> ExitCode {
        std::cmp::max_by_key(self, other, |c| u8::from(*c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_precedence() {
        assert_eq!(u8::from(ExitCode::Clean), 0);
        assert_eq!(u8::from(ExitCode::Leaks), 1);
        assert_eq!(u8::from(ExitCode::Error), 2);
        assert_eq!(ExitCode::Leaks.merge(ExitCode::Error), ExitCode::Error);
        assert_eq!(ExitCode::Clean.merge(ExitCode::Leaks), ExitCode::Leaks);
        assert_eq!(ExitCode::Clean.merge(ExitCode::Clean), ExitCode::Clean);
    }
}
