//! The IDF values of a dictionary's words, looked up by binary search over
//! the dictionary text itself: building the table allocates no string per
//! word (a `HashMap<String, f64>` of the 107,256 values took a third of
//! the segmenter's build time).

use std::sync::Arc;

/// Each word's IDF, by the word's byte range in the shared dictionary text.
pub(super) struct IdfTable {
    text: Arc<str>,
    /// `(start, end, idf)`: the word's byte range in `text`, sorted by word,
    /// one entry per word.
    entries: Vec<(u32, u32, f64)>,
}

impl IdfTable {
    /// Reads the `word freq tag idf` lines of `text` from byte `body` on
    /// (lines with fewer columns or no number have no IDF). Words in byte
    /// order, as `scripts/prune-dictionary.py` writes them, are taken as
    /// they come; otherwise they are sorted, the last line of a repeated
    /// word winning. `None` when the text is too long for 32-bit offsets.
    pub(super) fn new(text: Arc<str>, body: usize) -> Option<IdfTable> {
        u32::try_from(text.len()).ok()?;
        let mut entries: Vec<(u32, u32, f64)> = Vec::with_capacity(110_000);
        let mut start = body;
        for line in text[body..].split('\n') {
            let mut parts = line.split(' ');
            if let (Some(word), Some(_), Some(_), Some(v)) = (parts.next(), parts.next(), parts.next(), parts.next()) {
                if let Ok(v) = v.trim_end().parse::<f64>() {
                    entries.push((start as u32, (start + word.len()) as u32, v));
                }
            }
            start += line.len() + 1;
        }
        let word = |e: &(u32, u32, f64)| &text[e.0 as usize..e.1 as usize];
        if !entries.windows(2).all(|w| word(&w[0]) < word(&w[1])) {
            // Stable, so equal words keep their order; keep the last of each.
            entries.sort_by(|a, b| word(a).cmp(word(b)));
            entries.reverse();
            entries.dedup_by(|a, b| word(a) == word(b));
            entries.reverse();
        }
        Some(IdfTable { text, entries })
    }

    /// The word's IDF, if the dictionary gives one.
    pub(super) fn get(&self, word: &str) -> Option<f64> {
        self.entries
            .binary_search_by(|e| self.text[e.0 as usize..e.1 as usize].cmp(word))
            .ok()
            .map(|i| self.entries[i].2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> IdfTable {
        let body = text.find('\n').map_or(text.len(), |i| i + 1);
        IdfTable::new(Arc::from(text), body).expect("table")
    }

    #[test]
    fn sorted_unsorted_and_repeated_words_are_all_found() {
        let sorted = table("#median-idf 10\n一 9 m\n利用 100 v 3.5\n外资 100 n 8.5\n");
        assert_eq!(
            (
                sorted.get("利用"),
                sorted.get("外资"),
                sorted.get("一"),
                sorted.get("无")
            ),
            (Some(3.5), Some(8.5), None, None)
        );
        // Out of order, a repeated word (the last line wins, as it did in a
        // map), CRLF line ends, and no final newline.
        let t = table("#median-idf 10\r\n外资 100 n 8.5\r\n利用 100 v 3.5\r\n外资 100 n 9.5\r\n园区 5 n 7");
        assert_eq!(
            (t.get("外资"), t.get("利用"), t.get("园区")),
            (Some(9.5), Some(3.5), Some(7.0))
        );
        assert_eq!(t.entries.len(), 3);
    }
}
