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
//! [`locate`]: super::history::locate

use git2::Oid;

use super::history::IdMap;

/// At most this many entries are recorded (256 MiB); a larger history is
/// located by reading its trees again.
pub const MAX_ENTRIES: usize = 64 << 20;

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

    /// An entry of the tree being recorded.
    pub fn push(&mut self, e: Entry) {
        if self.full || self.open.is_none() {
            return;
        }
        let v = match e {
            Entry::Blob(b) if b < TREE => b,
            Entry::Tree(t) if t < TREE => t | TREE,
            _ => {
                self.give_up();
                return;
            }
        };
        if self.entries.len() >= MAX_ENTRIES {
            self.give_up();
            return;
        }
        self.entries.push(v);
    }

    /// An entry that is a subtree: its node, made on first mention.
    pub fn push_tree(&mut self, id: Oid) {
        if self.full {
            return;
        }
        let n = self.node_of(id);
        self.push(Entry::Tree(n));
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
        let n = n as usize;
        let (s, l) = match (self.start.get(n), self.len.get(n)) {
            (Some(&s), Some(&l)) if s != UNRECORDED => (s as usize, l as usize),
            _ => (0, 0),
        };
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
    fn an_index_too_large_gives_up_the_record() {
        let mut g = TreeGraph::default();
        g.begin(id(1));
        g.push(Entry::Blob(TREE));
        g.end();
        assert!(!g.complete());
        assert!(g.node(id(1)).is_none());
    }
}
