//! Merging two replicas' stores: per item, the later stamp wins. Sets merge
//! field by field (open or closed, name, colour, read-only, status) and item
//! by item.

use std::collections::BTreeMap;

use super::{AnnotationSet, SetStamps, Stamp, Store};

impl Store {
    /// Folds another replica's store into this one: per item the later stamp
    /// wins. Commutative, associative and idempotent, so tabs converge
    /// whatever order their writes arrive in. Returns whether anything changed.
    pub fn merge(&mut self, other: &Store) -> bool {
        let mut changed = merge_items(&mut self.codebook, &other.codebook, |e| &e.stamp);
        changed |= merge_items(&mut self.themes, &other.themes, |e| &e.stamp);
        for theirs in other.sets.values() {
            changed |= self.merge_set(theirs, true);
        }
        for theirs in other.closed.values() {
            changed |= self.merge_set(theirs, false);
        }
        self.clock = self.clock.max(other.clock);
        changed
    }

    /// Folds another replica's copy of one set in: whether it is open, its
    /// name, colour and read-only flag each keep the later stamp; tags,
    /// notes and marks merge item by item into an open set (a closed one
    /// keeps only its tombstone). Returns whether anything changed.
    fn merge_set(&mut self, theirs: &AnnotationSet, theirs_open: bool) -> bool {
        let id = &theirs.id;
        let ours_stamp = self.set_any(id).map(|s| s.stamps.open.clone());
        let mut changed = false;
        if ours_stamp.as_ref().is_none_or(|o| theirs.stamps.open > *o) {
            // Their membership wins: the set moves to their side (open or
            // closed), keeping our fields (merged below) and, when open, our items.
            let ours = self.sets.remove(id).or_else(|| self.closed.remove(id));
            let mut next = AnnotationSet {
                tags: BTreeMap::new(),
                notes: BTreeMap::new(),
                uncoded: BTreeMap::new(),
                ..theirs.clone()
            };
            if let Some(o) = ours {
                next.name = o.name;
                next.color = o.color;
                next.readonly = o.readonly;
                next.status = o.status;
                next.stamps = SetStamps {
                    open: theirs.stamps.open.clone(),
                    ..o.stamps
                };
                if theirs_open {
                    next.tags = o.tags;
                    next.notes = o.notes;
                    next.uncoded = o.uncoded;
                }
            }
            if theirs_open {
                self.sets.insert(id.clone(), next);
            } else {
                self.closed.insert(id.clone(), next);
            }
            changed = true;
        }
        let ours = match self.sets.get_mut(id) {
            Some(s) => s,
            None => self.closed.get_mut(id).expect("placed above"),
        };
        if theirs.stamps.name > ours.stamps.name {
            ours.name = theirs.name.clone();
            ours.stamps.name = theirs.stamps.name.clone();
            changed = true;
        }
        if theirs.stamps.color > ours.stamps.color {
            ours.color = theirs.color.clone();
            ours.stamps.color = theirs.stamps.color.clone();
            changed = true;
        }
        if theirs.stamps.readonly > ours.stamps.readonly {
            ours.readonly = theirs.readonly;
            ours.stamps.readonly = theirs.stamps.readonly.clone();
            changed = true;
        }
        if theirs.stamps.status > ours.stamps.status {
            ours.status = theirs.status;
            ours.stamps.status = theirs.stamps.status.clone();
            changed = true;
        }
        if let Some(ours) = self.sets.get_mut(id) {
            changed |= ours.merge_items(theirs);
        }
        changed
    }
}

/// Per key, the item with the later stamp wins (ties keep ours: stamps are
/// unique per replica, so equal stamps are the same write). Returns whether
/// anything of theirs was taken.
pub(super) fn merge_items<K: Ord + Clone, V: Clone>(
    ours: &mut BTreeMap<K, V>,
    theirs: &BTreeMap<K, V>,
    stamp: fn(&V) -> &Stamp,
) -> bool {
    let mut changed = false;
    for (k, t) in theirs {
        match ours.get(k) {
            Some(o) if stamp(o) >= stamp(t) => {}
            _ => {
                ours.insert(k.clone(), t.clone());
                changed = true;
            }
        }
    }
    changed
}
