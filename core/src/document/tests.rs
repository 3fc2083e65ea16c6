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
    assert_eq!(find_date("2021年3月5日").as_deref(), Some("2021年3月5日"));
    assert_eq!(find_date("发布于 2020/1/2").as_deref(), Some("2020/1/2"));
    assert_eq!(find_date("增长12345个"), None);
}
