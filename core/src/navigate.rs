//! Which blocks a reader sees and moves between, given a theme filter.

use crate::document::{Block, BlockKind, Document};
use crate::store::Store;

/// Whether a block is shown while the document is filtered by `filter`
/// (a theme id) in `set`. Unfiltered, everything is shown; filtered, the
/// title and the blocks carrying the theme.
pub fn is_visible(block: &Block, store: &Store, set: &str, filter: Option<&str>) -> bool {
    match filter {
        None => true,
        Some(theme) => {
            block.kind == BlockKind::Title || store.sets.get(set).is_some_and(|s| s.has_tag(&block.id, theme))
        }
    }
}

/// The next (or previous) visible taggable block from `from`; the first (or
/// last) when nothing is focused.
pub fn neighbour(
    doc: &Document,
    store: &Store,
    set: &str,
    filter: Option<&str>,
    from: Option<usize>,
    forward: bool,
) -> Option<usize> {
    let candidates: Vec<usize> = doc
        .blocks
        .iter()
        .filter(|b| b.kind.is_taggable() && is_visible(b, store, set, filter))
        .map(|b| b.index)
        .collect();
    let first = candidates.first().copied();
    let last = candidates.last().copied();
    match (from, forward) {
        (None, true) => first,
        (None, false) => last,
        (Some(i), true) => candidates
            .iter()
            .copied()
            .find(|&c| c > i)
            .or(candidates.iter().copied().rfind(|&c| c <= i)),
        (Some(i), false) => candidates
            .iter()
            .copied()
            .rfind(|&c| c < i)
            .or(candidates.iter().copied().find(|&c| c >= i)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{AnnotationSet, Command, SetKind, TagOrigin};

    #[test]
    fn moves_between_taggable_blocks_and_respects_the_filter() {
        let doc = Document::parse("标题\n时间:2022-07-14\n一、部分\n甲段。\n乙段。\n上一篇:别的");
        let mut store = Store::new("t", &AnnotationSet::new("me", "Me", "#000000", SetKind::Coder));
        assert_eq!(neighbour(&doc, &store, "me", None, None, true), Some(2));
        assert_eq!(neighbour(&doc, &store, "me", None, Some(2), true), Some(3));
        assert_eq!(
            neighbour(&doc, &store, "me", None, Some(4), true),
            Some(4),
            "stays at the end"
        );
        assert_eq!(neighbour(&doc, &store, "me", None, Some(3), false), Some(2));
        assert_eq!(
            neighbour(&doc, &store, "me", None, Some(2), false),
            Some(2),
            "stays at the start"
        );
        assert_eq!(neighbour(&doc, &store, "me", None, None, false), Some(4));
        store
            .apply(Command::Tag {
                set: "me".into(),
                block: doc.blocks[4].id.clone(),
                theme: "trade".into(),
                present: true,
                how: TagOrigin::Hand,
                at: 0,
            })
            .unwrap();
        assert_eq!(neighbour(&doc, &store, "me", Some("trade"), Some(2), true), Some(4));
        assert!(is_visible(&doc.blocks[0], &store, "me", Some("trade")));
        assert!(!is_visible(&doc.blocks[3], &store, "me", Some("trade")));
    }
}
