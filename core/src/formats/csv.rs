//! CSV for spreadsheets, R and pandas.

use crate::document::Document;
use crate::store::{AnnotationSet, Store};

/// One row per taggable block (per coder, with `coder` and `coder_id` columns, when
/// several sets are exported: the long format R and pandas group by), a 0/1
/// column per theme, whether the coder marked it not coded, the note and the
/// text; UTF-8 with a BOM so Excel shows Chinese. Cells that a spreadsheet
/// would run as a formula are prefixed with `'`.
pub fn csv(doc: &Document, store: &Store, sets: &[&str]) -> String {
    let themes = store.themes();
    let sets: Vec<&AnnotationSet> = sets.iter().filter_map(|id| store.sets.get(*id)).collect();
    let several = sets.len() > 1;
    let mut out = String::from("\u{feff}");
    let mut header = vec!["block".to_string(), "block_id".into(), "kind".into()];
    if several {
        // The id tells coders apart when two never changed the default name.
        header.extend(["coder".to_string(), "coder_id".into()]);
    }
    header.extend(themes.iter().map(|t| t.label()));
    header.extend(["not_coded".to_string(), "note".into(), "text".into()]);
    push_row(&mut out, &header);
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
            push_row(&mut out, &row);
        }
    }
    out
}

fn push_row(out: &mut String, cells: &[String]) {
    let quoted: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
    out.push_str(&quoted.join(","));
    out.push_str("\r\n");
}

fn csv_cell(c: &str) -> String {
    let c = if c.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{c}")
    } else {
        c.to_string()
    };
    if c.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", c.replace('"', "\"\""))
    } else {
        c
    }
}
