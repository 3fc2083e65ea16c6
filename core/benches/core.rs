//! Native benchmark of the core: `cargo bench -p annotator-core`.
//!
//! Hand-rolled (medians of repeated runs, printed as one table) rather than
//! criterion, to keep the dependency tree and CI time small. Not a test: it
//! asserts nothing about time.

use std::hint::black_box;
use std::time::Instant;

use annotator_core::compare::SubThemes;
use annotator_core::document::Document;
use annotator_core::formats::own_json::{self as annotation_file, ExportOptions};
use annotator_core::formats::{refi, w3c};
use annotator_core::store::{AnnotationSet, Command, SetKind, Store, TagOrigin};
use annotator_core::terms::{Segmenter, TermSettings};
use annotator_core::{compare, corpus, persist};

const SPEECH: &str = include_str!("../../assets/speech-foreign-trade-2022-07-14.txt");
/// The dictionary the app's worker fetches at run time.
const DICTIONARY: &str = include_str!("../../assets/jieba/dict.txt");

/// Median wall time of `runs` calls, in milliseconds.
fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// A speech-like document of `n` paragraphs (distinct texts).
fn long_document(n: usize) -> String {
    let speech = Document::parse(SPEECH);
    let paras: Vec<&str> = speech.taggable().map(|b| b.text.as_str()).collect();
    let mut out = String::from("千段讲话\n时间:2022-07-14\n");
    for i in 0..n {
        out.push_str(&format!("{}（第{i}段）\n", paras[i % paras.len()]));
    }
    out
}

fn coded_store(doc: &Document) -> Store {
    let mut store = Store::new(
        "r-0123456789abcdef",
        &AnnotationSet::new("me", "Me", "#000000", SetKind::Coder),
    );
    code(&mut store, "me", doc, 0);
    store
}

/// Tags every paragraph of `doc` in `set` with one to three themes (shifted
/// by `shift`, so coders differ) and a note on every fourth.
fn code(store: &mut Store, set: &str, doc: &Document, shift: usize) {
    for (i, b) in doc.taggable().enumerate() {
        for theme in ["investment", "trade", "environment", "accountability"]
            .iter()
            .take(1 + (i + shift * (i % 7 / 5)) % 3)
        {
            let tag = Command::Tag {
                set: set.into(),
                block: b.id.clone(),
                theme: theme.to_string(),
                present: true,
                how: TagOrigin::Hand,
                at: 1_795_582_111,
            };
            store.apply(tag).unwrap();
        }
        if i % 4 == 0 {
            store
                .apply(Command::Note {
                    set: set.into(),
                    block: b.id.clone(),
                    text: "需要核实数据来源。".into(),
                })
                .unwrap();
        }
    }
}

fn main() {
    let mut rows: Vec<(String, String)> = Vec::new();
    let mut row = |what: &str, value: String| {
        println!("{what:<58} {value}");
        rows.push((what.into(), value));
    };
    println!("{:<58} median", "benchmark");

    let load = median_ms(5, || {
        black_box(Segmenter::from_dictionary(DICTIONARY).ok());
    });
    row("dictionary load (pruned, 136,547 words)", format!("{load:.1} ms"));
    let seg = Segmenter::from_dictionary(DICTIONARY).expect("the app's dictionary loads");

    let speech_x100 = SPEECH.repeat(100);
    let mb = |s: &str| s.len() as f64 / 1e6;
    let t = median_ms(5, || {
        black_box(seg.cut(&speech_x100));
    });
    row(
        &format!("segment the speech ×100 ({:.2} MB)", mb(&speech_x100)),
        format!("{t:.1} ms = {:.1} MB/s", mb(&speech_x100) / (t / 1e3)),
    );
    let mut one_mb = String::new();
    while one_mb.len() < 1_000_000 {
        one_mb.push_str(SPEECH);
    }
    let t = median_ms(5, || {
        black_box(seg.cut(&one_mb));
    });
    row(
        "segment 1 MB of text",
        format!("{t:.1} ms = {:.1} MB/s", mb(&one_mb) / (t / 1e3)),
    );

    let doc = Document::parse(SPEECH);
    let t = median_ms(9, || {
        black_box(seg.analyse(&doc, &TermSettings::default()));
    });
    row("key terms of the speech (cut + TF-IDF + marks)", format!("{t:.2} ms"));

    let long = long_document(1000);
    let t = median_ms(9, || {
        black_box(Document::parse(&long));
    });
    row("parse 1,000 paragraphs", format!("{t:.2} ms"));
    let long_doc = Document::parse(&long);
    let t = median_ms(5, || {
        black_box(seg.analyse(&long_doc, &TermSettings::default()));
    });
    row("key terms of 1,000 paragraphs", format!("{t:.1} ms"));

    for (name, d) in [("the speech", &doc), ("1,000 paragraphs", &long_doc)] {
        let store = coded_store(d);
        let encoded = persist::encode_store(&store, &d.fingerprint);
        let t = median_ms(21, || {
            black_box(persist::encode_store(&store, &d.fingerprint));
        });
        row(
            &format!("serialise the store, {name} ({} KB)", encoded.len() / 1024),
            format!("{t:.3} ms"),
        );
        let t = median_ms(21, || {
            black_box(persist::decode_store(&encoded, &d.fingerprint, "x"));
        });
        row(&format!("parse the stored store, {name}"), format!("{t:.3} ms"));
        let opts = ExportOptions {
            sets: &["me"],
            include_text: true,
            exported_at: "2026-11-25T00:00:00Z",
            app_version: "0",
            annotator: Some("me"),
            terms: None,
        };
        let file = annotation_file::export(d, &store, &opts);
        let t = median_ms(11, || {
            black_box(annotation_file::export(d, &store, &opts));
        });
        row(
            &format!("export annotation file, {name} ({} KB)", file.len() / 1024),
            format!("{t:.3} ms"),
        );
        let t = median_ms(11, || {
            black_box(annotation_file::import(&file, &store).unwrap());
        });
        row(&format!("import annotation file, {name}"), format!("{t:.3} ms"));
        let t = median_ms(11, || {
            black_box(annotator_core::formats::csv::csv(d, &store, &["me"]));
        });
        row(&format!("export CSV, {name}"), format!("{t:.3} ms"));
        let w3c_file = w3c::export(d, &store, &["me"], "2026-11-25T00:00:00Z");
        let t = median_ms(11, || {
            black_box(w3c::export(d, &store, &["me"], "2026-11-25T00:00:00Z"));
        });
        row(
            &format!("export W3C JSON-LD, {name} ({} KB)", w3c_file.len() / 1024),
            format!("{t:.3} ms"),
        );
        let t = median_ms(11, || {
            black_box(w3c::import(&w3c_file, d, &store).unwrap());
        });
        row(&format!("import W3C JSON-LD, {name}"), format!("{t:.3} ms"));
        let qdpx = refi::export_project(d, &store, &["me"], "2026-11-25T00:00:00Z");
        let t = median_ms(11, || {
            black_box(refi::export_project(d, &store, &["me"], "2026-11-25T00:00:00Z"));
        });
        row(
            &format!("export REFI-QDA .qdpx, {name} ({} KB)", qdpx.len() / 1024),
            format!("{t:.3} ms"),
        );
        let t = median_ms(11, || {
            black_box(refi::import_project(&qdpx, d, &store).unwrap());
        });
        row(&format!("import REFI-QDA .qdpx, {name}"), format!("{t:.3} ms"));
    }

    // A colleague's project: 10 sources × 1,000 paragraphs, 300 codes, two
    // coders, read whole and brought in as the library import does (each
    // source mapped onto its paragraphs, planned side by side, applied to a
    // fresh store and serialised), storage writes aside.
    {
        let themes: Vec<String> = (0..300).map(|i| format!("u-code-{i}")).collect();
        let docs: Vec<Document> = (0..10)
            .map(|d| Document::parse(&format!("第{d}篇\n{}", long_document(1000))))
            .collect();
        let stores: Vec<Store> = docs
            .iter()
            .enumerate()
            .map(|(d, doc)| {
                let mut store = Store::new("r-0", &AnnotationSet::new("li", "李明", "#000000", SetKind::Coder));
                store
                    .apply(Command::AddSet(Box::new(AnnotationSet::new(
                        "wang",
                        "Wang",
                        "#111111",
                        SetKind::Coder,
                    ))))
                    .unwrap();
                for (i, id) in themes.iter().enumerate() {
                    store
                        .apply(Command::PutTheme(annotator_core::themes::Theme {
                            id: id.clone(),
                            name_zh: format!("编码{i}"),
                            name_en: format!("code {i}"),
                            color: "#336699".into(),
                            key: None,
                        }))
                        .unwrap();
                }
                for (i, b) in doc.taggable().enumerate() {
                    for (c, set) in ["li", "wang"].iter().enumerate() {
                        for k in 0..1 + (i + c) % 3 {
                            store
                                .apply(Command::Tag {
                                    set: (*set).into(),
                                    block: b.id.clone(),
                                    theme: themes[(i * 7 + k * 31 + c + d) % themes.len()].clone(),
                                    present: true,
                                    how: TagOrigin::Hand,
                                    at: 1,
                                })
                                .unwrap();
                        }
                    }
                }
                store
            })
            .collect();
        let parts: Vec<refi::ProjectDoc> = docs
            .iter()
            .zip(&stores)
            .map(|(doc, store)| refi::ProjectDoc {
                doc,
                name: None,
                store,
                sets: vec!["li", "wang"],
            })
            .collect();
        let qdpx = refi::export_library_project(&parts, "2026-11-25T00:00:00Z", refi::OffsetUnit::CodePoints);
        let fresh = || Store::new("r-1", &AnnotationSet::new("me", "Me", "#000000", SetKind::Coder));
        let t = median_ms(3, || {
            black_box(refi::read_project(&qdpx, &fresh()).unwrap());
        });
        row(
            &format!(
                "read a project of 10 × 1,000 paragraphs, 300 codes ({} KB)",
                qdpx.len() / 1024
            ),
            format!("{t:.0} ms"),
        );
        let t = median_ms(3, || {
            let project = refi::read_project(&qdpx, &fresh()).unwrap();
            for (i, s) in project.sources.iter().enumerate() {
                let doc = Document::parse(s.text.as_deref().unwrap());
                let mut store = fresh();
                let incoming = project.incoming(i, &doc, &store).unwrap();
                let cmd = annotator_core::exchange::plan(
                    &incoming,
                    annotator_core::exchange::Mode::SideBySide,
                    &doc,
                    &store,
                    "me",
                );
                store.apply(cmd).unwrap();
                black_box(persist::encode_store(&store, &doc.fingerprint));
            }
        });
        row("import it whole: 10 documents, 2 coders each", format!("{t:.0} ms"));
    }

    // Agreement as the panel recomputes it after a tag: coding matrix from
    // the store, then alpha, kappa and percent per theme and pooled.
    let mut three = coded_store(&long_doc);
    for (id, shift) in [("b", 1), ("c", 2)] {
        let set = AnnotationSet::new(id, id, "#336699", SetKind::Coder);
        three.apply(Command::AddSet(Box::new(set))).unwrap();
        code(&mut three, id, &long_doc, shift);
    }
    let report = compare::report(&long_doc, &three, SubThemes::Separate);
    let t = median_ms(11, || {
        black_box(compare::report(&long_doc, &three, SubThemes::Separate));
    });
    row(
        &format!(
            "agreement, 1,000 paragraphs × 3 coders (pooled α {})",
            report.overall.alpha.alpha.map_or("-".into(), |a| format!("{a:.3}"))
        ),
        format!("{t:.2} ms"),
    );

    // Corpus agreement as the corpus view recomputes it: 500 speeches of
    // about 60 paragraphs, three coders who marked each done, 4 and 10
    // themes; every document compared, reduced to counts and summed.
    for n_themes in [4, 10] {
        let library = corpus_library(500, 60, n_themes);
        let docs: Vec<corpus::CorpusDocument> = library
            .iter()
            .map(|(title, doc, store)| corpus::CorpusDocument { title, doc, store })
            .collect();
        let r = corpus::corpus_agreement(&docs, SubThemes::Separate);
        let t = median_ms(5, || {
            black_box(corpus::corpus_agreement(&docs, SubThemes::Separate));
        });
        row(
            &format!(
                "corpus agreement, 500 documents × 60 ¶ × 3 coders × {n_themes} themes (α {})",
                r.overall.alpha.alpha.map_or("-".into(), |a| format!("{a:.3}"))
            ),
            format!("{t:.1} ms"),
        );
        if n_themes == 10 {
            let t = median_ms(3, || {
                black_box(annotator_core::formats::reliability::csv(&corpus::included(
                    &docs,
                    SubThemes::Separate,
                )));
            });
            let bytes = annotator_core::formats::reliability::csv(&corpus::included(&docs, SubThemes::Separate)).len();
            row(
                &format!("reliability data CSV of it ({} MB)", bytes / 1_000_000),
                format!("{t:.0} ms"),
            );
        }
    }
}

/// `n` speeches of `paragraphs` paragraphs (distinct texts), each with
/// three coders who tagged it from a shared reading with their own
/// slips, marked done, and `themes` themes (the four built-ins and more).
fn corpus_library(n: usize, paragraphs: usize, themes: usize) -> Vec<(String, Document, Store)> {
    let speech = Document::parse(SPEECH);
    let paras: Vec<&str> = speech.taggable().map(|b| b.text.as_str()).collect();
    let mut ids: Vec<String> = ["investment", "trade", "environment", "accountability"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    ids.extend((4..themes).map(|k| format!("u-{k}")));
    ids.truncate(themes);
    let coders = ["c-1111111111111111", "c-2222222222222222", "c-3333333333333333"];
    // a small deterministic generator (no dependency)
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    (0..n)
        .map(|d| {
            let mut text = format!("第{d}篇讲话\n");
            for i in 0..paragraphs {
                text.push_str(&format!("{}（第{d}篇第{i}段）\n", paras[(d + i) % paras.len()]));
            }
            let doc = Document::parse(&text);
            let mut store = Store::new("r-0", &AnnotationSet::new(coders[0], "李明", "#2f6fdb", SetKind::Coder));
            for (k, id) in ids.iter().enumerate().skip(4) {
                store
                    .apply(Command::PutTheme(annotator_core::themes::Theme {
                        id: id.clone(),
                        name_zh: format!("主题{k}"),
                        name_en: format!("theme {k}"),
                        color: "#336699".into(),
                        key: None,
                    }))
                    .unwrap();
            }
            for c in &coders[1..] {
                store
                    .apply(Command::AddSet(Box::new(AnnotationSet::new(
                        c,
                        c,
                        "#111111",
                        SetKind::Coder,
                    ))))
                    .unwrap();
            }
            let mut cmds = Vec::new();
            for b in doc.taggable() {
                let truth = next();
                for c in coders {
                    for (k, theme) in ids.iter().enumerate() {
                        let present = (truth >> k) % 4 == 0;
                        let slip = next() % 10 == 0;
                        if present != slip {
                            cmds.push(Command::Tag {
                                set: c.into(),
                                block: b.id.clone(),
                                theme: theme.clone(),
                                present: true,
                                how: TagOrigin::Hand,
                                at: 1,
                            });
                        }
                    }
                }
            }
            for c in coders {
                cmds.push(Command::SetStatus {
                    set: c.into(),
                    status: Some(annotator_core::store::Status::Done),
                });
            }
            store.apply(Command::Batch(cmds)).unwrap();
            (format!("第{d}篇讲话"), doc, store)
        })
        .collect()
}
