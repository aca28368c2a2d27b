//! Findings inside archives and app packages (`bundle.tgz!/.env`,
//! `app.apk!/assets/config.json`): the file that holds the key is not in
//! the repository on its own, so `git rm --cached .env` fixes nothing. The
//! advice names the container: rebuild it without the key (or delete it),
//! and untrack it when git tracks it.

use crate::findings::Finding;
use crate::findings::causes::{self, Cause};
use crate::input::GitState;
use crate::rules::RuleKind;

/// Archive extensions whose members are reported as `outer!/member`.
const ARCHIVE_EXT: &[&str] = &[
    "zip", "jar", "war", "ear", "aar", "apk", "aab", "xapk", "ipa", "asar", "tar", "tgz", "gz",
    "bz2", "xz", "zst", "7z", "whl", "egg", "nupkg", "vsix", "crx", "xpi", "appx", "msix",
];

/// Split `app/release.apk!/assets/x.json` into the file on disk
/// (`app/release.apk`) and the member inside it (`assets/x.json`); a path
/// with no archive in it is returned whole. Only a `!/` after a name with an
/// archive extension counts, so a folder that happens to end in `!` is not
/// mistaken for an archive.
pub fn split_member(path: &str) -> (&str, Option<&str>) {
    let mut from = 0;
    while let Some(i) = crate::text::from(path, from).find("!/") {
        let at = from + i;
        let outer = crate::text::to(path, at);
        let ext = outer
            .rsplit('/')
            .next()
            .and_then(|name| name.rsplit_once('.'))
            .map(|(_, e)| e.to_ascii_lowercase());
        if ext.is_some_and(|e| ARCHIVE_EXT.contains(&e.as_str())) {
            return (outer, Some(crate::text::from(path, at + 2)));
        }
        from = at + 2;
    }
    (path, None)
}

/// The outermost container of a member path, when the path is inside one.
pub fn container_of(path: &str) -> Option<&str> {
    match split_member(path) {
        (outer, Some(_)) => Some(outer),
        _ => None,
    }
}

/// What to do about a key inside `container`: the words for its fix.
pub fn container_fix(container: &str, git: Option<GitState>, app: bool) -> String {
    let mut s = if app {
        format!(
            "the key is built into {container}: take it out of the source the package is built from (the app should get what it needs from your server at run time), rebuild the package and ship the new version"
        )
    } else {
        format!(
            "the file is inside {container}: remove the key from the files it was packed from, then rebuild {container} without it (or delete the archive if nothing needs it)"
        )
    };
    match git {
        Some(GitState::Tracked) | None => s.push_str(&format!(
            "; stop tracking the archive (git rm --cached {container}) and list it in .gitignore: build outputs belong in releases, not in the repository"
        )),
        Some(GitState::Untracked) => s.push_str(&format!(
            "; do not commit {container} (list it in .gitignore)"
        )),
        _ => {}
    }
    s
}

/// Rewrite the fix of every secret found inside an archive or app package
/// (public keys and test data keep theirs: their advice does not depend on
/// where the file sits, and a container image's layers and config have
/// their own causes and fixes: src/findings/image.rs).
pub fn apply(findings: &mut [Finding]) {
    for f in findings
        .iter_mut()
        .filter(|f| f.kind == RuleKind::Secret && f.image.is_none())
    {
        if f.causes
            .iter()
            .any(|c| matches!(c, Cause::PublicByDesign | Cause::TestData))
        {
            continue;
        }
        let Some(container) = container_of(&f.path).map(str::to_string) else {
            continue;
        };
        let s = f.situation();
        let app = f.causes.contains(&Cause::AppBinary);
        let mut parts = vec![causes::first_step(&f.causes, &s).to_string()];
        parts.push(container_fix(&container, f.git, app));
        if f.causes.contains(&Cause::GitHistory) {
            parts.push(format!(
                "purge {container} from git history once rotated (git filter-repo --invert-paths --path {container})"
            ));
        }
        f.fix = parts.join("; ");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers() {
        assert_eq!(
            container_of("dist/bundle.tgz!/.env"),
            Some("dist/bundle.tgz")
        );
        assert_eq!(container_of("a.zip!/b.jar!/c.properties"), Some("a.zip"));
        assert_eq!(container_of("src/.env"), None);
        let fix = container_fix("dist/bundle.tgz", Some(GitState::Tracked), false);
        assert!(fix.contains("rebuild dist/bundle.tgz"), "{fix}");
        assert!(fix.contains("git rm --cached dist/bundle.tgz"), "{fix}");
        assert!(!fix.contains("--cached .env"), "{fix}");
    }
}
