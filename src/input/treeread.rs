//! The history walk's reading, on every core: commits and trees are read
//! ahead of the walk by rayon workers (one `git2::Repository` per worker: a
//! handle is not `Sync`), a batch of commits at a time, and handed to the
//! walk as raw tree bytes by id.
//!
//! The walk itself ([`super::history::enumerate`]) stays one ordered pass
//! over the commits, so which commit and path first shows each blob, the
//! order of the blobs and the errors are the same as when it read each
//! tree itself: the workers only take the reading (inflating, resolving
//! deltas, checking the format) off its path. Within a batch, each tree is
//! read once (the first worker to reach it claims it); trees the walk
//! visited in earlier batches are not read again.

use std::path::Path;
use std::sync::Mutex;

use git2::{ObjectType, Oid, Repository};
use rayon::prelude::*;

use super::history::{IdMap, IdSet};
use super::pack::Packs;
use crate::input::CommitInfo;

/// A commit as the walk needs it.
pub struct CommitRead {
    pub id: Oid,
    pub tree: Oid,
    pub message: Vec<u8>,
    author_name: Vec<u8>,
    author_email: Vec<u8>,
    when: i64,
}

impl CommitRead {
    pub fn of(c: &git2::Commit<'_>) -> CommitRead {
        let a = c.author();
        CommitRead {
            id: c.id(),
            tree: c.tree_id(),
            message: c.message_bytes().to_vec(),
            author_name: a.name_bytes().to_vec(),
            author_email: a.email_bytes().to_vec(),
            when: a.when().seconds(),
        }
    }

    /// What reports show of the commit ([`super::history::commit_info`]).
    pub fn info(&self) -> CommitInfo {
        super::history::info_of(
            self.id,
            &self.author_name,
            &self.author_email,
            self.when,
            &self.message,
        )
    }
}

/// A tree's raw bytes (checked to parse), or why it could not be read.
pub type TreeRead = Result<Vec<u8>, String>;

/// One tree entry, borrowed from a tree's raw bytes.
pub struct Entry<'a> {
    pub name: &'a [u8],
    pub id: Oid,
    /// As libgit2 types an entry by its mode: a gitlink is a commit, a
    /// directory a tree, anything else a blob.
    pub kind: ObjectType,
}

/// The entries of a raw tree (`<octal mode> <name>\0<20-byte id>`...), in
/// stored order, or `None` if any entry is malformed (libgit2 refuses such
/// a tree whole, and so does this).
pub fn entries(raw: &[u8]) -> Option<Vec<Entry<'_>>> {
    let mut it = iter(raw);
    let out: Vec<Entry<'_>> = it.by_ref().collect();
    (!it.bad).then_some(out)
}

/// Whether every entry of a raw tree is well formed ([`entries`]).
pub fn valid(raw: &[u8]) -> bool {
    let mut it = iter(raw);
    it.by_ref().for_each(drop);
    !it.bad
}

/// The entries of a raw tree one at a time, allocating nothing: for a tree
/// known [`valid`] (as [`read_tree`] gives them), the same as [`entries`].
/// On a malformed entry it stops.
pub fn iter(raw: &[u8]) -> Entries<'_> {
    Entries {
        rest: raw,
        bad: false,
    }
}

/// See [`iter`].
pub struct Entries<'a> {
    rest: &'a [u8],
    /// A malformed entry was met.
    bad: bool,
}

impl<'a> Iterator for Entries<'a> {
    type Item = Entry<'a>;

    fn next(&mut self) -> Option<Entry<'a>> {
        if self.rest.is_empty() {
            return None;
        }
        match parse_one(self.rest) {
            Some((e, rest)) => {
                self.rest = rest;
                Some(e)
            }
            None => {
                self.bad = true;
                self.rest = &[];
                None
            }
        }
    }
}

/// The first entry of `rest` and what follows it.
fn parse_one(rest: &[u8]) -> Option<(Entry<'_>, &[u8])> {
    let sp = memchr::memchr(b' ', rest)?;
    let mode_txt = rest.get(..sp)?;
    // Octal, at most 16 bits (libgit2's limit; leading zeros allowed).
    if mode_txt.is_empty() || mode_txt.len() > 16 {
        return None;
    }
    let mut mode: u32 = 0;
    for &c in mode_txt {
        if !(b'0'..=b'7').contains(&c) {
            return None;
        }
        mode = mode * 8 + u32::from(c - b'0');
        if mode > u32::from(u16::MAX) {
            return None;
        }
    }
    let after = rest.get(sp + 1..)?;
    let nul = memchr::memchr(0, after)?;
    if nul == 0 || nul > usize::from(u16::MAX) {
        return None;
    }
    let name = after.get(..nul)?;
    let id = Oid::from_bytes(after.get(nul + 1..nul + 21)?).ok()?;
    let kind = match mode & 0o170000 {
        0o160000 => ObjectType::Commit,
        0o040000 => ObjectType::Tree,
        _ => ObjectType::Blob,
    };
    Some((Entry { name, id, kind }, after.get(nul + 21..)?))
}

/// Read tree `id` through `repo`, unless the pack survey says libgit2 must
/// not (a looping delta chain, a damaged copy, more to build than any real
/// tree: [`Packs::check`]).
pub fn read_tree(repo: &Repository, packs: &Packs, id: Oid) -> TreeRead {
    packs.check(id, super::history::MAX_TREE_BYTES, "tree")?;
    let odb = repo
        .odb()
        .map_err(|e| format!("cannot read it ({})", e.message()))?;
    let obj = odb
        .read(id)
        .map_err(|e| format!("cannot read it ({})", e.message()))?;
    if obj.kind() != ObjectType::Tree {
        return Err(
            "cannot read it (the requested type does not match the type in the ODB)".into(),
        );
    }
    let data = obj.data();
    if !valid(data) {
        return Err("cannot read it (failed to parse tree)".into());
    }
    Ok(data.to_vec())
}

/// Trees are claimed and stored in shards by their id's first byte, so the
/// workers seldom wait on one lock.
const SHARDS: usize = 32;

/// What the workers read for one batch of commits.
pub struct Batch {
    /// Per commit of the batch, in order: the commit, or `None` if it could
    /// not be read (the commit walk reported it).
    pub commits: Vec<Option<CommitRead>>,
    shards: Vec<IdMap<Option<TreeRead>>>,
}

impl Batch {
    /// Take the read of tree `id` (each tree is taken once: the walk enters
    /// a tree once). `None` when no worker read it.
    pub fn take(&mut self, id: Oid) -> Option<TreeRead> {
        self.shards[shard(id)].remove(&id).flatten()
    }
}

fn shard(id: Oid) -> usize {
    id.as_bytes()[0] as usize % SHARDS
}

/// Every tree some batch has claimed, across batches: the next batch is
/// read while the walk visits the current one, so the walk's own set of
/// visited trees cannot tell the readers what to skip. A tree claimed by
/// an earlier batch is visited by that batch's walk (its readers claimed
/// every tree they reached, and the walk enters every tree it reaches that
/// it has not visited), so later batches need not read it.
pub struct Claimed {
    shards: Vec<Mutex<IdSet>>,
}

impl Default for Claimed {
    fn default() -> Self {
        Claimed {
            shards: (0..SHARDS).map(|_| Mutex::new(IdSet::default())).collect(),
        }
    }
}

impl Claimed {
    /// Claim `id`: true for the first caller only.
    fn claim(&self, id: Oid) -> bool {
        let mut s = self.shards[shard(id)]
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        s.insert(id)
    }
}

/// Read, on the rayon workers, the commits `ids` and every tree they reach
/// that no batch has claimed yet.
pub fn read_batch(git_dir: &Path, packs: &Packs, ids: &[Oid], claimed: &Claimed) -> Batch {
    let shards: Vec<Mutex<IdMap<Option<TreeRead>>>> =
        (0..SHARDS).map(|_| Mutex::new(IdMap::default())).collect();
    let store = |id: Oid, r: TreeRead| {
        let mut s = shards[shard(id)].lock().unwrap_or_else(|e| e.into_inner());
        s.insert(id, Some(r));
    };
    let commits: Vec<Option<CommitRead>> = ids
        .par_iter()
        .map_init(
            || Repository::open(git_dir).ok(),
            |repo, &id| {
                let repo = repo.as_ref()?;
                let read = CommitRead::of(&repo.find_commit(id).ok()?);
                let mut stack = vec![read.tree];
                while let Some(t) = stack.pop() {
                    if !claimed.claim(t) {
                        continue;
                    }
                    let r = read_tree(repo, packs, t);
                    if let Ok(raw) = &r {
                        // Valid: `read_tree` checked it.
                        for e in iter(raw) {
                            if e.kind == ObjectType::Tree {
                                stack.push(e.id);
                            }
                        }
                    }
                    store(t, r);
                }
                Some(read)
            },
        )
        .collect();
    Batch {
        commits,
        shards: shards
            .into_iter()
            .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(entries: &[(&str, &[u8], u8)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (mode, name, byte) in entries {
            out.extend_from_slice(mode.as_bytes());
            out.push(b' ');
            out.extend_from_slice(name);
            out.push(0);
            out.extend_from_slice(&[*byte; 20]);
        }
        out
    }

    #[test]
    fn entries_are_typed_by_mode_as_libgit2_does() {
        let t = raw(&[
            ("100644", b"a.txt", 1),
            ("40000", b"dir", 2),
            ("160000", b"sub", 3),
            ("120000", b"link", 4),
            ("100755", b"run.sh", 5),
        ]);
        let e = entries(&t).unwrap();
        let kinds: Vec<ObjectType> = e.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                ObjectType::Blob,
                ObjectType::Tree,
                ObjectType::Commit,
                ObjectType::Blob,
                ObjectType::Blob
            ]
        );
        assert_eq!(e[1].name, b"dir");
        assert_eq!(e[1].id, Oid::from_bytes(&[2; 20]).unwrap());
        assert!(entries(b"").unwrap().is_empty());
        assert!(valid(&t) && valid(b""));
        let lazily: Vec<(Vec<u8>, Oid, ObjectType)> =
            iter(&t).map(|e| (e.name.to_vec(), e.id, e.kind)).collect();
        let at_once: Vec<(Vec<u8>, Oid, ObjectType)> =
            e.iter().map(|e| (e.name.to_vec(), e.id, e.kind)).collect();
        assert_eq!(lazily, at_once);
    }

    #[test]
    fn malformed_trees_are_refused_whole() {
        let good = raw(&[("100644", b"a", 1)]);
        for bad in [
            &good[..good.len() - 1],                 // id cut short
            &b"100644 a"[..],                        // no NUL
            &b"10x644 a\0aaaaaaaaaaaaaaaaaaaa"[..],  // mode not octal
            &b"100644 \0aaaaaaaaaaaaaaaaaaaa"[..],   // empty name
            &b" a\0aaaaaaaaaaaaaaaaaaaa"[..],        // no mode
            &b"1006440 a\0aaaaaaaaaaaaaaaaaaaa"[..], // mode over 16 bits
        ] {
            assert!(entries(bad).is_none(), "{:?}", String::from_utf8_lossy(bad));
            assert!(!valid(bad));
        }
    }
}
