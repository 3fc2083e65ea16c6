//! Tests of `document`: the built-in speech's structure and ids, offsets, odd inputs.

use super::*;

const SPEECH: &str = include_str!("../../../assets/speech-foreign-trade-2022-07-14.txt");

fn kinds(doc: &Document) -> Vec<BlockKind> {
    doc.blocks.iter().map(|b| b.kind).collect()
}

fn count(doc: &Document, kind: BlockKind) -> usize {
    doc.blocks.iter().filter(|b| b.kind == kind).count()
}

#[test]
fn the_speech_has_its_structure() {
    let doc = Document::parse(SPEECH);
    assert_eq!(doc.blocks.len(), 31);
    assert_eq!(count(&doc, BlockKind::Title), 1);
    assert_eq!(count(&doc, BlockKind::Meta), 1);
    assert_eq!(count(&doc, BlockKind::Heading), 5);
    assert_eq!(count(&doc, BlockKind::Residue), 2, "repeated title and navigation line");
    assert_eq!(count(&doc, BlockKind::Paragraph), 22);
    assert_eq!(doc.title.as_deref(), Some("市长在全市外经贸工作调度会议上的讲话"));
    assert_eq!(doc.date.as_deref(), Some("2022-07-14"));
    let headings: Vec<_> = doc.headings().map(|b| b.text.chars().next().unwrap()).collect();
    assert_eq!(headings, ['一', '二', '三', '四', '五']);
    let last = doc.blocks.last().unwrap();
    assert_eq!(last.kind, BlockKind::Residue);
    assert!(last.text.starts_with("上一篇"));
    // sub-points stay inside paragraphs
    assert!(doc
        .blocks
        .iter()
        .any(|b| b.kind == BlockKind::Paragraph && b.text.starts_with("(一)")));
    assert!(doc
        .blocks
        .iter()
        .any(|b| b.kind == BlockKind::Paragraph && b.text.starts_with("一要")));
}

/// Stored annotations key on block ids, so the built-in speech's ids (and
/// its fingerprint) never change with the parser.
#[test]
fn the_built_in_speech_keeps_its_block_ids() {
    let doc = Document::parse(SPEECH);
    assert_eq!(doc.fingerprint, "1a5219364fa3f97f");
    let ids: Vec<(usize, &str)> = [0, 1, 2, 3, 4, 13, 22, 29, 30]
        .iter()
        .map(|&i| (i, doc.blocks[i].id.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            (0, "b9bc7a801994f932-0"),
            (1, "69cef4a99d443b56-0"),
            (2, "b9bc7a801994f932-1"),
            (3, "4fea893c09e9bda8-0"),
            (4, "c342c736fb4e954e-0"),
            (13, "94dbabd9efd3bbd5-0"),
            (22, "242621a70a0100cc-0"),
            (29, "7b658cc7151f5e0c-0"),
            (30, "fd14f2c8fef89c57-0"),
        ]
    );
}

#[test]
fn block_offsets_index_the_canonical_text() {
    let doc = Document::parse(SPEECH);
    for b in &doc.blocks {
        assert_eq!(crate::text::char_slice(&doc.text, b.start, b.end), b.text);
    }
}

#[test]
fn ids_do_not_depend_on_position() {
    let a = Document::parse("标题\n第一段。\n第二段。");
    let b = Document::parse("标题\n新插入的一段。\n第一段。\n第二段。");
    assert_eq!(a.blocks[1].id, b.blocks[2].id);
    assert_eq!(a.blocks[2].id, b.blocks[3].id);
    assert_ne!(a.fingerprint, b.fingerprint);
}

#[test]
fn equal_texts_get_distinct_ids() {
    let doc = Document::parse("标题\n同样的话。\n同样的话。");
    assert_ne!(doc.blocks[1].id, doc.blocks[2].id);
    assert!(doc.blocks[1].id.ends_with("-0"));
    assert!(doc.blocks[2].id.ends_with("-1"));
}

#[test]
fn crlf_and_full_width_spaces_parse_like_lf() {
    let crlf = SPEECH.replace('\n', "\r\n").replace("\r\n\r\n", "\r\n\r\n　　");
    let a = Document::parse(SPEECH);
    let b = Document::parse(&crlf);
    assert_eq!(a.fingerprint, b.fingerprint);
    assert_eq!(kinds(&a), kinds(&b));
}

#[test]
fn text_without_headings_is_paragraphs() {
    let doc = Document::parse("这是一段很长的话，没有标题，也没有日期，只是一段接一段的正文，用来测试没有结构的文本如何解析。\n第二段也是正文。");
    assert_eq!(kinds(&doc), [BlockKind::Paragraph, BlockKind::Paragraph]);
    assert_eq!(doc.title, None);
}

#[test]
fn empty_text_has_no_blocks() {
    for raw in ["", "\n\r\n  \u{3000}\n"] {
        let doc = Document::parse(raw);
        assert!(doc.blocks.is_empty());
        assert_eq!(doc.text, "");
    }
}

#[test]
fn a_megabyte_text_parses() {
    let mut raw = String::new();
    while raw.len() < 1_000_000 {
        raw.push_str(SPEECH);
        raw.push('\n');
    }
    let doc = Document::parse(&raw);
    assert!(doc.blocks.len() > 31 * 80);
    // equal paragraphs repeated get distinct ids
    let ids: std::collections::HashSet<_> = doc.blocks.iter().map(|b| &b.id).collect();
    assert_eq!(ids.len(), doc.blocks.len());
}

#[test]
fn dates_are_found_in_common_forms() {
    assert_eq!(find_date("时间:2022-07-14 02:22:41").as_deref(), Some("2022-07-14"));
    assert_eq!(find_date("2021年3月5日").as_deref(), Some("2021-03-05"));
    assert_eq!(find_date("发布于 2020/1/2").as_deref(), Some("2020-01-02"));
    assert_eq!(find_date("(2024年3月5日)").as_deref(), Some("2024-03-05"));
    assert_eq!(find_date("增长12345个"), None);
    assert_eq!(find_date("2021年13月5日"), None);
}

const FULLWIDTH: &str = include_str!("../../tests/cases/fullwidth/fullwidth.txt");
const HALFWIDTH: &str = include_str!("../../tests/cases/fullwidth/halfwidth.txt");
const HARD_WRAPPED: &str = include_str!("../../tests/cases/wrapped/hard-wrapped.txt");
const PAGE_FURNITURE: &str = include_str!("../../tests/cases/wrapped/page-numbers-and-header.txt");

/// Case fullwidth: "both files give the same structure (a date line of kind
/// meta, date 2024-03-05) and the same key terms (ＧＤＰ counted as GDP),
/// while the text shown stays as written." (Key terms: `terms::tests`.)
#[test]
fn full_width_forms_give_the_structure_of_half_width_ones_and_stay_as_written() {
    let full = Document::parse(FULLWIDTH);
    let half = Document::parse(HALFWIDTH);
    assert_eq!(
        kinds(&full),
        [
            BlockKind::Title,
            BlockKind::Meta,
            BlockKind::Paragraph,
            BlockKind::Paragraph
        ]
    );
    assert_eq!(kinds(&full), kinds(&half));
    assert_eq!(full.date.as_deref(), Some("2024-03-05"));
    assert_eq!(half.date.as_deref(), Some("2024-03-05"));
    assert_eq!(full.blocks[1].text, "（２０２４年３月５日）");
    assert_eq!(full.title.as_deref(), Some("２０２４年工作报告"));
    assert_eq!(full.text, crate::text::normalize(FULLWIDTH));
    // Same lengths, so every offset is the same in both texts.
    for (a, b) in full.blocks.iter().zip(&half.blocks) {
        assert_eq!((a.start, a.end), (b.start, b.end));
        assert_eq!(crate::text::char_slice(&full.text, a.start, a.end), a.text);
    }
}

/// Case wrapped/hard-wrapped: "the same 31 blocks, kinds and key terms as
/// the built-in speech (lines joined inside a blank-line-separated
/// paragraph, with no space inserted between CJK characters), and the open
/// dialog says that lines were joined and lets the user undo that choice."
/// (Key terms: `terms::tests`.)
#[test]
fn a_hard_wrapped_copy_joins_back_into_the_built_in_speech() {
    let builtin = Document::parse(SPEECH);
    let parsed = Document::parse_with(HARD_WRAPPED, ParseOptions::default());
    assert!(parsed.joined());
    assert_eq!(parsed.wrap_width, Some(38));
    assert_eq!(parsed.joined_lines, 109 - 31);
    let doc = &parsed.document;
    assert_eq!(doc.blocks.len(), 31);
    assert_eq!(kinds(doc), kinds(&builtin));
    assert_eq!(doc.text, builtin.text);
    assert_eq!(doc.fingerprint, builtin.fingerprint);
    let ids = |d: &Document| d.blocks.iter().map(|b| b.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(doc), ids(&builtin), "annotations of the speech fit its PDF copy");
    // Parsing the joined text again changes nothing.
    let again = Document::parse_with(&doc.text, ParseOptions::default());
    assert!(!again.joined());
    assert_eq!(&again.document, doc);
    // Undone: every line its own block, as today.
    let kept = Document::parse_with(HARD_WRAPPED, ParseOptions { join_wrapped: false });
    assert!(!kept.joined());
    assert_eq!(kept.wrap_width, Some(38));
    assert_eq!(kept.document.blocks.len(), 109);
    assert_eq!(kept.document.text, crate::text::normalize(HARD_WRAPPED));
}

/// Texts that are not hard-wrapped are never joined: the built-in speech
/// (one paragraph a line, blank lines between), the same without blank
/// lines, and the other cases.
#[test]
fn a_text_with_one_paragraph_per_line_is_never_joined() {
    let no_blank_lines = SPEECH.replace("\n\n", "\n");
    let crlf = SPEECH.replace('\n', "\r\n");
    for raw in [SPEECH, &no_blank_lines, &crlf, FULLWIDTH, HALFWIDTH, PAGE_FURNITURE] {
        let parsed = Document::parse_with(raw, ParseOptions::default());
        assert!(!parsed.joined());
        assert_eq!(parsed.wrap_width, None);
        assert_eq!(parsed.document.text, crate::text::normalize(raw));
    }
}

/// Case wrapped/page-numbers-and-header: "they are residue (kept, dimmed,
/// not units of coding, left out of key terms), like 上一篇/下一篇 today"
/// (22 paragraphs, not 32).
#[test]
fn page_numbers_and_running_headers_are_residue() {
    let builtin = Document::parse(SPEECH);
    let doc = Document::parse(PAGE_FURNITURE);
    assert_eq!(doc.blocks.len(), 41);
    assert_eq!(count(&doc, BlockKind::Paragraph), 22);
    assert_eq!(count(&doc, BlockKind::Heading), 5);
    assert_eq!(count(&doc, BlockKind::Title), 1);
    assert_eq!(count(&doc, BlockKind::Meta), 1);
    assert_eq!(count(&doc, BlockKind::Residue), 2 + 10);
    let notes = |n: &str| doc.blocks.iter().filter(|b| b.note == Some(n)).count();
    assert_eq!(notes(residue::PAGE_NUMBER_NOTE), 5);
    assert_eq!(notes(residue::RUNNING_HEADER_NOTE), 5);
    let page = doc
        .blocks
        .iter()
        .find(|b| b.note == Some(residue::PAGE_NUMBER_NOTE))
        .unwrap();
    assert_eq!(page.text, "－ 1 －");
    // The speech's own blocks are the built-in speech's, with their ids.
    let own: Vec<(&str, BlockKind)> = doc
        .blocks
        .iter()
        .filter(|b| !matches!(b.note, Some(residue::PAGE_NUMBER_NOTE | residue::RUNNING_HEADER_NOTE)))
        .map(|b| (b.id.as_str(), b.kind))
        .collect();
    let expected: Vec<(&str, BlockKind)> = builtin.blocks.iter().map(|b| (b.id.as_str(), b.kind)).collect();
    assert_eq!(own, expected);
}

#[test]
fn a_page_furniture_line_first_leaves_the_title_to_the_next_line() {
    let raw = "市政府办公室文件\n讲话标题\n2024年3月5日\n正文。\n市政府办公室文件\n正文二。\n市政府办公室文件\n- 2 -";
    let doc = Document::parse(raw);
    assert_eq!(
        kinds(&doc),
        [
            BlockKind::Residue,
            BlockKind::Title,
            BlockKind::Meta,
            BlockKind::Paragraph,
            BlockKind::Residue,
            BlockKind::Paragraph,
            BlockKind::Residue,
            BlockKind::Residue,
        ]
    );
    assert_eq!(doc.title.as_deref(), Some("讲话标题"));
}
