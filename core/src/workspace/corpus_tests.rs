//! The library read as a corpus, over in-memory storage.

use super::*;
use crate::compare::SubThemes;
use crate::store::{AnnotationSet, Command, SetKind, Status, TagOrigin};
use crate::test_support::Mem;

const SPEECH: &str = include_str!("../../../assets/speech-foreign-trade-2022-07-14.txt");
const ONE: &str = "讲话一\n要扩大有效投资。\n要稳住外贸基本盘。\n要压实工作责任。";
const TWO: &str = "讲话二\n要加强生态环境保护。\n要优化营商环境。";

fn profile() -> Profile {
    Profile {
        coder_id: "c-me".into(),
        name: "李明".into(),
        color: "#2f6fdb".into(),
    }
}

/// Codes the open document: the user's own coder tags its first paragraph,
/// a colleague (`c-wang`, read-only as an import leaves them) its first and
/// last; both mark it done when `done`.
fn code(opened: &mut Opened, done: bool) {
    let p: Vec<String> = opened.doc.taggable().map(|b| b.id.clone()).collect();
    let tag = |set: &str, b: &String| Command::Tag {
        set: set.into(),
        block: b.clone(),
        theme: "investment".into(),
        present: true,
        how: TagOrigin::Hand,
        at: 1,
    };
    let mut cmds = vec![
        Command::AddSet(Box::new(AnnotationSet::new(
            "c-wang",
            "王芳",
            "#c2410c",
            SetKind::Coder,
        ))),
        tag("c-me", &p[0]),
        tag("c-wang", &p[0]),
        tag("c-wang", p.last().unwrap()),
    ];
    if done {
        for set in ["c-me", "c-wang"] {
            cmds.push(Command::SetStatus {
                set: set.into(),
                status: Some(Status::Done),
            });
        }
    }
    cmds.push(Command::SetReadonly {
        set: "c-wang".into(),
        readonly: true,
    });
    opened.store.apply(Command::Batch(cmds)).unwrap();
}

/// A library of the built-in speech and two documents, both coded by the
/// user and a colleague: ONE marked done by both and stored, TWO in
/// progress and open.
fn two_documents() -> (Workspace<Mem>, Opened, Opened) {
    let (mut ws, _) = Workspace::start(Mem::default(), SPEECH, profile(), "tab", 1_000);
    let mut one = ws.open_document(Document::parse(ONE), Source::Pasted, 2_000);
    code(&mut one, true);
    ws.save(&mut one.store, &ViewState::default(), 3_000).unwrap();
    let mut two = ws.open_document(Document::parse(TWO), Source::Pasted, 4_000);
    code(&mut two, false);
    ws.save(&mut two.store, &ViewState::default(), 5_000).unwrap();
    (ws, one, two)
}

#[test]
fn the_library_reads_as_a_corpus_of_the_documents_two_coders_marked_done() {
    let (ws, one, mut two) = two_documents();

    // the corpus view's rows: every document, its coders and statuses
    let rows = ws.document_coders(&two.store);
    assert_eq!(rows.len(), 3, "the built-in speech and the two documents");
    let of = |fp: &str| rows.iter().find(|(e, _)| e.fingerprint == fp).unwrap().1.clone();
    let first = of(&one.doc.fingerprint);
    assert_eq!(
        first
            .iter()
            .map(|c| (c.id.as_str(), c.status, c.tags))
            .collect::<Vec<_>>(),
        [("c-me", Status::Done, 1), ("c-wang", Status::Done, 2)]
    );
    assert!(of(&two.doc.fingerprint).iter().all(|c| c.status == Status::InProgress));

    // only the first document enters; its 3 paragraphs, both coders
    let r = ws.corpus_agreement(&two.store, SubThemes::Separate);
    assert_eq!((r.documents, r.units, r.coders.len()), (1, 3, 2));
    assert_eq!(r.per_document[0].title, "讲话一");
    assert_eq!(r.per_document[0].disagreements, 1);
    // left out: the built-in speech (nobody done) and TWO (in progress)
    let mut left = r.left_out.clone();
    left.sort();
    let mut expected = vec![(ws.builtin().fingerprint.clone(), 0), (two.doc.fingerprint.clone(), 0)];
    expected.sort();
    assert_eq!(left, expected);
    // the open document marked done joins, read from memory, not storage
    two.store.apply(two.store.toggle_done("c-me")).unwrap();
    two.store
        .apply(Command::Batch(vec![
            Command::SetReadonly {
                set: "c-wang".into(),
                readonly: false,
            },
            two.store.toggle_done("c-wang"),
        ]))
        .unwrap();
    let r = ws.corpus_agreement(&two.store, SubThemes::Separate);
    assert_eq!((r.documents, r.units), (2, 5));
    assert_eq!(r.left_out, [(ws.builtin().fingerprint.clone(), 0)]);

    // the reliability data: one row per document × theme × paragraph × coder
    let file = ws.export_reliability(&two.store, SubThemes::Separate, 1_795_582_111);
    assert!(file.name.starts_with("speech-annotator-reliability-2026-"));
    assert_eq!(file.media_type, "text/csv;charset=utf-8");
    let text = String::from_utf8(file.bytes).unwrap();
    let themes = two.store.themes().len();
    assert_eq!(text.lines().count(), 1 + themes * (3 + 2) * 2);
}

#[test]
fn renaming_oneself_renames_the_own_coder_in_every_stored_document() {
    let (mut ws, one, two) = two_documents();
    // TWO is open: ONE (stored) is renamed, the built-in speech has no
    // stored set of the user's and is not written.
    assert_eq!(ws.rename_coder_everywhere("c-me", " 李明明 ", 6_000), 1);
    let rows = ws.document_coders(&two.store);
    let one_row = &rows
        .iter()
        .find(|(e, _)| e.fingerprint == one.doc.fingerprint)
        .unwrap()
        .1;
    let me = one_row.iter().find(|c| c.id == "c-me").unwrap();
    assert_eq!(me.name, "李明明");
    assert_eq!(me.tags, 1, "tags and status kept");
    assert_eq!(me.status, Status::Done);
    assert_eq!(one_row.iter().find(|c| c.id == "c-wang").unwrap().name, "王芳");
    assert_eq!(
        ws.rename_coder_everywhere("c-me", "李明明", 7_000),
        0,
        "nothing to change"
    );
}
