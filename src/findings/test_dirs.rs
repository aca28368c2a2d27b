//! Test folders a project's own manifests name: pytest's `testpaths`
//! (`pytest.ini`, `pyproject.toml`'s `[tool.pytest.ini_options]`,
//! `setup.cfg`'s `[tool:pytest]`, `tox.ini`'s `[pytest]`), Jest's `roots`
//! and `testMatch` (`package.json`'s `jest` key, `jest.config.json`),
//! Cargo's `[[test]] path`, Maven's `testSourceDirectory` and test
//! resources, and Gradle source sets named for tests.
//!
//! Conventions ([`crate::findings::test_data::is_test_path`]) cover most
//! layouts; these cover the rest (`it/`, `e2e/`, `qa/`, `integration/`), so
//! a key there gets the test-data cause too. Manifests are data: read
//! bounded, parsed, never executed; a file that does not parse names no
//! folder.

use std::path::Path;

/// One place a manifest names as tests, relative to the manifest's folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TestPlace {
    /// A folder (`integration_tests`, `src/it`): everything below it.
    Dir(String),
    /// One file (a Cargo `[[test]]` target at the crate's top).
    File(String),
    /// A folder name anywhere below the manifest (`**/e2e/**` in Jest).
    Named(String),
}

impl TestPlace {
    /// Whether `rel` (relative to the manifest's folder, `/`-separated) is
    /// in this place.
    pub fn holds(&self, rel: &str) -> bool {
        match self {
            TestPlace::Dir(d) => rel
                .strip_prefix(d.as_str())
                .is_some_and(|rest| rest.starts_with('/')),
            TestPlace::File(f) => rel == f,
            TestPlace::Named(n) => {
                let mut parts: Vec<&str> = rel.split('/').collect();
                parts.pop();
                parts.contains(&n.as_str())
            }
        }
    }
}

/// The files read for test folders, in one project folder.
pub const FILES: &[&str] = &[
    "pyproject.toml",
    "pytest.ini",
    "setup.cfg",
    "tox.ini",
    "package.json",
    "jest.config.json",
    "Cargo.toml",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
];

/// The test places named by the manifest `name` with content `text`.
pub fn places(name: &str, text: &str) -> Vec<TestPlace> {
    let mut out = match name {
        "pyproject.toml" => pyproject(text),
        "pytest.ini" => ini_section(text, "pytest"),
        "tox.ini" => ini_section(text, "pytest"),
        "setup.cfg" => ini_section(text, "tool:pytest"),
        "package.json" => serde_json::from_str::<serde_json::Value>(text)
            .map(|v| jest(&v["jest"]))
            .unwrap_or_default(),
        "jest.config.json" => serde_json::from_str::<serde_json::Value>(text)
            .map(|v| jest(&v))
            .unwrap_or_default(),
        "Cargo.toml" => cargo(text),
        "pom.xml" => maven(text),
        "build.gradle" | "build.gradle.kts" => gradle(text),
        _ => Vec::new(),
    };
    out.dedup();
    out
}

/// The places named by the test manifests in the folder `dir`.
pub fn read_dir_places(dir: &Path) -> Vec<TestPlace> {
    let mut out = Vec::new();
    for name in FILES {
        let mut buf = Vec::new();
        let path = dir.join(name);
        if !std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            continue;
        }
        if crate::input::fsread::read_bounded_into(
            &path,
            crate::findings::project::MANIFEST_LIMIT,
            &mut buf,
        )
        .is_err()
        {
            continue;
        }
        buf.truncate(crate::findings::project::MANIFEST_LIMIT as usize);
        out.extend(places(name, &String::from_utf8_lossy(&buf)));
    }
    out
}

/// A folder path as a manifest gives it (`./tests/`, `<rootDir>/e2e`,
/// `${project.basedir}/src/it/java`) made relative and `/`-separated;
/// `None` for the project folder itself, anything leaving it, or a path
/// with glob characters.
fn folder(raw: &str) -> Option<String> {
    let mut p = raw.trim().replace('\\', "/");
    for prefix in [
        "<rootDir>",
        "${project.basedir}",
        "${basedir}",
        "$projectDir",
    ] {
        if let Some(rest) = p.strip_prefix(prefix) {
            p = rest.to_string();
        }
    }
    let parts: Vec<&str> = p
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    if parts.is_empty()
        || parts
            .iter()
            .any(|s| *s == ".." || s.contains(['*', '?', '[', '{', '(', '!']))
    {
        return None;
    }
    Some(parts.join("/"))
}

/// Folders that hold the product's own code: a test root there (Jest's
/// `roots: ["<rootDir>/src"]`, tests beside the code) does not make all of
/// it test code.
const SOURCE_DIRS: &[&str] = &[
    "src",
    "lib",
    "app",
    "source",
    "packages",
    "pages",
    "components",
    "server",
    "client",
];

fn test_dir(raw: &str) -> Option<TestPlace> {
    let d = folder(raw)?;
    if SOURCE_DIRS.contains(&d.as_str()) {
        return None;
    }
    Some(TestPlace::Dir(d))
}

fn pyproject(text: &str) -> Vec<TestPlace> {
    let Ok(v) = toml::from_str::<toml::Table>(text) else {
        return Vec::new();
    };
    let paths = v
        .get("tool")
        .and_then(|t| t.get("pytest"))
        .and_then(|p| p.get("ini_options"))
        .and_then(|o| o.get("testpaths"));
    match paths {
        Some(toml::Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str())
            .filter_map(test_dir)
            .collect(),
        Some(toml::Value::String(s)) => s.split_whitespace().filter_map(test_dir).collect(),
        _ => Vec::new(),
    }
}

/// `testpaths` in the ini `[section]`: values separated by spaces, going on
/// over indented lines.
fn ini_section(text: &str, section: &str) -> Vec<TestPlace> {
    let mut out = Vec::new();
    let mut in_section = false;
    let mut in_value = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_section = trimmed.trim_start_matches('[').trim_end_matches(']').trim() == section;
            in_value = false;
            continue;
        }
        if !in_section || trimmed.starts_with(['#', ';']) {
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        if in_value && indented && !trimmed.is_empty() {
            out.extend(trimmed.split_whitespace().filter_map(test_dir));
            continue;
        }
        in_value = false;
        if let Some((k, v)) = trimmed.split_once(['=', ':'])
            && k.trim() == "testpaths"
        {
            in_value = true;
            out.extend(v.split_whitespace().filter_map(test_dir));
        }
    }
    out
}

/// Jest's `roots` (folders) and `testMatch` (globs: the literal folder
/// they start with, or a literal folder name between `**`s).
fn jest(v: &serde_json::Value) -> Vec<TestPlace> {
    let mut out = Vec::new();
    for r in v["roots"].as_array().into_iter().flatten() {
        if let Some(p) = r.as_str().and_then(test_dir) {
            out.push(p);
        }
    }
    let globs: Vec<&str> = match &v["testMatch"] {
        serde_json::Value::Array(a) => a.iter().filter_map(|x| x.as_str()).collect(),
        serde_json::Value::String(s) => vec![s.as_str()],
        _ => Vec::new(),
    };
    for g in globs {
        let g = g.strip_prefix("<rootDir>").unwrap_or(g);
        let parts: Vec<&str> = g.split('/').filter(|s| !s.is_empty()).collect();
        let literal = |s: &str| !s.contains(['*', '?', '[', '{', '(', '!', '+', '@']);
        // The literal folders before the first glob segment (the last
        // segment is the file pattern).
        let dirs = parts.len().saturating_sub(1);
        let lead: Vec<&str> = parts
            .iter()
            .take(dirs)
            .take_while(|s| literal(s) && **s != ".")
            .copied()
            .collect();
        if !lead.is_empty() {
            if let Some(p) = test_dir(&lead.join("/")) {
                out.push(p);
            }
            continue;
        }
        // `**/e2e/**/*.js`: a folder of that name anywhere.
        for (i, s) in parts.iter().enumerate().take(dirs) {
            if i > 0 && parts[i - 1] == "**" && literal(s) && !SOURCE_DIRS.contains(s) {
                out.push(TestPlace::Named((*s).to_string()));
            }
        }
    }
    out
}

/// Cargo `[[test]] path = "it/smoke.rs"`: the target's folder (its helpers
/// sit beside it), or the file alone when it sits at the top or in `src/`.
fn cargo(text: &str) -> Vec<TestPlace> {
    let Ok(v) = toml::from_str::<toml::Table>(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for t in v
        .get("test")
        .and_then(|t| t.as_array())
        .into_iter()
        .flatten()
    {
        let Some(path) = t.get("path").and_then(|p| p.as_str()).and_then(folder) else {
            continue;
        };
        match path.rsplit_once('/') {
            Some((dir, _)) if dir != "src" && !dir.starts_with("src/") => {
                out.push(TestPlace::Dir(dir.to_string()))
            }
            _ => out.push(TestPlace::File(path)),
        }
    }
    out
}

/// The text between `<tag>` and `</tag>`, each time it occurs.
fn xml_values<'a>(text: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some((_, after)) = rest.split_once(open.as_str()) {
        let Some((value, tail)) = after.split_once(close.as_str()) else {
            break;
        };
        out.push(value);
        rest = tail;
    }
    out
}

/// Maven: `<testSourceDirectory>` and the `<directory>` of each
/// `<testResource>`.
fn maven(text: &str) -> Vec<TestPlace> {
    let mut out: Vec<TestPlace> = xml_values(text, "testSourceDirectory")
        .into_iter()
        .filter_map(test_dir)
        .collect();
    for res in xml_values(text, "testResource") {
        out.extend(
            xml_values(res, "directory")
                .into_iter()
                .filter_map(test_dir),
        );
    }
    out
}

/// Gradle: `srcDir`/`srcDirs` strings inside a block whose name says test
/// (`test { java { srcDirs = ['src/it/java'] } }`, `integrationTest`).
fn gradle(text: &str) -> Vec<TestPlace> {
    let mut out = Vec::new();
    let mut stack: Vec<bool> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        let in_test = stack.iter().any(|t| *t);
        if in_test && trimmed.contains("srcDir") {
            let mut rest = trimmed;
            while let Some(i) = rest.find(['\'', '"']) {
                let q = crate::text::from(rest, i);
                let quote = q.chars().next().unwrap_or('"');
                let body = crate::text::from(q, 1);
                let Some(end) = body.find(quote) else { break };
                if let Some(p) = test_dir(crate::text::to(body, end)) {
                    out.push(p);
                }
                rest = crate::text::from(body, end + 1);
            }
        }
        for (i, c) in trimmed.char_indices() {
            match c {
                '{' => {
                    let head = crate::text::to(trimmed, i).trim();
                    let name = head
                        .rsplit(|c: char| c.is_whitespace() || c == '(' || c == ')')
                        .find(|s| !s.is_empty())
                        .unwrap_or(head)
                        .trim_matches(['"', '\'']);
                    stack.push(name.to_ascii_lowercase().contains("test"));
                }
                '}' => {
                    stack.pop();
                }
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirs(v: Vec<TestPlace>) -> Vec<String> {
        v.into_iter()
            .map(|p| match p {
                TestPlace::Dir(d) => format!("dir:{d}"),
                TestPlace::File(f) => format!("file:{f}"),
                TestPlace::Named(n) => format!("named:{n}"),
            })
            .collect()
    }

    #[test]
    fn pytest_testpaths() {
        assert_eq!(
            dirs(places(
                "pyproject.toml",
                "[tool.pytest.ini_options]\ntestpaths = [\"it\", \"./checks/\", \"src\"]\n"
            )),
            ["dir:it", "dir:checks"]
        );
        assert_eq!(
            dirs(places(
                "pytest.ini",
                "[pytest]\naddopts = -q\ntestpaths = qa\n    smoke e2e\nx = 1\n"
            )),
            ["dir:qa", "dir:smoke", "dir:e2e"]
        );
        assert_eq!(
            dirs(places(
                "setup.cfg",
                "[metadata]\ntestpaths = no\n[tool:pytest]\ntestpaths = checks\n"
            )),
            ["dir:checks"]
        );
        assert!(places("tox.ini", "[tox]\ntestpaths = no\n").is_empty());
        assert!(places("pyproject.toml", "not toml [").is_empty());
    }

    #[test]
    fn jest_roots_and_matches() {
        let pkg = r#"{"jest": {"roots": ["<rootDir>/src", "<rootDir>/e2e"],
            "testMatch": ["<rootDir>/checks/**/*.js", "**/?(*.)+(spec|test).[jt]s?(x)", "**/integration/**/*.ts"]}}"#;
        assert_eq!(
            dirs(places("package.json", pkg)),
            ["dir:e2e", "dir:checks", "named:integration"]
        );
        assert!(places("package.json", "{").is_empty());
    }

    #[test]
    fn cargo_maven_gradle() {
        assert_eq!(
            dirs(places(
                "Cargo.toml",
                "[package]\nname='x'\n[[test]]\nname='it'\npath='it/main.rs'\n[[test]]\nname='t'\npath='smoke.rs'\n"
            )),
            ["dir:it", "file:smoke.rs"]
        );
        assert_eq!(
            dirs(places(
                "pom.xml",
                "<build><testSourceDirectory>${project.basedir}/src/it/java</testSourceDirectory><testResources><testResource><directory>src/it/resources</directory></testResource></testResources></build>"
            )),
            ["dir:src/it/java", "dir:src/it/resources"]
        );
        assert_eq!(
            dirs(places(
                "build.gradle",
                "sourceSets {\n  main { java { srcDirs = ['src/main/java'] } }\n  integrationTest {\n    java { srcDir 'src/it/java' }\n  }\n}\n"
            )),
            ["dir:src/it/java"]
        );
    }

    #[test]
    fn places_hold_paths() {
        assert!(TestPlace::Dir("it".into()).holds("it/a/b.py"));
        assert!(!TestPlace::Dir("it".into()).holds("item/b.py"));
        assert!(!TestPlace::Dir("it".into()).holds("it"));
        assert!(TestPlace::File("smoke.rs".into()).holds("smoke.rs"));
        assert!(TestPlace::Named("e2e".into()).holds("web/e2e/login.ts"));
        assert!(!TestPlace::Named("e2e".into()).holds("web/e2e.ts"));
    }
}
