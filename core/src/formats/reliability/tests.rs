//! Tests of the parent module.

use std::collections::BTreeMap;

use super::*;
use crate::agreement::krippendorff_alpha_nominal;
use crate::compare::SubThemes;
use crate::corpus::{corpus_agreement, every_coder, included, CorpusDocument};
use crate::document::Document;
use crate::store::{Command, SetKind, Status, Store, TagOrigin};

/// Two documents, three coders (two named alike), one coder not done on
/// the second.
fn library() -> Vec<(String, Document, Store)> {
    ["标题一\n甲段。\n乙段。\n丙段。", "标题二\n丁段。\n戊段。"]
        .iter()
        .enumerate()
        .map(|(d, text)| {
            let doc = Document::parse(text);
            let p: Vec<String> = doc.taggable().map(|b| b.id.clone()).collect();
            let mut store = Store::new("r", &AnnotationSet::new("c-a", "李明", "#000000", SetKind::Coder));
            for (id, name) in [("c-b", "李明"), ("c-c", "王芳")] {
                store
                    .apply(Command::AddSet(Box::new(AnnotationSet::new(
                        id,
                        name,
                        "#111111",
                        SetKind::Coder,
                    ))))
                    .unwrap();
            }
            let tag = |set: &str, i: usize, t: &str| Command::Tag {
                set: set.into(),
                block: p[i].clone(),
                theme: t.into(),
                present: true,
                how: TagOrigin::Hand,
                at: 0,
            };
            let mut cmds = vec![tag("c-a", 0, "trade"), tag("c-b", 0, "trade"), tag("c-c", 1, "trade")];
            cmds.push(Command::Uncoded {
                set: "c-b".into(),
                block: p[1].clone(),
                on: true,
            });
            for c in ["c-a", "c-b", "c-c"] {
                let done = !(d == 1 && c == "c-c");
                cmds.push(Command::SetStatus {
                    set: c.into(),
                    status: Some(if done { Status::Done } else { Status::InProgress }),
                });
            }
            store.apply(Command::Batch(cmds)).unwrap();
            (format!("文档{d}"), doc, store)
        })
        .collect()
}

fn corpus(lib: &[(String, Document, Store)]) -> Vec<CorpusDocument<'_>> {
    lib.iter()
        .map(|(title, doc, store)| CorpusDocument { title, doc, store })
        .collect()
}

/// The rows of the CSV, header first, without the byte order mark.
fn rows(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').expect("a byte order mark");
    ::csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

// Source: the reliability data pivoted by hand into coders × units
// matrices, as docs/agreement.md tells R and Python users to do, give the
// panel's figures.
#[test]
fn the_rows_reproduce_the_corpus_figures() {
    let lib = library();
    let docs = corpus(&lib);
    let text = csv(&included(&docs, SubThemes::Separate));
    let rows = rows(&text);
    assert_eq!(rows[0], COLUMNS);
    // 2 documents × 4 themes × paragraphs (3, 2) × coders (3, 2)
    assert_eq!(rows.len() - 1, 4 * (3 * 3 + 2 * 2));
    let first = &rows[1];
    assert_eq!(first[1], "文档0", "the library's name for the document");
    assert_eq!(&first[3], "1");
    assert_eq!(&first[6], "done");
    assert_eq!(&first[7], "whole-document");
    // names told apart
    let names: BTreeMap<&str, &str> = rows[1..].iter().map(|r| (r[4].as_str(), r[5].as_str())).collect();
    assert_eq!(names["c-a"], "李明");
    assert_eq!(names["c-b"], "李明 (2)");
    assert_eq!(names["c-c"], "王芳");
    // pivot: per theme, and pooled over (document, paragraph, theme)
    let coders = ["c-a", "c-b", "c-c"];
    let matrix = |theme: Option<&str>| -> Vec<Vec<Option<bool>>> {
        let mut units: BTreeMap<(String, String, String), [Option<bool>; 3]> = BTreeMap::new();
        for r in &rows[1..] {
            if theme.is_some_and(|t| t != r[8]) {
                continue;
            }
            let c = coders.iter().position(|c| *c == r[4]).unwrap();
            let cell = units.entry((r[0].clone(), r[2].clone(), r[8].clone())).or_default();
            cell[c] = match r[10].as_str() {
                "1" => Some(true),
                "0" => Some(false),
                _ => None,
            };
        }
        (0..3).map(|c| units.values().map(|u| u[c]).collect()).collect()
    };
    let report = corpus_agreement(&docs, SubThemes::Separate);
    assert_eq!(krippendorff_alpha_nominal(&matrix(None)), report.overall.alpha);
    for t in &report.themes {
        assert_eq!(
            krippendorff_alpha_nominal(&matrix(Some(&t.theme.id))),
            t.agreement.alpha,
            "{}",
            t.theme.id
        );
    }
    // missing is an empty value: c-b's not-coded mark
    assert!(rows[1..].iter().any(|r| r[4] == "c-b" && r[10].is_empty()));
}

#[test]
fn one_document_with_every_coder_carries_their_rules() {
    let lib = library();
    let docs = corpus(&lib);
    let text = csv(&[every_coder(docs[1], SubThemes::Separate)]);
    let rows = rows(&text);
    let c = rows[1..].iter().find(|r| r[4] == "c-c").unwrap();
    assert_eq!((c[6].as_str(), c[7].as_str()), ("in-progress", "reading-order"));
    // a title a spreadsheet would run is defused
    let (title, doc, store) = (&"=SUM(A1)".to_string(), &lib[0].1, &lib[0].2);
    let text = csv(&[every_coder(CorpusDocument { title, doc, store }, SubThemes::Separate)]);
    assert_eq!(rows_of_title(&text), "'=SUM(A1)");
}

fn rows_of_title(text: &str) -> String {
    rows(text)[1][1].clone()
}
