//! An index of table entries by the hash of their content.
//!
//! The entries themselves live in the caller's tables (a merged profile's
//! samples, a graph's label groups); the index maps a content hash to an
//! entry number and asks the caller whether a candidate is equal. Nothing
//! is stored twice and no key is allocated.

/// Table entries (by number) found by the hash of their content: open
/// addressing with linear probing in one array of slots, at most half
/// full, each slot a 32-bit tag of the hash (whose low bits are also where
/// the slot is looked for, so that the table grows without hashing
/// anything again) and the entry number plus one (0 is free). A lookup
/// reads one slot, a single cache miss in a large table;
/// [`IdIndex::touch`] reads the slots of a batch of entries together so
/// that their misses overlap.
///
/// ```
/// use pprof_ops::IdIndex;
///
/// let words = ["a", "b", "a"];
/// let mut index = IdIndex::default();
/// let mut table: Vec<&str> = Vec::new();
/// let hash = |w: &str| w.bytes().fold(7u64, |h, b| h.wrapping_mul(31) ^ u64::from(b));
/// for w in words {
///     let new = table.len() as u32;
///     if index.find_or_insert(hash(w), new, |i| table[i as usize] == w).is_none() {
///         table.push(w);
///     }
/// }
/// assert_eq!(table, ["a", "b"]);
/// ```
#[derive(Clone, Debug, Default)]
pub struct IdIndex {
    slots: Vec<u64>,
    len: usize,
}

impl IdIndex {
    /// The number of entries recorded.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no entry is recorded.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The 32 bits of `hash` kept in its slot, all of `hash`'s bits mixed.
    #[inline]
    fn tag(hash: u64) -> u64 {
        (hash ^ (hash >> 32)).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32
    }

    /// Where a tag is first looked for.
    #[inline]
    fn slot_of(&self, tag: u64) -> usize {
        tag as usize & (self.slots.len() - 1)
    }

    /// Reads the slots where `hashes` start looking, all at once.
    #[inline]
    pub fn touch(&self, hashes: &[u64]) {
        if self.slots.is_empty() {
            return;
        }
        let seen = hashes
            .iter()
            .fold(0, |acc, &h| acc ^ self.slots[self.slot_of(Self::tag(h))]);
        std::hint::black_box(seen);
    }

    /// The entry in the slot where `hash` is first looked for, if that
    /// slot holds `hash`'s tag: most often the entry a lookup of `hash`
    /// finds, for callers that read its content ahead (after
    /// [`IdIndex::touch`]).
    #[inline]
    pub fn hint(&self, hash: u64) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let tag = Self::tag(hash);
        let slot = *self.slots.get(self.slot_of(tag))?;
        (slot != 0 && slot >> 32 == tag).then(|| (slot as u32).wrapping_sub(1))
    }

    /// The entry with this hash that `is_eq` accepts, if any (the index is
    /// only read: several threads may look up at once).
    #[inline]
    pub fn find(&self, hash: u64, is_eq: impl Fn(u32) -> bool) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        self.probe(Self::tag(hash), is_eq).ok()
    }

    /// The entry with this hash that `is_eq` accepts; otherwise records
    /// `new` under `hash` (the caller adds that entry) and returns `None`.
    #[inline]
    pub fn find_or_insert(
        &mut self,
        hash: u64,
        new: u32,
        is_eq: impl Fn(u32) -> bool,
    ) -> Option<u32> {
        self.reserve(1);
        let tag = Self::tag(hash);
        match self.probe(tag, is_eq) {
            Ok(i) => Some(i),
            Err(free) => {
                self.slots[free] = (tag << 32) | (new as u64 + 1);
                self.len += 1;
                None
            }
        }
    }

    /// Looks for the entry with `tag` that `is_eq` accepts: its number,
    /// or the free slot where the search ended (the table has slots).
    #[inline]
    fn probe(&self, tag: u64, is_eq: impl Fn(u32) -> bool) -> Result<u32, usize> {
        let mask = self.slots.len() - 1;
        let mut at = self.slot_of(tag);
        loop {
            let slot = self.slots[at];
            if slot == 0 {
                return Err(at);
            }
            if slot >> 32 == tag {
                let i = (slot as u32).wrapping_sub(1);
                if is_eq(i) {
                    return Ok(i);
                }
            }
            at = (at + 1) & mask;
        }
    }

    /// Makes room for `n` more entries, so that the table does not grow
    /// while they are added.
    #[inline]
    pub fn reserve(&mut self, n: usize) {
        let want = self.len.saturating_add(n).saturating_mul(2).max(16);
        if want > self.slots.len() {
            self.grow(want.next_power_of_two());
        }
    }

    #[cold]
    fn grow(&mut self, size: usize) {
        // The free slots are written, not only allocated zeroed: slots are
        // read before they are written, and a fresh page first read maps
        // the shared zero page, whose first write then costs a second
        // fault and, with other threads running, a TLB flush on every
        // core (the merge of the ladder's 50 files spent about 6% of its
        // time there).
        let mut slots = Vec::with_capacity(size);
        slots.resize(size, std::hint::black_box(0));
        let old = std::mem::replace(&mut self.slots, slots);
        let mask = size - 1;
        for slot in old.into_iter().filter(|&s| s != 0) {
            let mut at = self.slot_of(slot >> 32);
            while self.slots[at] != 0 {
                at = (at + 1) & mask;
            }
            self.slots[at] = slot;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_name_an_entry_of_the_hash_or_nothing() {
        let mut index = IdIndex::default();
        assert_eq!(index.hint(5), None);
        let hashes: Vec<u64> = (0..1000u64)
            .map(|i| i.wrapping_mul(0x2545_f491_4f6c_dd1d))
            .collect();
        for (i, &h) in hashes.iter().enumerate() {
            assert_eq!(index.find_or_insert(h, i as u32, |_| false), None);
        }
        let mut hinted = 0;
        for (i, &h) in hashes.iter().enumerate() {
            // A hint is never another hash's entry (tags are distinct
            // here), and most entries sit where they are first looked for.
            if let Some(e) = index.hint(h) {
                assert_eq!(e, i as u32);
                hinted += 1;
            }
        }
        assert!(hinted > 500, "{hinted}");
    }

    #[test]
    fn finds_each_entry_across_growth_and_colliding_hashes() {
        // Every value hashes to one of 7 hashes: most lookups collide and
        // are told apart by the equality test.
        let values: Vec<u32> = (0..5000).map(|i| (i * 7919) % 3001).collect();
        let mut index = IdIndex::default();
        let mut table: Vec<u32> = Vec::new();
        let mut found = Vec::new();
        for &v in &values {
            let hash = u64::from(v % 7);
            let new = table.len() as u32;
            match index.find_or_insert(hash, new, |i| table[i as usize] == v) {
                Some(i) => found.push(i),
                None => {
                    table.push(v);
                    found.push(new);
                }
            }
        }
        let mut distinct = values.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(table.len(), distinct.len());
        assert_eq!(index.len(), table.len());
        for (&v, &i) in values.iter().zip(&found) {
            assert_eq!(table[i as usize], v);
            let hash = u64::from(v % 7);
            assert_eq!(index.find(hash, |j| table[j as usize] == v), Some(i));
        }
        assert_eq!(index.find(3, |j| table[j as usize] == 9999), None);
        assert_eq!(IdIndex::default().find(3, |_| true), None);
    }
}
