//! Tests of the parent module.

use serde_json::Value;

use super::*;
use crate::agreement::Undefined;
use crate::compare::{self, CONSENSUS};
use crate::store::{Command, SetKind, TagOrigin};

/// 3 coders × 5 documents with not-coded marks and a mix of done, in
/// progress and not started: `core/tests/reference/agreement_fixture.json`.
const FIXTURE: &str = include_str!("../../tests/reference/agreement_fixture.json");
/// The figures `core/tests/reference/agreement_reference.py` computed from
/// the fixture with the `krippendorff` package (α) and scikit-learn's
/// `cohen_kappa_score` (κ), independently of this code.
const EXPECTED: &str = include_str!("../../tests/reference/agreement_expected.json");

/// The fixture's documents and their stores, as a library would hold them.
fn fixture() -> Vec<(String, Document, Store)> {
    let f: Value = serde_json::from_str(FIXTURE).unwrap();
    let coders = f["coders"].as_array().unwrap();
    f["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let title = d["title"].as_str().unwrap().to_string();
            let paragraphs: Vec<&str> = d["paragraphs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect();
            let doc = Document::parse(&format!("{title}\n{}", paragraphs.join("\n")));
            let p: Vec<String> = doc.taggable().map(|b| b.id.clone()).collect();
            assert_eq!(p.len(), paragraphs.len(), "every paragraph is a unit");
            let set = |c: &Value| {
                AnnotationSet::new(
                    c["id"].as_str().unwrap(),
                    c["name"].as_str().unwrap(),
                    c["color"].as_str().unwrap(),
                    SetKind::Coder,
                )
            };
            let mut store = Store::new("r-test", &set(&coders[0]));
            for c in &coders[1..] {
                store.apply(Command::AddSet(Box::new(set(c)))).unwrap();
            }
            for (id, c) in d["coders"].as_object().unwrap() {
                let mut cmds = Vec::new();
                for (i, themes) in c["tags"].as_object().unwrap() {
                    let i: usize = i.parse().unwrap();
                    for t in themes.as_array().unwrap() {
                        cmds.push(Command::Tag {
                            set: id.clone(),
                            block: p[i].clone(),
                            theme: t.as_str().unwrap().into(),
                            present: true,
                            how: TagOrigin::Hand,
                            at: 0,
                        });
                    }
                }
                for i in c["uncoded"].as_array().unwrap() {
                    cmds.push(Command::Uncoded {
                        set: id.clone(),
                        block: p[i.as_u64().unwrap() as usize].clone(),
                        on: true,
                    });
                }
                cmds.push(Command::SetStatus {
                    set: id.clone(),
                    status: Status::parse(c["status"].as_str().unwrap()),
                });
                store.apply(Command::Batch(cmds)).unwrap();
            }
            (title, doc, store)
        })
        .collect()
}

fn corpus_of(docs: &[(String, Document, Store)]) -> Vec<CorpusDocument<'_>> {
    docs.iter()
        .map(|(title, doc, store)| CorpusDocument { title, doc, store })
        .collect()
}

fn close(got: Option<f64>, want: &Value, what: &str) {
    match (got, want.as_f64()) {
        (Some(g), Some(w)) => assert!((g - w).abs() < 1e-9, "{what}: {g} against {w}"),
        (None, None) => {}
        (g, _) => panic!("{what}: {g:?} against {want}"),
    }
}

/// κ per pair, keyed `a|b` as the reference writes them.
fn check_kappa(a: &Agreement, want: &Value, what: &str) {
    for p in &a.pairwise_kappa {
        let key = format!("{}|{}", p.a, p.b);
        close(p.kappa.kappa, &want[&key], &format!("{what} κ {key}"));
    }
    assert_eq!(a.pairwise_kappa.len(), want.as_object().unwrap().len());
}

// Source: figures computed independently by
// core/tests/reference/agreement_reference.py (the `krippendorff` package for
// α, scikit-learn's `cohen_kappa_score` for κ, percent agreement by
// counting) from the same fixture, under the rules as docs/agreement.md
// states them.
#[test]
fn corpus_agreement_matches_the_reference_figures() {
    let expected: Value = serde_json::from_str(EXPECTED).unwrap();
    let docs = fixture();
    let themes: Vec<&str> = docs[0].2.themes().iter().map(|t| t.id.as_str()).collect();
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    assert_eq!(
        serde_json::to_value(&themes).unwrap(),
        fixture["themes"],
        "the store's live themes are the fixture's"
    );
    let r = corpus_agreement(&corpus_of(&docs), SubThemes::Separate);
    let e = &expected["corpus"];
    assert_eq!(r.documents as u64, e["documents"].as_u64().unwrap());
    assert_eq!(r.units as u64, e["units"].as_u64().unwrap());
    let ids: Vec<&str> = r.coders.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(serde_json::to_value(&ids).unwrap(), e["coders"]);
    close(r.overall.alpha.alpha, &e["overall"]["alpha"], "overall α");
    assert_eq!(r.overall.units as u64, e["overall"]["units"].as_u64().unwrap());
    assert_eq!(r.overall.percent.pairs, e["overall"]["pairs"].as_u64().unwrap());
    assert_eq!(
        r.overall.percent.agreeing_pairs,
        e["overall"]["agreeing_pairs"].as_u64().unwrap()
    );
    check_kappa(&r.overall, &e["overall"]["kappa"], "overall");
    assert_eq!(r.themes.len(), themes.len());
    for t in &r.themes {
        let w = &e["themes"][&t.theme.id];
        let what = t.theme.id.as_str();
        close(t.agreement.alpha.alpha, &w["alpha"], what);
        assert_eq!(t.agreement.units as u64, w["units"].as_u64().unwrap(), "{what}");
        assert_eq!(t.documents as u64, w["documents"].as_u64().unwrap(), "{what}");
        assert_eq!(t.agreement.percent.pairs, w["pairs"].as_u64().unwrap(), "{what}");
        assert_eq!(
            t.agreement.percent.agreeing_pairs,
            w["agreeing_pairs"].as_u64().unwrap(),
            "{what}"
        );
        check_kappa(&t.agreement, &w["kappa"], what);
    }
    let want_docs = e["per_document"].as_array().unwrap();
    assert_eq!(r.per_document.len(), want_docs.len());
    for (d, w) in r.per_document.iter().zip(want_docs) {
        assert_eq!(d.title, w["title"].as_str().unwrap());
        assert_eq!(serde_json::to_value(&d.coders).unwrap(), w["coders"]);
        assert_eq!(d.units as u64, w["units"].as_u64().unwrap(), "{}", d.title);
        assert_eq!(
            d.disagreements as u64,
            w["disagreements"].as_u64().unwrap(),
            "{}",
            d.title
        );
        close(d.alpha.alpha, &w["alpha"], &d.title);
    }
    // the third document has one coder done: left out, said so
    assert_eq!(r.left_out, [(docs[2].1.fingerprint.clone(), 1)]);
    // the coders are one across documents, and two of them share a name
    assert_eq!(
        r.coders
            .iter()
            .map(|c| (c.name.as_str(), c.documents))
            .collect::<Vec<_>>(),
        [("李明", 3), ("李明", 3), ("王芳", 4)]
    );
}

// Source: the same reference: each document's own panel figure, every
// coder under the rule of their status (done: whole document; otherwise
// reading order).
#[test]
fn each_documents_panel_figure_matches_the_reference() {
    let expected: Value = serde_json::from_str(EXPECTED).unwrap();
    for ((title, doc, store), w) in fixture().iter().zip(expected["panel"].as_array().unwrap()) {
        assert_eq!(title, w["title"].as_str().unwrap());
        let r = compare::report(doc, store, SubThemes::Separate);
        close(r.overall.alpha.alpha, &w["alpha"], title);
        assert_eq!(r.overall.units as u64, w["units"].as_u64().unwrap(), "{title}");
        assert_eq!(r.overall.percent.pairs, w["pairs"].as_u64().unwrap(), "{title}");
        assert_eq!(
            r.overall.percent.agreeing_pairs,
            w["agreeing_pairs"].as_u64().unwrap(),
            "{title}"
        );
    }
}

#[test]
fn the_corpus_figure_does_not_depend_on_document_order() {
    let docs = fixture();
    let corpus = corpus_of(&docs);
    let a = corpus_agreement(&corpus, SubThemes::Separate);
    let mut reversed = corpus.clone();
    reversed.reverse();
    let b = corpus_agreement(&reversed, SubThemes::Separate);
    assert_eq!(a.overall, b.overall, "bit for bit");
    assert_eq!(a.coders, b.coders);
    for t in &a.themes {
        let u = b.themes.iter().find(|u| u.theme.id == t.theme.id).unwrap();
        assert_eq!(t.agreement, u.agreement);
    }
}

#[test]
fn only_done_coders_of_documents_two_marked_done_count() {
    let docs = fixture();
    let mut docs2: Vec<(String, Document, Store)> = docs.clone();
    // the one coder done on the third document is joined by a second
    let (_, _, store) = &mut docs2[2];
    let second = "c-9f8e7d6c5b4a3928";
    store.apply(store.toggle_done(second)).unwrap();
    let before = corpus_agreement(&corpus_of(&docs), SubThemes::Separate);
    let after = corpus_agreement(&corpus_of(&docs2), SubThemes::Separate);
    assert_eq!((before.documents, after.documents), (4, 5));
    assert!(after.left_out.is_empty());
    assert!(after.units > before.units);
    // a consensus set is never a coder, done or not
    let (_, doc, store) = &mut docs2[0];
    let p = doc.taggable().next().unwrap().id.clone();
    store
        .apply(compare::adjudicate(doc, store, &p, &compare::Ruling::Union, 0))
        .unwrap();
    assert!(store.sets.contains_key(CONSENSUS));
    let with_consensus = corpus_agreement(&corpus_of(&docs2), SubThemes::Separate);
    assert_eq!(with_consensus.overall, after.overall);
}

#[test]
fn a_theme_counts_only_in_documents_whose_store_has_it() {
    let mut docs = fixture();
    // a theme added to the first document only, given to one paragraph by
    // two coders
    let (_, doc, store) = &mut docs[0];
    store
        .apply(Command::PutTheme(Theme {
            id: "u-open".into(),
            name_zh: "开放".into(),
            name_en: "opening up".into(),
            color: "#123456".into(),
            key: None,
        }))
        .unwrap();
    let p = doc.taggable().next().unwrap().id.clone();
    for set in ["c-1a2b3c4d5e6f7a8b", "c-9f8e7d6c5b4a3928"] {
        store
            .apply(Command::Tag {
                set: set.into(),
                block: p.clone(),
                theme: "u-open".into(),
                present: true,
                how: TagOrigin::Hand,
                at: 0,
            })
            .unwrap();
    }
    let r = corpus_agreement(&corpus_of(&docs), SubThemes::Separate);
    let open = r.themes.iter().find(|t| t.theme.id == "u-open").unwrap();
    assert_eq!(open.documents, 1);
    assert_eq!(open.agreement.units, r.per_document[0].units);
    assert_eq!(open.theme.name_en, "opening up");
}

#[test]
fn no_document_with_two_done_coders_gives_undefined_figures() {
    let r = corpus_agreement(&[], SubThemes::Separate);
    assert_eq!((r.documents, r.units), (0, 0));
    assert_eq!(r.overall.alpha.undefined, Some(Undefined::SingleCoder));
    assert!(r.themes.is_empty() && r.coders.is_empty());
    let docs = fixture();
    let r = corpus_agreement(&corpus_of(&docs[2..3]), SubThemes::Separate);
    assert_eq!(r.documents, 0);
    assert_eq!(r.left_out.len(), 1);
    assert_eq!(r.overall.alpha.undefined, Some(Undefined::SingleCoder));
}
