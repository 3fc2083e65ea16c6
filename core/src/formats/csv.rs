//! CSV for spreadsheets, R and pandas (RFC 4180).

use ::csv::{QuoteStyle, Terminator, WriterBuilder};

use crate::document::Document;
use crate::store::{AnnotationSet, Store};

/// The coded document as CSV text, one row per taggable block (heading or
/// paragraph) and set.
///
/// Columns: `block` (the block's 0-based position in the document),
/// `block_id`, `kind`; when several sets are exported, `coder` and
/// `coder_id` (the long format R and pandas group by; the id tells coders
/// apart when two kept the default name); then a 0/1 column per theme,
/// headed by its label; `not_coded` (0/1, the coder marked the block as
/// skipped); the coder's `note`; the block's `text`. `sets` names the sets
/// to export, in order; ids the store lacks are skipped.
///
/// RFC 4180: CRLF after every row, header included; a cell holding a comma,
/// a double quote, CR or LF is quoted, its quotes doubled. The text opens
/// with a UTF-8 byte order mark, so Excel shows Chinese. A cell a spreadsheet
/// would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or CR) is
/// prefixed with `'`. Never fails.
///
/// ```
/// use annotator_core::document::Document;
/// use annotator_core::store::{AnnotationSet, SetKind, Store};
/// let doc = Document::parse("标题\n第一段。");
/// let store = Store::new("tab", &AnnotationSet::new("me", "Li", "#333333", SetKind::Coder));
/// let csv = annotator_core::formats::csv::csv(&doc, &store, &["me"]);
/// assert!(csv.starts_with("\u{feff}block,block_id,kind,"));
/// assert!(csv.ends_with(",0,0,0,0,0,,第一段。\r\n"));
/// ```
pub fn csv(doc: &Document, store: &Store, sets: &[&str]) -> String {
    let themes = store.themes();
    let sets: Vec<&AnnotationSet> = sets.iter().filter_map(|id| store.sets.get(*id)).collect();
    let several = sets.len() > 1;
    let mut header = vec!["block".to_string(), "block_id".into(), "kind".into()];
    if several {
        header.extend(["coder".to_string(), "coder_id".into()]);
    }
    header.extend(themes.iter().map(|t| t.label()));
    header.extend(["not_coded".to_string(), "note".into(), "text".into()]);
    let mut rows = vec![header];
    for s in sets {
        for b in doc.taggable() {
            let mut row = vec![b.index.to_string(), b.id.clone(), b.kind.as_str().to_string()];
            if several {
                row.extend([s.name.clone(), s.id.clone()]);
            }
            let flag = |on: bool| if on { "1" } else { "0" }.to_string();
            row.extend(themes.iter().map(|t| flag(s.has_tag(&b.id, &t.id))));
            row.push(flag(s.is_uncoded(&b.id)));
            row.push(store.note(&s.id, &b.id).to_string());
            row.push(b.text.clone());
            rows.push(row);
        }
    }
    write(&rows)
}

/// RFC 4180 text of `rows`, after a byte order mark, each cell guarded by
/// [`defuse`].
fn write(rows: &[Vec<String>]) -> String {
    let mut w = Rows::new();
    for row in rows {
        w.row(row.iter().map(String::as_str));
    }
    w.finish()
}

/// RFC 4180 rows written one at a time into memory, after a byte order
/// mark, each cell guarded by [`defuse`]: what every CSV export writes.
pub(super) struct Rows(::csv::Writer<Vec<u8>>);

impl Rows {
    pub(super) fn new() -> Rows {
        Rows(
            WriterBuilder::new()
                .terminator(Terminator::CRLF)
                .quote_style(QuoteStyle::Necessary)
                // Every row has the header's length; flexible all the same,
                // so a row can never be refused.
                .flexible(true)
                .from_writer("\u{feff}".as_bytes().to_vec()),
        )
    }

    /// Writes one row.
    pub(super) fn row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) {
        // Writing into memory cannot fail (the only errors are I/O ones).
        for cell in cells {
            let _ = self.0.write_field(defuse(cell).as_bytes());
        }
        let _ = self.0.write_record(std::iter::empty::<&[u8]>());
    }

    /// The text written.
    pub(super) fn finish(self) -> String {
        // Flushing into memory cannot fail; the cells are `str`, so the
        // bytes are UTF-8.
        let bytes = self.0.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

/// A cell a spreadsheet would run as a formula (it starts with `=`, `+`,
/// `-`, `@`, a tab or CR: OWASP's list) with `'` before it, so it shows
/// as text; any other cell as it is.
fn defuse(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> String {
        write(&[cells.iter().map(|c| c.to_string()).collect()])
    }

    #[test]
    fn a_cell_with_a_quote_a_comma_and_a_newline_is_quoted_whole() {
        assert_eq!(
            row(&["1", "他说：\"稳外贸, 稳外资\"\n第二行", "x"]),
            "\u{feff}1,\"他说：\"\"稳外贸, 稳外资\"\"\n第二行\",x\r\n"
        );
        assert_eq!(row(&["a\rb", ""]), "\u{feff}\"a\rb\",\r\n");
    }

    #[test]
    fn formulas_are_defused_and_then_quoted_as_needed() {
        for (cell, out) in [
            ("=1+1", "'=1+1"),
            ("+86 10", "'+86 10"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "\"'\rx\""),
            ("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(row(&[cell, "z"]), format!("\u{feff}{out},z\r\n"), "{cell:?}");
        }
    }
}
