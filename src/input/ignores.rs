//! Ignore rules, read by jikimi itself: `.ignore` and `.gitignore` in every
//! folder from the repository's top down to each file, the repository's
//! `info/exclude`, and the user's global git excludes.
//!
//! The `ignore` crate's walker (and libgit2) open these files on their own,
//! which blocks forever on a committed FIFO and reads without end through a
//! committed `.gitignore -> /dev/zero` symlink. Here every ignore file is
//! read through [`fsread`] (regular files only, bounded), and one that cannot
//! be read is reported, not fatal. Precedence follows ripgrep: `.ignore`
//! over `.gitignore` over `info/exclude` over the global excludes, and a
//! deeper folder's file over a shallower one's. Git's files only count in a
//! git repository.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::input::fsread;

/// The ignore files of one folder.
#[derive(Default)]
struct DirRules {
    ignore: Option<Gitignore>,
    gitignore: Option<Gitignore>,
}

/// Ignore rules for one scan root.
pub struct Ignores {
    /// Folders above the scan root whose ignore files still apply (up to the
    /// repository's top), outermost last.
    top: PathBuf,
    use_git: bool,
    exclude: Option<Gitignore>,
    global: Option<Gitignore>,
    dirs: Mutex<HashMap<PathBuf, Arc<DirRules>>>,
    /// Whether `.ignore` files are read (not in an audit: a committed
    /// `.ignore` would hide files from the scan).
    dot_ignore: bool,
    /// Ignore files that could not be read: (path, why).
    problems: Mutex<Vec<(PathBuf, String)>>,
}

impl Ignores {
    /// Rules for a walk under `root` (absolute). `repo` is the repository's
    /// work tree and git dir when `root` is inside one.
    pub fn new(root: &Path, repo: Option<(&Path, &Path)>) -> Ignores {
        let mut problems = Vec::new();
        let (top, use_git, exclude, global) = match repo {
            Some((workdir, git_dir)) if root.starts_with(workdir) => {
                let exclude = build(workdir, &git_dir.join("info/exclude"), &mut problems);
                let (global, _) = Gitignore::global();
                let global = (!global.is_empty()).then_some(global);
                (workdir.to_path_buf(), true, exclude, global)
            }
            _ => (root.to_path_buf(), false, None, None),
        };
        Ignores {
            top,
            use_git,
            exclude,
            global,
            dirs: Mutex::new(HashMap::new()),
            dot_ignore: true,
            problems: Mutex::new(problems),
        }
    }

    /// `--audit`: the scanned repository's `.ignore` files are not read (a
    /// committed one could hide any file from the scan). Git's own ignore
    /// rules still say what git would not commit.
    pub fn audit(mut self, audit: bool) -> Ignores {
        self.dot_ignore = !audit;
        self
    }

    /// Whether `path` (absolute, under the root) is ignored, by a rule that
    /// matches it or any folder it is in.
    pub fn is_ignored(&self, path: &Path, is_dir: bool) -> bool {
        self.ignored(path, is_dir, None)
    }

    /// Whether `path` is ignored by a rule that matches it or a folder it
    /// is in *below* `floor`. The walk asks this of what is under the scan
    /// root: a folder the user names is scanned even when git ignores it
    /// (`jikimi scan dist/`), as ripgrep searches a path it is given.
    pub fn is_ignored_below(&self, floor: &Path, path: &Path, is_dir: bool) -> bool {
        self.ignored(path, is_dir, Some(floor))
    }

    fn ignored(&self, path: &Path, is_dir: bool, floor: Option<&Path>) -> bool {
        let chain = self.chain(path);
        // How many of the path's components lie below the floor.
        let below = floor.map_or(0, |f| {
            path.strip_prefix(f)
                .map_or(0, |rel| rel.components().count())
        });
        let check = |g: &Gitignore| {
            if !path.starts_with(g.path()) {
                return None;
            }
            let m = match floor {
                None => g.matched_path_or_any_parents(path, is_dir),
                Some(_) => {
                    // The path, then each folder it is in, down to the floor.
                    let mut found = Match::None;
                    let mut cur = Some(path);
                    let mut dir = is_dir;
                    for _ in 0..below {
                        let Some(p) = cur else { break };
                        found = g.matched(p, dir);
                        if !found.is_none() {
                            break;
                        }
                        cur = p.parent();
                        dir = true;
                    }
                    found
                }
            };
            match m {
                Match::Ignore(_) => Some(true),
                Match::Whitelist(_) => Some(false),
                Match::None => None,
            }
        };
        for r in &chain {
            if let Some(d) = r.ignore.as_ref().and_then(check) {
                return d;
            }
        }
        if !self.use_git {
            return false;
        }
        for r in &chain {
            if let Some(d) = r.gitignore.as_ref().and_then(check) {
                return d;
            }
        }
        [&self.exclude, &self.global]
            .into_iter()
            .flatten()
            .find_map(check)
            .unwrap_or(false)
    }

    /// The rules of every folder from `path`'s parent up to the top,
    /// deepest first.
    fn chain(&self, path: &Path) -> Vec<Arc<DirRules>> {
        let mut out = Vec::new();
        let mut dir = path.parent();
        while let Some(d) = dir {
            if !d.starts_with(&self.top) {
                break;
            }
            out.push(self.dir(d));
            if d == self.top {
                break;
            }
            dir = d.parent();
        }
        out
    }

    fn dir(&self, d: &Path) -> Arc<DirRules> {
        if let Some(r) = self.dirs.lock().expect("ignore cache").get(d) {
            return Arc::clone(r);
        }
        let mut problems = Vec::new();
        let rules = Arc::new(DirRules {
            ignore: if self.dot_ignore {
                build(d, &d.join(".ignore"), &mut problems)
            } else {
                None
            },
            gitignore: if self.use_git {
                build(d, &d.join(".gitignore"), &mut problems)
            } else {
                None
            },
        });
        if !problems.is_empty() {
            self.problems
                .lock()
                .expect("ignore problems")
                .extend(problems);
        }
        self.dirs
            .lock()
            .expect("ignore cache")
            .entry(d.to_path_buf())
            .or_insert(rules)
            .clone()
    }

    /// Ignore files that could not be read, each once: (path, why).
    pub fn take_problems(&self) -> Vec<(PathBuf, String)> {
        std::mem::take(&mut *self.problems.lock().expect("ignore problems"))
    }
}

/// The rules in the ignore file at `file`, rooted at `dir`; `None` when there
/// is no such file. A file that exists but cannot be read (a FIFO, a device,
/// too large) is recorded in `problems` and counts as empty.
fn build(dir: &Path, file: &Path, problems: &mut Vec<(PathBuf, String)>) -> Option<Gitignore> {
    std::fs::symlink_metadata(file).ok()?;
    let text = match fsread::read_small_string(file) {
        Ok(t) => t,
        Err(e) => {
            problems.push((
                file.to_path_buf(),
                format!("ignore file not read ({e}); its rules do not apply"),
            ));
            return None;
        }
    };
    let mut b = GitignoreBuilder::new(dir);
    for line in text.lines() {
        let _ = b.add_line(Some(file.to_path_buf()), line);
    }
    b.build().ok().filter(|g| !g.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deeper_and_dot_ignore_win() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join(".gitignore"), "*.log\nbuild/\n").unwrap();
        std::fs::write(root.join("a/.gitignore"), "!keep.log\n").unwrap();
        std::fs::write(root.join("a/b/.ignore"), "secret.txt\n").unwrap();
        let git = root.join(".git");
        std::fs::create_dir_all(git.join("info")).unwrap();
        std::fs::write(git.join("info/exclude"), "local.txt\n").unwrap();
        let ig = Ignores::new(&root, Some((&root, &git)));
        assert!(ig.is_ignored(&root.join("x.log"), false));
        assert!(!ig.is_ignored(&root.join("a/keep.log"), false));
        assert!(ig.is_ignored(&root.join("a/other.log"), false));
        assert!(ig.is_ignored(&root.join("a/b/secret.txt"), false));
        assert!(ig.is_ignored(&root.join("build"), true));
        assert!(ig.is_ignored(&root.join("build/app.js"), false));
        assert!(ig.is_ignored(&root.join("local.txt"), false));
        assert!(!ig.is_ignored(&root.join("main.rs"), false));
        // Outside a repository only `.ignore` counts, as in ripgrep.
        let plain = Ignores::new(&root, None);
        assert!(!plain.is_ignored(&root.join("x.log"), false));
        assert!(plain.is_ignored(&root.join("a/b/secret.txt"), false));
    }

    #[cfg(unix)]
    #[test]
    fn special_ignore_files_are_reported_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::os::unix::fs::symlink("/dev/zero", root.join(".ignore")).unwrap();
        let ig = Ignores::new(&root, None);
        assert!(!ig.is_ignored(&root.join("a.txt"), false));
        let problems = ig.take_problems();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].1.contains("device"), "{problems:?}");
    }
}
