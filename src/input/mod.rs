//! Inputs: where bytes come from. The working tree ([`walk`]), git history
//! ([`history`]) and archive members ([`archive`]) share one [`Origin`] type
//! so that the matcher and the findings stage never care where a blob was
//! read from. Formats that hold text in a structure ([`android`], [`plist`],
//! source maps and notebooks in [`embedded`]) are turned into searchable text
//! here too.

pub mod android;
pub mod archive;
pub mod binary;
pub mod budget;
pub mod decode;
pub mod diff;
pub mod embedded;
pub mod fsread;
pub mod gitinfo;
pub mod history;
pub mod idmap;
pub mod ignores;
pub mod image;
pub mod isolate;
pub mod pack;
pub mod plist;
pub mod stdin;
pub mod treegraph;
pub mod treeread;
pub mod walk;

use std::sync::Arc;

use serde::Serialize;

/// What git says about a working-tree file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GitState {
    /// The scanned path is not inside a git repository.
    NoRepo,
    /// In the index: committed or about to be.
    Tracked,
    /// Matched by the repository's ignore rules and not tracked.
    Ignored,
    /// Neither tracked nor ignored: the next `git add .` commits it.
    Untracked,
}

/// A commit, as reported on history findings.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct CommitInfo {
    pub id: String,
    pub author_name: String,
    pub author_email: String,
    /// RFC 3339, UTC.
    pub date: String,
    pub summary: String,
}

/// Where a blob came from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// A file in the working tree; `path` is relative to the scan root,
    /// `/`-separated.
    File { path: String, git: GitState },
    /// A blob in git history, first seen at `path` in `commit`.
    GitBlob {
        path: String,
        blob: String,
        commit: Arc<CommitInfo>,
    },
    /// A member of an archive or app package.
    Member { parent: Box<Origin>, member: String },
}

impl Origin {
    /// The path shown to users: `dist/app.js`, `app/release.apk!/assets/x.json`.
    pub fn display_path(&self) -> String {
        match self {
            Origin::File { path, .. } | Origin::GitBlob { path, .. } => path.clone(),
            Origin::Member { parent, member } => {
                format!("{}!/{}", parent.display_path(), member)
            }
        }
    }

    /// The innermost file name's path (the member path for archive members).
    pub fn leaf_path(&self) -> &str {
        match self {
            Origin::File { path, .. } | Origin::GitBlob { path, .. } => path,
            Origin::Member { member, .. } => member,
        }
    }

    /// The outermost origin (the file or blob that holds everything).
    pub fn root(&self) -> &Origin {
        match self {
            Origin::Member { parent, .. } => parent.root(),
            o => o,
        }
    }

    /// The commit, for history blobs and their members.
    pub fn commit(&self) -> Option<&Arc<CommitInfo>> {
        match self.root() {
            Origin::GitBlob { commit, .. } => Some(commit),
            _ => None,
        }
    }

    /// The blob id and first-seen path, for history blobs and their members.
    pub fn git_blob(&self) -> Option<(&str, &str)> {
        match self.root() {
            Origin::GitBlob { blob, path, .. } => Some((blob, path)),
            _ => None,
        }
    }

    /// Git state of the outermost working-tree file (`None` for history).
    pub fn git_state(&self) -> Option<GitState> {
        match self.root() {
            Origin::File { git, .. } => Some(*git),
            _ => None,
        }
    }

    /// Every archive path on the way in: `["app.zip", "inner.ipa"]`.
    pub fn containers(&self) -> Vec<&str> {
        let mut out = Vec::new();
        let mut cur = self;
        while let Origin::Member { parent, .. } = cur {
            out.push(parent.leaf_path());
            cur = parent;
        }
        out.reverse();
        out
    }
}

/// Where inputs deliver what they read. The scan stage implements it; every
/// input (tree, history, archive members) calls the same methods, so there is
/// one code path from bytes to findings.
pub trait Sink: Sync {
    /// A blob to scan. `bytes` is the raw content (not yet decoded).
    fn blob(&self, origin: &Origin, bytes: &[u8]);
    /// A member of an archive, to scan like a blob. `unpacked` is the
    /// budget of the outermost archive, which an archive inside the member
    /// shares (see [`archive::Unpacked`]).
    fn member(&self, origin: &Origin, bytes: &[u8], unpacked: &archive::Unpacked) {
        let _ = unpacked;
        self.blob(origin, bytes);
    }
    /// Something deliberately not scanned (binary, too large, a symlink).
    fn skipped(&self, path: &str, reason: &str);
    /// Something that could not be read; the scan goes on.
    fn error(&self, path: &str, message: &str);
}
