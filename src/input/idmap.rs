//! Maps and sets keyed by git object id, for the history pass.
//!
//! `git2::Oid` compares through a call into libgit2 (`git_oid_equal`, then
//! `memcmp`) that the compiler cannot inline: every hit in a hash map keyed
//! by `Oid` pays for two calls. The history walk looks up millions of ids
//! (each tree entry, each tree, each wanted blob), and on the rails mirror
//! those two calls took a fifth of the tree walk's CPU time. These keep
//! the id's 20 bytes as the key, compared inline, and take and give `Oid`.

use std::collections::{HashMap, HashSet, hash_map};

use git2::Oid;

type State = foldhash::fast::RandomState;

/// An object id's bytes (SHA-1).
type Key = [u8; 20];

fn key(id: &Oid) -> Key {
    let mut k = [0u8; 20];
    let b = id.as_bytes();
    let n = b.len().min(20);
    k[..n].copy_from_slice(&b[..n]);
    k
}

fn oid(k: &Key) -> Oid {
    // 20 bytes always make an id.
    Oid::from_bytes(k).unwrap_or(Oid::ZERO_SHA1)
}

/// A hash map from object id to `V`.
#[derive(Debug, Clone)]
pub struct IdMap<V>(HashMap<Key, V, State>);

impl<V> Default for IdMap<V> {
    fn default() -> Self {
        IdMap(HashMap::default())
    }
}

impl<V> IdMap<V> {
    pub fn get(&self, id: &Oid) -> Option<&V> {
        self.0.get(&key(id))
    }

    /// [`Self::get`] by the id's bytes.
    pub fn get_raw(&self, id: &[u8; 20]) -> Option<&V> {
        self.0.get(id)
    }

    /// [`Self::contains_key`] by the id's bytes.
    pub fn contains_raw(&self, id: &[u8; 20]) -> bool {
        self.0.contains_key(id)
    }

    pub fn get_mut(&mut self, id: &Oid) -> Option<&mut V> {
        self.0.get_mut(&key(id))
    }

    pub fn contains_key(&self, id: &Oid) -> bool {
        self.0.contains_key(&key(id))
    }

    pub fn insert(&mut self, id: Oid, v: V) -> Option<V> {
        self.0.insert(key(&id), v)
    }

    pub fn remove(&mut self, id: &Oid) -> Option<V> {
        self.0.remove(&key(id))
    }

    pub fn entry(&mut self, id: Oid) -> hash_map::Entry<'_, Key, V> {
        self.0.entry(key(&id))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (Oid, &V)> + '_ {
        self.0.iter().map(|(k, v)| (oid(k), v))
    }

    pub fn keys(&self) -> impl Iterator<Item = Oid> + '_ {
        self.0.keys().map(oid)
    }
}

impl<V> FromIterator<(Oid, V)> for IdMap<V> {
    fn from_iter<I: IntoIterator<Item = (Oid, V)>>(iter: I) -> Self {
        IdMap(iter.into_iter().map(|(id, v)| (key(&id), v)).collect())
    }
}

impl<V> Extend<(Oid, V)> for IdMap<V> {
    fn extend<I: IntoIterator<Item = (Oid, V)>>(&mut self, iter: I) {
        self.0.extend(iter.into_iter().map(|(id, v)| (key(&id), v)));
    }
}

/// A hash set of object ids.
#[derive(Debug, Clone, Default)]
pub struct IdSet(HashSet<Key, State>);

impl IdSet {
    pub fn insert(&mut self, id: Oid) -> bool {
        self.0.insert(key(&id))
    }

    pub fn contains(&self, id: &Oid) -> bool {
        self.0.contains(&key(id))
    }

    pub fn remove(&mut self, id: &Oid) -> bool {
        self.0.remove(&key(id))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = Oid> + '_ {
        self.0.iter().map(oid)
    }
}

impl FromIterator<Oid> for IdSet {
    fn from_iter<I: IntoIterator<Item = Oid>>(iter: I) -> Self {
        IdSet(iter.into_iter().map(|id| key(&id)).collect())
    }
}

impl Extend<Oid> for IdSet {
    fn extend<I: IntoIterator<Item = Oid>>(&mut self, iter: I) {
        self.0.extend(iter.into_iter().map(|id| key(&id)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_go_in_and_come_out_the_same() {
        let a = Oid::from_bytes(&[7; 20]).unwrap();
        let b = Oid::from_bytes(&[9; 20]).unwrap();
        let mut m: IdMap<u32> = IdMap::default();
        assert_eq!(m.insert(a, 1), None);
        assert_eq!(m.insert(a, 2), Some(1));
        assert_eq!(m.get(&a), Some(&2));
        assert!(!m.contains_key(&b));
        assert_eq!(m.iter().collect::<Vec<_>>(), [(a, &2)]);
        let s: IdSet = [a, b, a].into_iter().collect();
        assert_eq!(s.len(), 2);
        assert!(s.contains(&b));
        let mut ids: Vec<Oid> = s.iter().collect();
        ids.sort();
        assert_eq!(ids, [a, b]);
    }
}
