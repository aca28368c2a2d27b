//! The shape of the history's trees, kept from the walk for [`locate`]:
//! for each unique tree, its entries as small integers (a blob by its index
//! in the walk's blob set, a subtree by its node number), no names.
//!
//! [`locate`] needs, for the few blobs that produced findings, which
//! commits carry them and at how many paths: a pass over every tree of the
//! history. Reading every tree again through libgit2 after the pack pass
//! was one core's work for a quarter of a large history's scan (27 s of
//! CPU on the rails mirror, with the other core idle); the walk has just
//! parsed each of these trees, so it records them here instead, four bytes
//! an entry. The record is bounded ([`MAX_ENTRIES`]); past it, or for a
//! tree the walk did not enter, [`locate`] reads the trees as before.
//!
//! Each entry's name is kept too, as a number in a table of the distinct
//! names (a history has few: `README.md`, `lib`, `index.js`...), so that
//! listing the paths of a finding walks this record and reads no tree
//! either. The names are bounded on their own ([`MAX_NAMED`]); past that,
//! or for a history whose names are too many, only the names are dropped.
//!
//! [`locate`]: super::history::locate

use std::collections::HashMap;

use git2::Oid;

use super::history::IdMap;

/// At most this many entries are recorded (256 MiB); a larger history is
/// located by reading its trees again.
pub const MAX_ENTRIES: usize = 64 << 20;

/// At most this many entries have their name recorded (128 MiB), and the
/// table of distinct names holds at most [`MAX_NAME_BYTES`].
pub const MAX_NAMED: usize = 32 << 20;
pub const MAX_NAME_BYTES: usize = 64 << 20;

/// An entry that is a subtree (else a blob index).
const TREE: u32 = 1 << 31;

/// A node with no entries recorded (yet).
const UNRECORDED: u32 = u32::MAX;

/// One entry of a recorded tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A blob, by its index in the walk's blob set.
    Blob(u32),
    /// A subtree, by its node.
    Tree(u32),
}

/// Trees as nodes with their entries.
#[derive(Debug, Default)]
pub struct TreeGraph {
    nodes: IdMap<u32>,
    /// Node → where its entries start in `entries`, [`UNRECORDED`] if none.
    start: Vec<u32>,
    /// Node → how many entries it has.
    len: Vec<u32>,
    entries: Vec<u32>,
    /// Over [`MAX_ENTRIES`] (or an index too large): not usable.
    full: bool,
    /// The node being recorded and where its entries started.
    open: Option<(u32, usize)>,
    /// Entry → its name in `name_table`, while every entry has one.
    names: Vec<u32>,
    /// Distinct names and their numbers.
    name_table: Vec<Box<[u8]>>,
    name_ids: HashMap<Box<[u8]>, u32, foldhash::fast::RandomState>,
    name_bytes: usize,
    /// Names were dropped (over the caps, or an entry pushed without one).
    unnamed: bool,
}

impl TreeGraph {
    /// The node of tree `id`, made on first mention.
    fn node_of(&mut self, id: Oid) -> u32 {
        let next = self.start.len() as u32;
        let n = *self.nodes.entry(id).or_insert(next);
        if n == next {
            self.start.push(UNRECORDED);
            self.len.push(0);
        }
        n
    }

    /// The node of tree `id`, if it was mentioned.
    pub fn node(&self, id: Oid) -> Option<u32> {
        self.nodes.get(&id).copied()
    }

    /// Start recording the entries of tree `id` (visited once by the walk;
    /// a tree that cannot be read is recorded with no entries, as
    /// [`locate`](super::history::locate) treats it).
    pub fn begin(&mut self, id: Oid) {
        self.end();
        if self.full {
            return;
        }
        let n = self.node_of(id);
        self.open = Some((n, self.entries.len()));
    }

    /// An entry of the tree being recorded, with no name (the record then
    /// keeps no names: see [`Self::push_named`]).
    pub fn push(&mut self, e: Entry) {
        self.drop_names();
        self.push_entry(e);
    }

    /// An entry of the tree being recorded, named `name`.
    pub fn push_named(&mut self, e: Entry, name: &[u8]) {
        if self.push_entry(e) && !self.unnamed {
            self.name(name);
        }
    }

    /// Record `name` for the entry just pushed.
    fn name(&mut self, name: &[u8]) {
        if self.names.len() >= MAX_NAMED {
            self.drop_names();
            return;
        }
        let id = match self.name_ids.get(name) {
            Some(&id) => id,
            None => {
                if self.name_bytes + name.len() > MAX_NAME_BYTES {
                    self.drop_names();
                    return;
                }
                let id = self.name_table.len() as u32;
                let b: Box<[u8]> = name.into();
                self.name_bytes += b.len();
                self.name_table.push(b.clone());
                self.name_ids.insert(b, id);
                id
            }
        };
        self.names.push(id);
    }

    fn drop_names(&mut self) {
        if !self.unnamed {
            self.unnamed = true;
            self.names = Vec::new();
            self.name_table = Vec::new();
            self.name_ids = HashMap::default();
        }
    }

    /// Whether an entry was pushed.
    fn push_entry(&mut self, e: Entry) -> bool {
        if self.full || self.open.is_none() {
            return false;
        }
        let v = match e {
            Entry::Blob(b) if b < TREE => b,
            Entry::Tree(t) if t < TREE => t | TREE,
            _ => {
                self.give_up();
                return false;
            }
        };
        if self.entries.len() >= MAX_ENTRIES {
            self.give_up();
            return false;
        }
        self.entries.push(v);
        true
    }

    /// An entry that is a subtree: its node, made on first mention.
    pub fn push_tree(&mut self, id: Oid) {
        if self.full {
            return;
        }
        let n = self.node_of(id);
        self.push(Entry::Tree(n));
    }

    /// [`Self::push_tree`] with the entry's name.
    pub fn push_tree_named(&mut self, id: Oid, name: &[u8]) {
        if self.full {
            return;
        }
        let n = self.node_of(id);
        self.push_named(Entry::Tree(n), name);
    }

    /// Close the tree being recorded.
    pub fn end(&mut self) {
        if let Some((n, from)) = self.open.take() {
            let len = self.entries.len() - from;
            match (u32::try_from(from), u32::try_from(len)) {
                (Ok(f), Ok(l)) if f != UNRECORDED => {
                    self.start[n as usize] = f;
                    self.len[n as usize] = l;
                }
                _ => self.give_up(),
            }
        }
    }

    fn give_up(&mut self) {
        self.full = true;
        self.open = None;
        self.nodes = IdMap::default();
        self.start = Vec::new();
        self.len = Vec::new();
        self.entries = Vec::new();
        self.drop_names();
    }

    /// Whether every recorded entry has its name ([`Self::named_entries`]).
    pub fn named(&self) -> bool {
        !self.unnamed && self.complete()
    }

    /// The entries of node `n` with their names, in stored order; empty
    /// when the record keeps no names ([`Self::named`]).
    pub fn named_entries(&self, n: u32) -> impl Iterator<Item = (Entry, &[u8])> + '_ {
        let (s, l) = self.span(n);
        let names = if self.unnamed {
            &[][..]
        } else {
            self.names.get(s..s + l).unwrap_or_default()
        };
        names.iter().zip(self.entries(n)).map(|(&k, e)| {
            let name = self.name_table.get(k as usize).map_or(&[][..], |b| &b[..]);
            (e, name)
        })
    }

    /// Where node `n`'s entries are in `entries`.
    fn span(&self, n: u32) -> (usize, usize) {
        let n = n as usize;
        match (self.start.get(n), self.len.get(n)) {
            (Some(&s), Some(&l)) if s != UNRECORDED => (s as usize, l as usize),
            _ => (0, 0),
        }
    }

    /// Whether every tree mentioned was recorded, and the record was not
    /// cut: only then does it answer for every tree under the roots.
    pub fn complete(&self) -> bool {
        !self.full && self.open.is_none() && self.start.iter().all(|&s| s != UNRECORDED)
    }

    /// How many nodes there are.
    pub fn nodes(&self) -> usize {
        self.start.len()
    }

    /// The entries of node `n`, in stored order.
    pub fn entries(&self, n: u32) -> impl Iterator<Item = Entry> + '_ {
        let (s, l) = self.span(n);
        self.entries
            .get(s..s + l)
            .unwrap_or_default()
            .iter()
            .map(|&v| {
                if v & TREE != 0 {
                    Entry::Tree(v & !TREE)
                } else {
                    Entry::Blob(v)
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(b: u8) -> Oid {
        Oid::from_bytes(&[b; 20]).unwrap()
    }

    #[test]
    fn records_entries_per_tree_and_knows_when_complete() {
        let mut g = TreeGraph::default();
        g.begin(id(1));
        g.push(Entry::Blob(0));
        g.push_tree(id(2));
        g.push(Entry::Blob(7));
        g.push_tree(id(2));
        assert!(!g.complete(), "tree 2 is mentioned and not recorded");
        g.begin(id(2));
        g.push(Entry::Blob(3));
        g.end();
        assert!(g.complete());
        let root = g.node(id(1)).unwrap();
        let sub = g.node(id(2)).unwrap();
        assert_eq!(
            g.entries(root).collect::<Vec<_>>(),
            [
                Entry::Blob(0),
                Entry::Tree(sub),
                Entry::Blob(7),
                Entry::Tree(sub)
            ]
        );
        assert_eq!(g.entries(sub).collect::<Vec<_>>(), [Entry::Blob(3)]);
        assert_eq!(g.nodes(), 2);
        assert!(g.node(id(9)).is_none());
    }

    #[test]
    fn names_are_kept_per_entry_and_dropped_by_an_unnamed_push() {
        let mut g = TreeGraph::default();
        g.begin(id(1));
        g.push_named(Entry::Blob(0), b"a.txt");
        g.push_tree_named(id(2), b"lib");
        g.push_named(Entry::Blob(1), b"a.txt");
        g.begin(id(2));
        g.push_named(Entry::Blob(2), b"lib\xff.rs");
        g.end();
        assert!(g.named());
        let root = g.node(id(1)).unwrap();
        let sub = g.node(id(2)).unwrap();
        let named: Vec<(Entry, Vec<u8>)> = g
            .named_entries(root)
            .map(|(e, n)| (e, n.to_vec()))
            .collect();
        assert_eq!(
            named,
            [
                (Entry::Blob(0), b"a.txt".to_vec()),
                (Entry::Tree(sub), b"lib".to_vec()),
                (Entry::Blob(1), b"a.txt".to_vec()),
            ]
        );
        assert_eq!(g.name_table.len(), 3, "a name is stored once");
        assert_eq!(
            g.named_entries(sub)
                .map(|(_, n)| n.to_vec())
                .collect::<Vec<_>>(),
            [b"lib\xff.rs".to_vec()]
        );
        // One entry without a name: the structure stays, the names go.
        g.begin(id(3));
        g.push(Entry::Blob(3));
        g.end();
        assert!(g.complete());
        assert!(!g.named());
        assert_eq!(g.named_entries(root).count(), 0);
        assert_eq!(g.entries(root).count(), 3);
    }

    #[test]
    fn an_index_too_large_gives_up_the_record() {
        let mut g = TreeGraph::default();
        g.begin(id(1));
        g.push(Entry::Blob(TREE));
        g.end();
        assert!(!g.complete());
        assert!(g.node(id(1)).is_none());
    }
}
