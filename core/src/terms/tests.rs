//! Tests of the parent module.

use super::job::{Engine, Job, Reply, TermsError};
use super::*;
use std::sync::OnceLock;

const SPEECH: &str = include_str!("../../../assets/speech-foreign-trade-2022-07-14.txt");
/// The app's dictionary, read here in test code only: no build of the core
/// embeds it (the app's worker fetches it as its own file).
const DICTIONARY: &str = include_str!("../../../assets/jieba/dict.txt");

#[test]
fn layered_runs_cover_the_text_once_whatever_the_ranges() {
    let text = "招商引资和利用外资";
    let marks = [Mark {
        start: 5,
        end: 9,
        term: 1,
    }];
    let runs = layer_runs(text, &marks, &[(0, 4), (2, 6), (20, 30), (3, 3)]);
    assert_eq!(runs.iter().map(|r| r.text).collect::<String>(), text);
    let parts: Vec<_> = runs.iter().map(|r| (r.text, r.term, r.underlined)).collect();
    assert_eq!(
        parts,
        [
            ("招商引资和", None, true),
            ("利", Some(1), true),
            ("用外资", Some(1), false)
        ]
    );
    assert_eq!(layer_runs("", &[], &[(0, 2)]), []);
}

/// The app's dictionary, loaded once for every test of the module (the
/// evaluation's too).
pub(super) fn segmenter() -> &'static Segmenter {
    static S: OnceLock<Segmenter> = OnceLock::new();
    S.get_or_init(|| Segmenter::from_dictionary(DICTIONARY).expect("the app's dictionary loads"))
}

fn speech_terms() -> Analysis {
    segmenter().analyse(&Document::parse(SPEECH), &TermSettings::default())
}

#[test]
fn filler_ordinals_and_numbers_are_not_candidates() {
    for w in [
        "工作", "二要", "三是", "第四", "××", "2022", "六成", "部门", "抓好", "各级", "全市", "我市", "一", "要",
    ] {
        assert!(!is_candidate(w), "{w} should be filtered");
    }
    for w in ["外经贸", "招商引资", "园区", "外资", "加工贸易"] {
        assert!(is_candidate(w), "{w} should be a candidate");
    }
}

/// TF-IDF alone: fused ranks hubs such as 企业 and 发展 higher and pushes
/// 骨干企业 out of the top 30 (see `fused_keeps_…`).
#[test]
fn speech_key_terms_are_what_an_analyst_would_pick() {
    let settings = TermSettings {
        method: Method::TfIdf,
        ..TermSettings::default()
    };
    let a = segmenter().analyse(&Document::parse(SPEECH), &settings);
    let words: Vec<&str> = a.terms.iter().map(|t| t.term.as_str()).collect();
    assert_eq!(words.len(), 30, "{words:?}");
    assert_eq!(words[0], "外经贸", "{words:?}");
    for expected in ["招商引资", "园区", "利用外资", "外贸", "骨干企业", "中小企业"] {
        assert!(words.contains(&expected), "{expected} missing from {words:?}");
    }
    for filler in ["工作", "二要", "部门", "力度", "各级", "全市", "我市", "坚持", "加大"] {
        assert!(!words.contains(&filler), "{filler} ranked in {words:?}");
    }
    for (i, t) in a.terms.iter().enumerate() {
        assert_eq!(t.rank, i + 1);
        assert!(t.count > 0, "{} never marked", t.term);
        assert!(!t.blocks.is_empty());
    }
    assert!(a.terms.windows(2).all(|w| w[0].weight >= w[1].weight));
}

#[test]
fn extraction_is_deterministic() {
    assert_eq!(speech_terms(), speech_terms());
}

#[test]
fn marks_cover_the_term_text_and_skip_residue() {
    let doc = Document::parse(SPEECH);
    let a = segmenter().analyse(&doc, &TermSettings::default());
    for block in &doc.blocks {
        for m in &a.marks[block.index] {
            assert_eq!(
                crate::text::char_slice(&block.text, m.start, m.end),
                a.terms[m.term].term
            );
        }
        if !block.kind.is_analysed() {
            assert!(a.marks[block.index].is_empty());
        }
    }
    let total: usize = a.marks.iter().map(Vec::len).sum();
    assert_eq!(total, a.terms.iter().map(|t| t.count).sum::<usize>());
}

#[test]
fn policy_phrases_are_cut_whole() {
    let words = segmenter().cut("稳步推进加工贸易企业转型升级，逐步提高一般贸易出口比重，千方百计推进增资扩股");
    for p in ["加工贸易", "一般贸易", "增资扩股", "转型升级"] {
        assert!(words.contains(&p), "{p} not whole in {words:?}");
    }
}

#[test]
fn empty_document_has_no_terms() {
    let a = segmenter().analyse(&Document::parse(""), &TermSettings::default());
    assert!(a.terms.is_empty());
    assert!(a.marks.is_empty());
}

fn words(a: &Analysis) -> Vec<&str> {
    a.terms.iter().map(|t| t.term.as_str()).collect()
}

fn with_method(method: Method) -> TermSettings {
    TermSettings {
        method,
        ..TermSettings::default()
    }
}

fn with_curation(curation: Curation) -> TermSettings {
    TermSettings {
        curation,
        ..TermSettings::default()
    }
}

/// Fused was the default before the genre ranking.
#[test]
fn fused_keeps_policy_phrases_whole_and_filler_out() {
    let a = segmenter().analyse(&Document::parse(SPEECH), &with_method(Method::Fused));
    assert_eq!(a.method, Method::Fused);
    let listed = words(&a);
    assert_eq!(listed.len(), 30, "{listed:?}");
    for expected in ["招商引资", "利用外资"] {
        assert!(listed.contains(&expected), "{expected} missing from {listed:?}");
    }
    // Too rare in the speech for the top 30, but cut whole where they occur.
    let cut: Vec<&str> = SPEECH.lines().flat_map(|l| segmenter().cut(l)).collect();
    for whole in ["招商引资", "利用外资", "加工贸易", "增资扩股"] {
        assert!(cut.contains(&whole), "{whole} not cut whole");
    }
    for filler in ["工作", "二要", "部门", "力度", "各级", "全市"] {
        assert!(!listed.contains(&filler), "{filler} ranked in {listed:?}");
    }
    for t in &a.terms {
        assert!((0.0..=1.0).contains(&t.tfidf) && (0.0..=1.0).contains(&t.textrank));
        assert!((t.weight - (t.tfidf + t.textrank) / 2.0).abs() < 1e-12);
    }
    assert!(a.terms.windows(2).all(|w| w[0].weight >= w[1].weight));
    assert!(a.terms.iter().any(|t| t.tfidf == 1.0) && a.terms.iter().any(|t| t.textrank == 1.0));
}

#[test]
fn every_method_is_deterministic_and_normalised() {
    let doc = Document::parse(SPEECH);
    for method in [
        Method::TfIdf,
        Method::TextRank,
        Method::Fused,
        Method::Genre,
        Method::Auto,
    ] {
        let settings = TermSettings {
            method,
            ..TermSettings::default()
        };
        let a = segmenter().analyse(&doc, &settings);
        assert_eq!(a, segmenter().analyse(&doc, &settings), "{method:?}");
        let top = a.terms.first().map_or(0.0, |t| t.weight);
        assert!(
            if method == Method::Fused {
                top <= 1.0
            } else {
                top == 1.0
            },
            "{method:?} {top}"
        );
        assert!(a.terms.windows(2).all(|w| w[0].weight >= w[1].weight), "{method:?}");
    }
}

#[test]
fn text_rank_favours_the_hub_and_ignores_block_boundaries() {
    // 外资 co-occurs with everything; 园区 and 品牌 only with it.
    let tokens = vec![
        (0, vec![("园区", 0, 2), ("外资", 2, 4)]),
        (1, vec![("外资", 0, 2), ("品牌", 2, 4)]),
    ];
    let r = normalise(text_rank(&tokens));
    assert_eq!(r.get("外资"), Some(&1.0));
    assert!(r["园区"] < 1.0 && (r["园区"] - r["品牌"]).abs() < 1e-12);
    assert!(text_rank(&[]).is_empty());
}

#[test]
fn dropped_terms_never_appear() {
    let curation = Curation {
        dropped: vec!["外经贸".into()],
        pinned: vec!["外经贸".into()],
        added: vec!["外经贸".into()],
    };
    let a = segmenter().analyse(&Document::parse(SPEECH), &with_curation(curation));
    assert!(!words(&a).contains(&"外经贸"));
    assert_eq!(words(&a).len(), 30);
    assert!(a.marks.iter().flatten().all(|m| a.terms[m.term].term != "外经贸"));
}

#[test]
fn pinned_terms_come_first_in_pinned_order() {
    let curation = Curation {
        pinned: vec!["园区".into(), "增资扩股".into(), "工作".into()],
        ..Curation::default()
    };
    let a = segmenter().analyse(&Document::parse(SPEECH), &with_curation(curation));
    let listed = words(&a);
    // A pinned term is listed even when filler or below the top 30.
    assert_eq!(listed[..3], ["园区", "增资扩股", "工作"], "{listed:?}");
    // Only pinned terms beyond the top 30 lengthen the list (under the
    // genre ranking all three rank within it, so none does).
    assert!((30..=33).contains(&listed.len()), "{listed:?}");
    for (i, t) in a.terms.iter().enumerate() {
        assert_eq!(t.rank, i + 1);
        assert!(t.count > 0, "{}", t.term);
    }
    assert!(a.terms[3..].windows(2).all(|w| w[0].weight >= w[1].weight));
}

#[test]
fn added_phrases_are_cut_whole_and_listed() {
    let phrase = "外经贸工作调度会议".to_string();
    let mut seg = Segmenter::from_dictionary(DICTIONARY).expect("dictionary");
    assert!(!seg.cut(SPEECH).contains(&phrase.as_str()));
    seg.with_words(&[phrase.clone(), "  ".into(), String::new()]);
    assert!(seg.cut(SPEECH).contains(&phrase.as_str()));
    let absent = "不在文中的短语".to_string();
    let curation = Curation {
        added: vec![phrase.clone(), absent.clone()],
        ..Curation::default()
    };
    let a = seg.analyse(&Document::parse(SPEECH), &with_curation(curation));
    let t = a.terms.iter().find(|t| t.term == phrase).expect("added phrase listed");
    assert!(t.count > 0 && t.weight > 0.0);
    let missing = a.terms.iter().find(|t| t.term == absent).expect("absent phrase listed");
    assert_eq!((missing.count, missing.weight), (0, 0.0));
    assert_eq!(a.terms.last().map(|t| t.term.as_str()), Some(absent.as_str()));
}

#[test]
fn old_settings_without_method_or_curation_still_load() {
    let s: TermSettings = serde_json::from_str(r#"{"top_k": 5, "allowed_pos": ["n"]}"#).unwrap();
    assert_eq!((s.top_k, s.method), (5, Method::Auto));
    // Settings saved with an older method keep it.
    let s: TermSettings = serde_json::from_str(r#"{"method": "fused"}"#).unwrap();
    assert_eq!(s.method, Method::Fused);
    assert_eq!(s.curation, Curation::default());
    let round: TermSettings = serde_json::from_str(&serde_json::to_string(&TermSettings::default()).unwrap()).unwrap();
    assert_eq!(round, TermSettings::default());
}

#[test]
fn a_dictionary_that_is_not_ours_is_refused_with_a_reason() {
    let page = "<!DOCTYPE html>\n<html><body>not found</body></html>\n";
    assert_eq!(Segmenter::from_dictionary(page).err(), Some(DictionaryError::NoHeader));
    assert_eq!(Segmenter::from_dictionary("").err(), Some(DictionaryError::NoHeader));
    assert_eq!(
        Segmenter::from_dictionary("#median-idf 11.9\n\n").err(),
        Some(DictionaryError::Empty)
    );
    assert_eq!(
        Segmenter::from_dictionary("#median-idf NaN\n一 1 m\n").err(),
        Some(DictionaryError::NoHeader)
    );
    for e in [
        DictionaryError::NoHeader,
        DictionaryError::Empty,
        DictionaryError::Unreadable("x".into()),
    ] {
        assert!(e.message().contains(" · "), "{}", e.message());
    }
    // A tiny dictionary of our format works.
    let tiny = Segmenter::from_dictionary("#median-idf 10\n外资 100 n 8.5\n利用 100 v\n").expect("tiny");
    assert_eq!(tiny.cut("利用外资"), ["利用外资"], "a policy phrase is cut whole");
}

#[test]
fn a_job_gives_what_analysing_the_document_gives() {
    let doc = Document::parse(SPEECH);
    let settings = TermSettings::default();
    let job = Job::new(7, &doc, &settings, &[]);
    assert_eq!(job.block_count, doc.blocks.len());
    assert!(job.blocks.len() < doc.blocks.len(), "meta and residue are not sent");
    // Through JSON, as the page and the worker exchange it.
    let job = Job::from_json(&job.to_json()).expect("job round trip");
    let mut engine = Engine::load(DICTIONARY.to_string()).expect("engine");
    let analysis = engine.run(&job);
    assert_eq!(analysis, segmenter().analyse(&doc, &settings));
    let reply = Reply::Done {
        id: job.id,
        analysis: analysis.clone(),
        ms: 1.5,
    };
    // serde_json reads floats to within a unit in the last place: the
    // ranking is made in the worker, so only the shown weights may differ
    // there, far below the three decimals the list prints.
    let Ok(Reply::Done {
        id: 7, analysis: back, ..
    }) = Reply::from_json(&reply.to_json())
    else {
        panic!("reply round trip");
    };
    assert_eq!(back.marks, analysis.marks);
    assert_eq!(back.terms.len(), analysis.terms.len());
    for (a, b) in back.terms.iter().zip(&analysis.terms) {
        assert_eq!(
            (&a.term, a.rank, a.count, &a.blocks),
            (&b.term, b.rank, b.count, &b.blocks)
        );
        assert!((a.weight - b.weight).abs() < 1e-12 && (a.tfidf - b.tfidf).abs() < 1e-12);
    }
}

#[test]
fn the_engine_follows_the_users_words_added_and_taken_out() {
    let doc = Document::parse(SPEECH);
    let phrase = "外经贸工作调度会议".to_string();
    let settings = with_curation(Curation {
        added: vec![phrase.clone()],
        ..Curation::default()
    });
    let mut engine = Engine::load(DICTIONARY.to_string()).expect("engine");
    let job = |words: Vec<String>| Job::new(1, &doc, &settings, &words);
    let count = |a: &Analysis| a.terms.iter().find(|t| t.term == phrase).map(|t| t.count);
    assert_eq!(count(&engine.run(&job(vec![]))), Some(0), "listed, not yet cut whole");
    assert!(count(&engine.run(&job(vec![phrase.clone()]))) > Some(0));
    assert_eq!(engine.rebuilds(), 0, "adding a word needs no rebuild");
    let without = engine.run(&job(vec!["营商".into()]));
    assert_eq!(engine.rebuilds(), 1, "taking one out rebuilds");
    assert_eq!(count(&without), Some(0));
    let mut fresh = Segmenter::from_dictionary(DICTIONARY).expect("dictionary");
    fresh.with_words(&["营商".into()]);
    assert_eq!(without, fresh.analyse(&doc, &settings));
}

#[test]
fn unreadable_messages_are_errors_never_panics() {
    for text in ["", "null", "{\"id\": -1}", "[1,2,3]", "{\"Done\": {}}", "\u{0}"] {
        assert!(matches!(Job::from_json(text), Err(TermsError::Message(_))), "{text:?}");
        assert!(
            matches!(Reply::from_json(text), Err(TermsError::Message(_))),
            "{text:?}"
        );
    }
    // A job whose block indexes run past its block count gets no marks there.
    let job = Job {
        id: 1,
        blocks: vec![(0, "招商引资招商引资利用外资".into()), (9, "招商引资".into())],
        block_count: 1,
        settings: TermSettings::default(),
        words: vec![],
        reference: None,
        library: vec![],
    };
    let a = Engine::load(DICTIONARY.to_string()).expect("engine").run(&job);
    assert_eq!(a.marks.len(), 1);
    assert!(!a.marks[0].is_empty());
    for e in [
        TermsError::Worker("w".into()),
        TermsError::Fetch("f".into()),
        TermsError::Dictionary(DictionaryError::Empty),
        TermsError::Message("m".into()),
    ] {
        let m = e.message();
        assert!(
            m.starts_with("关键词不可用") && m.contains(" · Key terms unavailable"),
            "{m}"
        );
    }
}

const FULLWIDTH: &str = include_str!("../../tests/cases/fullwidth/fullwidth.txt");
const HALFWIDTH: &str = include_str!("../../tests/cases/fullwidth/halfwidth.txt");
const HARD_WRAPPED: &str = include_str!("../../tests/cases/wrapped/hard-wrapped.txt");
const PAGE_FURNITURE: &str = include_str!("../../tests/cases/wrapped/page-numbers-and-header.txt");

/// Case fullwidth: "the same key terms (ＧＤＰ counted as GDP)". A term is
/// listed in its half-width form, whichever form the text writes; the
/// marks select the term as written.
#[test]
fn full_width_terms_count_as_their_half_width_forms() {
    let full_doc = Document::parse(FULLWIDTH);
    let full = segmenter().analyse(&full_doc, &TermSettings::default());
    let half = segmenter().analyse(&Document::parse(HALFWIDTH), &TermSettings::default());
    assert_eq!(full.terms, half.terms);
    assert_eq!(full.marks, half.marks);
    let gdp = &full.terms[0];
    assert_eq!((gdp.term.as_str(), gdp.count), ("GDP", 3));
    for (block, marks) in full_doc.blocks.iter().zip(&full.marks) {
        for m in marks.iter().filter(|m| m.term == 0) {
            assert_eq!(crate::text::char_slice(&block.text, m.start, m.end), "ＧＤＰ");
        }
    }
}

/// Cases wrapped/: the PDF copy's key terms are the built-in speech's, and
/// page numbers and running headers add none.
#[test]
fn a_pdf_copy_has_the_key_terms_of_the_speech() {
    let speech = speech_terms();
    for raw in [HARD_WRAPPED, PAGE_FURNITURE] {
        let a = segmenter().analyse(&Document::parse(raw), &TermSettings::default());
        assert_eq!(words(&a), words(&speech));
        let counts = |a: &Analysis| a.terms.iter().map(|t| t.count).collect::<Vec<_>>();
        assert_eq!(counts(&a), counts(&speech));
    }
}

/// The default ranks by the genre without a reference: the speech's
/// subjects lead and the register every government speech shares
/// (企业, 发展, 项目, 引进, 服务, 形势, 产业, 领导) leaves the top 20;
/// every term says why it is there.
#[test]
fn the_default_ranks_by_genre_and_says_why() {
    assert_eq!(TermSettings::default().method, Method::Auto);
    let a = speech_terms();
    assert_eq!(a.method, Method::Genre);
    let listed = words(&a);
    assert_eq!(listed[0], "外经贸", "{listed:?}");
    for expected in ["利用外资", "招商引资", "园区", "外商", "骨干企业", "中小企业"] {
        assert!(listed[..20].contains(&expected), "{expected} missing from {listed:?}");
    }
    for register in ["企业", "发展", "项目", "引进", "服务", "形势", "产业", "领导"] {
        assert!(
            !listed[..20].contains(&register),
            "{register} in the top 20: {listed:?}"
        );
    }
    for t in &a.terms {
        assert!((0.0..=1.0).contains(&t.weight) && (0.0..=1.0).contains(&t.dispersion));
        assert!(t.reason.contains(" · ") && t.reason.contains("DP"), "{}", t.reason);
    }
    for m in [
        Method::TfIdf,
        Method::TextRank,
        Method::Fused,
        Method::Genre,
        Method::Keyness,
        Method::Auto,
    ] {
        assert!(m.description().contains(" · "));
    }
}

const OTHER_SPEECHES: [&str; 2] = [
    include_str!("../../../tests/key-terms/government-work-report-2023.txt"),
    include_str!("../../../tests/key-terms/ccdi-plenary-communique-2022.txt"),
];

/// With the library's other documents as the reference, `Keyness` ranks by
/// keyness, through a job's JSON as the worker gets it (a reference, or the
/// texts the worker counts itself); the register the others share falls
/// away. `Auto` stays the genre ranking, which measured better.
#[test]
fn a_reference_lets_keyness_rank_and_auto_stays_the_genre_ranking() {
    let doc = Document::parse(SPEECH);
    let keyness = with_method(Method::Keyness);
    let reference = segmenter().reference(&OTHER_SPEECHES);
    assert_eq!(reference.documents, 2);
    assert!(reference.tokens > 0 && reference.count("腐败") > 0);
    let summed = Reference::from_counts(&OTHER_SPEECHES.map(|t| segmenter().counts(&Document::parse(t))));
    assert_eq!(summed, reference);
    let direct = segmenter().analyse_with(&doc, &keyness, Some(&reference));
    assert_eq!(direct.method, Method::Keyness);
    assert_eq!(words(&direct)[0], "外经贸");
    assert!(direct.terms.iter().all(|t| t.reason.contains("log-likelihood")));
    assert!(direct.terms[0].keyness > 6.63, "significant at p < 0.01");
    let job = Job::new(3, &doc, &keyness, &[]).with_reference(reference.clone());
    let job = Job::from_json(&job.to_json()).expect("job round trip");
    let mut engine = Engine::load(DICTIONARY.to_string()).expect("engine");
    assert_eq!(words(&engine.run(&job)), words(&direct));
    // The library's texts instead: the worker counts them, the same list.
    let library: Vec<(String, String)> = OTHER_SPEECHES
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("fp-{i}"), t.to_string()))
        .collect();
    let job = Job::new(4, &doc, &keyness, &[]).with_library(library);
    let job = Job::from_json(&job.to_json()).expect("job round trip");
    assert_eq!(words(&engine.run(&job)), words(&direct));
    assert_eq!(words(&engine.run(&job)), words(&direct), "counted once, cached");
    // Auto with a reference: the genre ranking.
    let auto = segmenter().analyse_with(&doc, &TermSettings::default(), Some(&reference));
    assert_eq!(auto.method, Method::Genre);
    assert_eq!(
        words(&auto),
        words(&speech_terms()),
        "the same list, keyness shown beside"
    );
    // An empty reference is none: the genre ranking.
    let empty = segmenter().analyse_with(&doc, &keyness, Some(&Reference::default()));
    assert_eq!(empty.method, Method::Genre);
    assert_eq!(
        Job::new(1, &doc, &TermSettings::default(), &[])
            .with_reference(Reference::default())
            .reference,
        None
    );
}

/// Jobs written before the reference existed still read, as jobs without one.
#[test]
fn old_jobs_without_a_reference_still_load() {
    let old = r#"{"id": 4, "blocks": [[0, "招商引资"]], "block_count": 1, "settings": {}, "words": []}"#;
    let job = Job::from_json(old).expect("old job");
    assert_eq!(job.reference, None);
    assert!(!job.to_json().contains("reference"), "no reference, no field");
    let old_term =
        r#"{"term": "外资", "rank": 1, "weight": 1.0, "tfidf": 1.0, "textrank": 0.5, "count": 2, "blocks": [0]}"#;
    let t: KeyTerm = serde_json::from_str(old_term).expect("old key term");
    assert_eq!(
        (t.dispersion, t.keyness, t.register, t.reason.as_str()),
        (0.0, 0.0, false, "")
    );
}

/// Curated terms typed in full-width forms are the half-width terms the
/// text is read as: ＧＤＰ pinned, added or dropped is GDP.
#[test]
fn curated_full_width_terms_are_folded() {
    let full_doc = Document::parse(FULLWIDTH);
    for method in [Method::Fused, Method::Auto] {
        let pinned = TermSettings {
            method,
            curation: Curation {
                pinned: vec!["ＧＤＰ".into()],
                added: vec![" ＧＤＰ ".into()],
                ..Curation::default()
            },
            ..TermSettings::default()
        };
        let a = segmenter().analyse(&full_doc, &pinned);
        assert_eq!(a.terms[0].term, "GDP", "{method:?}");
        assert_eq!(a.terms[0].count, 3);
        assert_eq!(
            a.terms
                .iter()
                .filter(|t| t.term.contains("GDP") || t.term.contains("ＧＤＰ"))
                .count(),
            1
        );
        let dropped = TermSettings {
            method,
            curation: Curation {
                dropped: vec!["ＧＤＰ".into()],
                ..Curation::default()
            },
            ..TermSettings::default()
        };
        assert!(!words(&segmenter().analyse(&full_doc, &dropped)).contains(&"GDP"));
    }
    let mut seg = Segmenter::from_dictionary(DICTIONARY).expect("dictionary");
    seg.with_words(&["ＧＤＰ增速".into()]);
    assert!(seg.cut("全年GDP增速放缓").contains(&"GDP增速"));
}

#[test]
fn no_candidates_one_block_and_empty_texts_never_panic() {
    let reference = segmenter().reference(&OTHER_SPEECHES);
    for text in ["", "。", "的了和", "外资", "招商引资招商引资利用外资"] {
        for method in [Method::Genre, Method::Keyness, Method::Auto] {
            let a = segmenter().analyse_with(&Document::parse(text), &with_method(method), Some(&reference));
            assert!(a.terms.iter().all(|t| t.weight.is_finite() && t.dispersion.is_finite()));
            let a = segmenter().analyse(&Document::parse(text), &with_method(method));
            assert!(a.terms.iter().all(|t| t.weight.is_finite()));
        }
    }
    assert!(segmenter().reference(&[]).is_empty());
}

/// A compound the genre ranking joined (出口企业, not a dictionary word)
/// can be dropped like any term: it is not joined again, and never listed.
#[test]
fn a_dropped_joined_compound_stays_two_words() {
    let doc = Document::parse(SPEECH);
    let before = segmenter().analyse(&doc, &TermSettings::default());
    assert!(words(&before).contains(&"出口企业"));
    let dropped = TermSettings {
        curation: Curation {
            dropped: vec!["出口企业".into()],
            ..Curation::default()
        },
        ..TermSettings::default()
    };
    let after = segmenter().analyse(&doc, &dropped);
    assert!(!words(&after).contains(&"出口企业"));
    assert!(after
        .marks
        .iter()
        .flatten()
        .all(|m| after.terms[m.term].term != "出口企业"));
}
