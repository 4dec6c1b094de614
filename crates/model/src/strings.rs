//! Interned strings.

use std::collections::HashMap;

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
use std::sync::Arc;

/// Index of a string in a profile's [`StringTable`].
///
/// Within one profile, two equal `StrId`s always name equal strings and equal
/// strings always have equal `StrId`s, so ids can be compared and hashed
/// instead of the text. `StrId::EMPTY` (index 0) is the empty string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StrId(pub u32);

impl StrId {
    /// The empty string, present in every table at index 0.
    pub const EMPTY: StrId = StrId(0);

    /// Whether this is the empty string.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The index as `usize`.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A deduplicated string table. Entry 0 is always `""`.
#[derive(Clone, Debug)]
pub struct StringTable {
    strings: Vec<Arc<str>>,
    index: FastMap<Arc<str>, StrId>,
}

impl Default for StringTable {
    fn default() -> Self {
        Self::new()
    }
}

impl PartialEq for StringTable {
    fn eq(&self, other: &Self) -> bool {
        self.strings == other.strings
    }
}

impl StringTable {
    /// A table holding only the empty string.
    pub fn new() -> Self {
        let empty: Arc<str> = Arc::from("");
        let mut index = FastMap::default();
        index.insert(empty.clone(), StrId::EMPTY);
        StringTable {
            strings: vec![empty],
            index,
        }
    }

    /// Returns the id of `s`, adding it to the table if it is new.
    pub fn intern(&mut self, s: &str) -> StrId {
        if let Some(&id) = self.index.get(s) {
            return id;
        }
        let id = StrId(self.strings.len() as u32);
        let arc: Arc<str> = Arc::from(s);
        self.strings.push(arc.clone());
        self.index.insert(arc, id);
        id
    }

    /// Returns the id of `s` if the table holds it.
    pub fn lookup(&self, s: &str) -> Option<StrId> {
        self.index.get(s).copied()
    }

    /// The text of `id`. An id from another table may give a wrong string or
    /// the empty string, but never panics.
    pub fn get(&self, id: StrId) -> &str {
        self.strings.get(id.index()).map(|s| &**s).unwrap_or("")
    }

    /// Number of distinct strings, the empty string included.
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// Always false: the empty string is always present.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// An estimate of the memory the table takes: each string's text and
    /// shared header, its slot in the id vector and in the lookup map.
    pub(crate) fn heap_bytes(&self) -> u64 {
        const PER_STRING: usize = 16 /* Arc header */ + 16 /* vector slot */ + 24 /* map slot */;
        let text: usize = self.strings.iter().map(|s| s.len()).sum();
        (text + self.strings.len() * PER_STRING) as u64
    }

    /// All strings in id order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.strings.iter().map(|s| &**s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intern_dedups() {
        let mut t = StringTable::new();
        let a = t.intern("a");
        assert_eq!(t.intern("a"), a);
        assert_eq!(t.intern(""), StrId::EMPTY);
        assert_eq!(t.get(a), "a");
        assert_eq!(t.len(), 2);
        assert_eq!(t.get(StrId(99)), "");
    }
}
