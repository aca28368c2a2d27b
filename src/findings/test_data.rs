//! Test data: keys in test code and test fixtures.
//!
//! Most keys in tests are deliberately fake; some are real by mistake. A key
//! there stays a finding (a real key in a test is leaked like any other), but
//! its cause is [`Cause::TestData`], its advice fits a test (rotate a real
//! one and read it from the environment; make a fake one obviously fake or
//! mark it), and its severity follows the config's `tests` switch
//! ([`TestsPolicy`]): one step lower by default, `info` (reported, never
//! failing) with `tests = "warn"`, held back (counted as suppressed) with
//! `tests = "ignore"`.
//!
//! Test code is recognised by each ecosystem's own conventions (see
//! [`is_test_path`] and `docs/causes.md`), and in Rust by the
//! `#[cfg(test)]` module a key sits in ([`in_rust_test_module`]).

use crate::findings::Finding;
use crate::findings::causes::{self, Cause, file_name};
use crate::findings::suppress::{Reason, Suppressed};
use crate::rules::{RuleKind, Severity};

/// What the config's `tests` switch asks for keys in test data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TestsPolicy {
    /// Report them one severity step lower (the default): they still fail
    /// the scan.
    #[default]
    Report,
    /// Report them at severity `info`: listed, never failing by default.
    Warn,
    /// Hold them back, counted as suppressed (`-v` lists them).
    Ignore,
}

impl TestsPolicy {
    pub fn parse(s: &str) -> Option<TestsPolicy> {
        match s {
            "report" => Some(TestsPolicy::Report),
            "warn" => Some(TestsPolicy::Warn),
            "ignore" => Some(TestsPolicy::Ignore),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TestsPolicy::Report => "report",
            TestsPolicy::Warn => "warn",
            TestsPolicy::Ignore => "ignore",
        }
    }
}

/// Folder names that hold tests or test data in most ecosystems: Go
/// `testdata/`, Rust, Python, PHP and JS `tests/`, JS `__tests__/`,
/// `__mocks__/` and `__fixtures__/`, Ruby `spec/`, fixtures anywhere.
const TEST_DIRS: &[&str] = &[
    "test",
    "tests",
    "testdata",
    "test-data",
    "test_data",
    "__tests__",
    "__mocks__",
    "__fixtures__",
    "__snapshots__",
    "fixtures",
    "fixture",
    "spec",
    "specs",
    "testing",
    "testfixtures",
    "test-fixtures",
    "test_fixtures",
    "testsuite",
    "test-suite",
    "test_suite",
    // Example code shipped with a library or framework (an `examples/`
    // folder of demo apps): its keys are samples, like a test's, and the
    // same advice fits. Singular `example` is left out: it is a common
    // package name (`com/example/`).
    "examples",
];

/// Whether a `/`-separated path (relative to the scan root, or inside an
/// archive) is test code or test data by its ecosystem's conventions:
///
/// - a folder: `test/`, `tests/`, `testdata/`, `__tests__/`, `__mocks__/`,
///   `fixtures/`, `spec/`, Java and Kotlin `src/test/`, C# `*.Tests/` and
///   `*.Test/` projects;
/// - a file: Go `*_test.go`, JS/TS `*.test.*` and `*.spec.*`, Python
///   `test_*.py`, `*_test.py` and `conftest.py`, Ruby `*_spec.rb` and
///   `*_test.rb`, PHP and Java `*Test.php`/`*Test.java`/`*Tests.java`,
///   C# `*Tests.cs`, Kotlin `*Test.kt`.
pub fn is_test_path(path: &str) -> bool {
    // Inside an archive, the archive's folders count too (a fixture
    // tarball under `tests/` is test data).
    let mut parts: Vec<&str> = path.split('/').collect();
    let name = parts.pop().unwrap_or("");
    let dir_is_test = parts.iter().any(|p| {
        let lower = p.to_ascii_lowercase();
        TEST_DIRS.contains(&lower.as_str())
            || lower.ends_with(".tests")
            || lower.ends_with(".test")
            || lower.ends_with(".unittests")
            || lower.ends_with(".integrationtests")
    });
    dir_is_test || is_test_file_name(name)
}

/// Whether a path is documentation, where keys are examples: prose files
/// (`.md`, `.rst`, `.adoc`, `.txt`) in a `docs/` or `doc/` folder, and a
/// documentation build's output (Sphinx `_build/`, `.doctree` pickles).
/// Such keys get the test-data cause (with its advice: rotate a real one,
/// make an example obviously fake).
pub fn is_docs_path(path: &str) -> bool {
    let mut parts: Vec<&str> = path.split('/').collect();
    let name = parts.pop().unwrap_or("");
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
    if ext == "doctree" || parts.contains(&".doctrees") {
        return true;
    }
    let in_docs = parts.iter().any(|p| {
        let p = p.to_ascii_lowercase();
        matches!(p.as_str(), "docs" | "doc" | "documentation" | "_build")
    });
    in_docs && matches!(ext, "md" | "markdown" | "rst" | "adoc" | "txt")
}

fn is_test_file_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let stem_ext = lower.rsplit_once('.');
    let (stem, ext) = stem_ext.unwrap_or((lower.as_str(), ""));
    match ext {
        "go" => stem.ends_with("_test"),
        "py" => stem.starts_with("test_") || stem.ends_with("_test") || stem == "conftest",
        "rb" => stem.ends_with("_spec") || stem.ends_with("_test"),
        "php" | "java" | "kt" | "cs" | "scala" | "groovy" | "swift" => {
            // PascalCase: `UserTest.php`, `UserTests.cs`, `UserSpec.scala`.
            let original = causes::file_name(name);
            let ostem = original.rsplit_once('.').map_or(original, |(s, _)| s);
            ostem.ends_with("Test")
                || ostem.ends_with("Tests")
                || ostem.ends_with("Spec")
                || ostem.ends_with("IT")
        }
        "rs" => false,
        _ => {
            // JS/TS and friends: `app.test.ts`, `app.spec.jsx`,
            // `app.e2e-spec.ts`.
            let inner = stem.rsplit('.').next().unwrap_or("");
            stem.contains('.') && matches!(inner, "test" | "spec" | "e2e-spec" | "e2e" | "cy")
        }
    }
}

/// Whether the byte offset `at` of a Rust source `text` lies in a
/// `#[cfg(test)]` module: a `#[cfg(test)]` attribute comes before it and
/// the module it opens has not been closed by then (tests modules sit at the
/// end of a file by convention, so the brace count from the attribute is
/// enough).
pub fn in_rust_test_module(path: &str, text: &str, at: usize) -> bool {
    if !file_name(path).ends_with(".rs") {
        return false;
    }
    let head = text.as_bytes().get(..at).unwrap_or(text.as_bytes());
    let Some(attr) = memchr::memmem::rfind(head, b"#[cfg(test)]") else {
        return false;
    };
    let after = &head[attr..];
    let Some(open) = memchr::memchr(b'{', after) else {
        return false;
    };
    let mut depth: i64 = 0;
    for &b in &after[open..] {
        match b {
            b'{' => depth += 1,
            b'}' => depth -= 1,
            _ => {}
        }
        if depth <= 0 {
            return false;
        }
    }
    depth > 0
}

/// One severity step lower (never below low: a key in a test still fails
/// under the default policy unless the config says `tests = "warn"`).
fn lower(s: Severity) -> Severity {
    match s {
        Severity::Critical => Severity::High,
        Severity::High => Severity::Medium,
        Severity::Medium | Severity::Low => Severity::Low,
        Severity::Info => Severity::Info,
    }
}

/// Whether `f` is a key in test data only: its causes say so and nothing
/// else places it (a key also in shipped code is not a test key).
pub fn is_test_finding(f: &Finding) -> bool {
    f.kind == RuleKind::Secret
        && f.causes.contains(&Cause::TestData)
        && f.causes
            .iter()
            .all(|c| matches!(c, Cause::TestData | Cause::GitHistory))
}

/// Apply the `tests` policy to the scan's findings: test keys get their
/// severity (one step lower, or `info` with `warn`), or are held back with
/// `ignore` (into `suppressed`, reason `tests`). A finding whose file holds
/// the key in test code and elsewhere loses the test cause (the other place
/// decides).
pub fn apply(
    findings: Vec<Finding>,
    policy: TestsPolicy,
    suppressed: &mut Vec<Suppressed>,
) -> Vec<Finding> {
    let mut kept = Vec::with_capacity(findings.len());
    for mut f in findings {
        if f.kind == RuleKind::Secret && f.causes.contains(&Cause::TestData) && !is_test_finding(&f)
        {
            f.causes.retain(|c| *c != Cause::TestData);
            f.fix = causes::fix(&f.causes, &f.situation());
        }
        if !is_test_finding(&f) {
            kept.push(f);
            continue;
        }
        match policy {
            TestsPolicy::Report => f.severity = lower(f.severity),
            TestsPolicy::Warn => f.severity = Severity::Info,
            TestsPolicy::Ignore => {
                suppressed.push(Suppressed {
                    rule: f.rule.clone(),
                    path: f.path.clone(),
                    line: f.line,
                    reason: Reason::Tests,
                    by: "tests = \"ignore\" in jikimi.toml".into(),
                    causes: f.causes.clone(),
                    kind: f.kind,
                });
                continue;
            }
        }
        kept.push(f);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecosystem_conventions() {
        for p in [
            "pkg/auth/token_test.go",
            "internal/testdata/config.json",
            "tests/integration.rs",
            "src/__tests__/App.tsx",
            "src/app.test.ts",
            "web/login.spec.jsx",
            "tests/test_client.py",
            "pkg/test_client.py",
            "conftest.py",
            "src/test/java/com/acme/ClientTest.java",
            "src/test/resources/app.properties",
            "spec/models/user_spec.rb",
            "tests/Unit/UserTest.php",
            "Acme.Api.Tests/ClientTests.cs",
            "test/fixtures/.env",
            "archive.zip!/tests/x.py",
            "lib/werkzeug/testsuite/http.py",
            "examples/http2/keys/test_key.pem",
        ] {
            assert!(is_test_path(p), "{p}");
        }
        for p in [
            "src/main.rs",
            "src/latest.ts",
            "server/contest.py",
            "src/attestation.go",
            "app/models/user.rb",
            "src/Button.stories.tsx",
            "src/main/java/com/acme/Client.java",
            "tests.zip!/src/app.py",
            "app/src/main/java/com/example/Api.java",
        ] {
            assert!(!is_test_path(p), "{p}");
        }
    }

    #[test]
    fn documentation() {
        for p in [
            "docs/config.rst",
            "docs/tutorial/deploy.rst",
            "doc/setup.md",
            "_build/.doctrees/config.doctree",
        ] {
            assert!(is_docs_path(p), "{p}");
        }
        for p in ["README.md", "docs/conf.py", "src/docs.rs", "app/config.rst"] {
            assert!(!is_docs_path(p), "{p}");
        }
    }

    #[test]
    fn rust_test_modules() {
        let src = "const K: &str = \"a\";\nfn f() {}\n#[cfg(test)]\nmod tests {\n    const T: &str = \"b\";\n    fn g() { }\n}\n";
        let a = src.find("\"a\"").unwrap();
        let b = src.find("\"b\"").unwrap();
        assert!(!in_rust_test_module("src/lib.rs", src, a));
        assert!(in_rust_test_module("src/lib.rs", src, b));
        assert!(!in_rust_test_module("src/lib.py", src, b));
        // After the module closes, code is not test code.
        let src2 = format!("{src}const Z: &str = \"z\";\n");
        let z = src2.find("\"z\"").unwrap();
        assert!(!in_rust_test_module("src/lib.rs", &src2, z));
    }
}
