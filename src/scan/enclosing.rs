//! A subdirectory of a work tree scanned alone (`jikimi scan app/`): the
//! question "is the .env file kept out of git?" is about the repository,
//! not the folder. The env files the enclosing repository tracks outside
//! the folder (a `.env` committed at the top) are read from its index, so
//! the checklist answers from the repository's state instead of `review`.

use crate::checklist::EnvFile;
use crate::findings::causes::{is_env_file, is_env_template};
use crate::input::GitState;
use crate::input::gitinfo::GitContext;

/// The largest env file read from the index.
const LIMIT: usize = 1 << 20;

/// Env files the repository tracks outside the scanned subdirectory, named
/// from the scanned folder (`../.env`), with whether their committed
/// content assigns values.
pub fn env_files_outside(g: &GitContext) -> Vec<EnvFile> {
    if g.prefix.is_empty() {
        return Vec::new();
    }
    let mut outside: Vec<&String> = g
        .tracked
        .iter()
        .filter(|t| !t.starts_with(g.prefix.as_str()) && is_env_file(t))
        .collect();
    if outside.is_empty() {
        return Vec::new();
    }
    outside.sort();
    let up = "../".repeat(g.prefix.split('/').filter(|s| !s.is_empty()).count());
    let repo = g.open().ok();
    let index = repo.as_ref().and_then(|r| r.index().ok());
    outside
        .into_iter()
        .map(|t| {
            let values = repo
                .as_ref()
                .zip(index.as_ref())
                .and_then(|(r, i)| {
                    let e = i.get_path(std::path::Path::new(t), 0)?;
                    let b = r.find_blob(e.id).ok()?;
                    (b.size() <= LIMIT).then(|| crate::checklist::env_has_values(b.content()))
                })
                // Unreadable: assume it holds values (never a false pass).
                .unwrap_or(true);
            EnvFile {
                path: format!("{up}{t}"),
                git: Some(GitState::Tracked),
                template: is_env_template(t),
                values,
            }
        })
        .collect()
}
