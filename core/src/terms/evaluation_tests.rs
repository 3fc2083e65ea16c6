//! The key-term evaluation: precision@20 of every method on three
//! government texts against gold lists written by an analyst's criteria
//! (`tests/key-terms/CRITERIA.md`). `cargo test -p annotator-core --release
//! evaluation -- --nocapture` prints the table.

use super::tests::segmenter;
use super::*;
use crate::document::Document;

/// (name, text, gold list) of each evaluated text.
const TEXTS: &[(&str, &str, &str)] = &[
    (
        "foreign trade",
        include_str!("../../../assets/speech-foreign-trade-2022-07-14.txt"),
        include_str!("../../../tests/key-terms/speech-foreign-trade-2022-07-14.gold.txt"),
    ),
    (
        "work report",
        include_str!("../../../tests/key-terms/government-work-report-2023.txt"),
        include_str!("../../../tests/key-terms/government-work-report-2023.gold.txt"),
    ),
    (
        "anti-corruption",
        include_str!("../../../tests/key-terms/ccdi-plenary-communique-2022.txt"),
        include_str!("../../../tests/key-terms/ccdi-plenary-communique-2022.gold.txt"),
    ),
];

const AT: usize = 20;

fn gold(list: &str) -> BTreeSet<&str> {
    list.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// The share of the first [`AT`] listed terms that are gold, and the terms.
fn precision(a: &Analysis, gold: &BTreeSet<&str>) -> (f64, Vec<String>) {
    let top: Vec<String> = a.terms.iter().take(AT).map(|t| t.term.clone()).collect();
    let hits = top.iter().filter(|t| gold.contains(t.as_str())).count();
    (hits as f64 / AT as f64, top)
}

fn settings(method: Method) -> TermSettings {
    TermSettings {
        method,
        ..TermSettings::default()
    }
}

/// How a text is ranked in the table: a method, and whether the other
/// texts act as the library (the reference).
#[derive(Clone, Copy)]
struct Row {
    label: &'static str,
    method: Method,
    library: bool,
    /// The least precision@20 allowed on each text (in [`TEXTS`] order):
    /// a little under what was measured when the methods were written.
    floors: [f64; 3],
}

const ROWS: &[Row] = &[
    Row {
        label: "tfidf",
        method: Method::TfIdf,
        library: false,
        floors: [0.40, 0.0, 0.15],
    },
    Row {
        label: "textrank",
        method: Method::TextRank,
        library: false,
        floors: [0.25, 0.0, 0.10],
    },
    Row {
        label: "fused",
        method: Method::Fused,
        library: false,
        floors: [0.35, 0.0, 0.10],
    },
    Row {
        label: "genre",
        method: Method::Genre,
        library: false,
        floors: [0.70, 0.40, 0.25],
    },
    Row {
        label: "keyness",
        method: Method::Keyness,
        library: true,
        floors: [0.55, 0.20, 0.25],
    },
];

fn analyse(i: usize, row: &Row) -> Analysis {
    let seg = segmenter();
    let reference = row.library.then(|| {
        let others: Vec<&str> = TEXTS
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, t)| t.1)
            .collect();
        seg.reference(&others)
    });
    seg.analyse_with(&Document::parse(TEXTS[i].1), &settings(row.method), reference.as_ref())
}

#[test]
fn key_terms_precision_at_20() {
    let mut table = format!("{:<12}", "method");
    for (name, _, _) in TEXTS {
        table.push_str(&format!(" {name:>16}"));
    }
    table.push_str(&format!(" {:>8}\n", "mean"));
    let mut failures = Vec::new();
    let mut details = String::new();
    for row in ROWS {
        table.push_str(&format!("{:<12}", row.label));
        let mut sum = 0.0;
        for (i, (name, _, list)) in TEXTS.iter().enumerate() {
            let a = analyse(i, row);
            let g = gold(list);
            let (p, top) = precision(&a, &g);
            sum += p;
            table.push_str(&format!(" {p:>16.2}"));
            let marked: Vec<String> = top
                .iter()
                .map(|t| {
                    if g.contains(t.as_str()) {
                        format!("{t}✓")
                    } else {
                        t.clone()
                    }
                })
                .collect();
            details.push_str(&format!("{} · {name}: {}\n", row.label, marked.join(" ")));
            if p < row.floors[i] {
                failures.push(format!("{} on {name}: {p:.2} < {:.2}", row.label, row.floors[i]));
            }
        }
        table.push_str(&format!(" {:>8.2}\n", sum / TEXTS.len() as f64));
    }
    // Where each gold term ranks in the genre ranking's full list; `-` is
    // a term the segmenter never gives as one candidate (the ceiling no
    // ranking can pass).
    for (name, text, list) in TEXTS {
        let all = TermSettings {
            top_k: usize::MAX,
            ..settings(Method::Genre)
        };
        let a = segmenter().analyse(&Document::parse(text), &all);
        let rank = |g: &str| {
            a.terms
                .iter()
                .find(|t| t.term == g)
                .map_or("-".into(), |t| t.rank.to_string())
        };
        let ranks: Vec<String> = gold(list).iter().map(|g| format!("{g}:{}", rank(g))).collect();
        details.push_str(&format!("genre rank of each gold term · {name}: {}\n", ranks.join(" ")));
    }
    println!("precision@{AT}\n{table}\n{details}");
    assert!(failures.is_empty(), "{failures:?}\n{table}");
}
