//! Tests of whole projects: every source, the unit of positions, codes
//! nested deeper than the app keeps, and names and keys that round-trip.

use super::tests::{store, zip_of};
use super::*;
use crate::document::Document;
use crate::store::Command;
use crate::themes::Theme;

/// The texts of the blocks an incoming's tags land on, with the theme labels.
fn tagged_lines(incoming: &crate::exchange::Incoming, doc: &Document) -> Vec<(String, String)> {
    let mut got: Vec<(String, String)> = incoming
        .sets
        .iter()
        .flat_map(|s| &s.tags)
        .map(|t| {
            let name = incoming
                .themes
                .iter()
                .find(|x| x.id == t.theme)
                .map(|x| x.label())
                .unwrap_or_default();
            let text = doc.block(&t.block).map(|b| b.text.clone()).unwrap_or(t.block.clone());
            (text, name)
        })
        .collect();
    got.sort();
    got
}

#[test]
fn every_text_source_is_offered_with_its_codings() {
    let bytes = include_bytes!("../../../tests/cases/refi/two-sources.qdpx");
    let project = read_project(bytes, &store()).unwrap();
    let listed: Vec<(&str, SourceKind, usize, Vec<String>)> = project
        .sources
        .iter()
        .map(|s| (s.name.as_str(), s.kind, s.codings, s.coders.clone()))
        .collect();
    assert_eq!(
        listed,
        [
            ("uncoded source", SourceKind::Text, 0, vec![]),
            ("coded source", SourceKind::Text, 2, vec!["Coder A".to_string()]),
        ]
    );
    assert_eq!(project.users, ["Coder A"]);
    // The coded source, opened as its own document, carries both codings.
    let text = project.sources[1].text.clone().unwrap();
    let doc = Document::parse(&text);
    assert_eq!(project.source_for(&doc), Some(1));
    let incoming = project.incoming(1, &doc, &store()).unwrap();
    let got = tagged_lines(&incoming, &doc);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.iter().any(|(_, c)| c == "alpha code"));
    assert!(got.iter().any(|(_, c)| c == "beta code"));
    assert!(got.iter().all(|(b, _)| !b.starts_with("unmatched")), "{got:?}");
    // Read for some other document, the coded source is the one offered.
    let other = Document::parse("别的讲话\n一段。");
    assert_eq!(project.source_for(&other), Some(1));
}

#[test]
fn nvivo_positions_count_utf16_units() {
    let bytes = include_bytes!("../../../tests/cases/refi/utf16-positions.qdpx");
    let project = read_project(bytes, &store()).unwrap();
    assert_eq!(project.unit, OffsetUnit::Utf16, "{:?}", project.unit_basis);
    assert!(matches!(project.unit_basis, UnitBasis::LineBoundaries { .. }));
    // The text as a user opens it from the .txt beside the project.
    let doc = Document::parse(include_str!("../../../tests/cases/refi/utf16-positions.txt"));
    let i = project.source_for(&doc).unwrap();
    assert_eq!(
        project.sources[i].fingerprint.as_deref(),
        Some(doc.fingerprint.as_str())
    );
    let incoming = project.incoming(i, &doc, &store()).unwrap();
    let got = tagged_lines(&incoming, &doc);
    assert_eq!(
        got,
        [(
            "This is the coded comment, long enough to matter.".to_string(),
            "alpha code".to_string()
        )]
    );
    // The same file said to come from NVivo is read the same way, by producer.
    let qde = String::from_utf8(unzip(bytes, "project.qde")).unwrap();
    let nvivo = qde.replace("hand-written reproducer", "NVivo 12 (Windows)");
    let text = unzip(bytes, "Sources/aaaaaaaa-0000-4000-8000-000000000001.txt");
    let bytes = zip_of(&[
        ("project.qde", nvivo.as_bytes()),
        ("Sources/aaaaaaaa-0000-4000-8000-000000000001.txt", &text),
    ]);
    let project = read_project(&bytes, &store()).unwrap();
    assert_eq!(project.unit, OffsetUnit::Utf16);
    assert_eq!(project.unit_basis, UnitBasis::Producer("NVivo 12 (Windows)".into()));
}

fn unzip(bytes: &[u8], name: &str) -> Vec<u8> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = Vec::new();
    zip.by_name(name).unwrap().read_to_end(&mut out).unwrap();
    out
}

const NESTED: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="nested" origin="MAXQDA 24">
<Users><User guid="11111111-0000-4000-8000-000000000001" name="李明"/></Users>
<CodeBook><Codes>
 <Code guid="22222222-0000-4000-8000-000000000001" name="开放 opening" isCodable="true">
  <Code guid="22222222-0000-4000-8000-000000000002" name="外资 foreign capital" isCodable="true">
   <Code guid="22222222-0000-4000-8000-000000000003" name="园区 parks" isCodable="true"/>
  </Code>
 </Code>
</Codes></CodeBook>
<Sources>
 <TextSource guid="33333333-0000-4000-8000-000000000001" name="speech"><PlainTextContent>标题
第一段。
第二段。</PlainTextContent>
  <PlainTextSelection guid="44444444-0000-4000-8000-000000000001" startPosition="3" endPosition="7" creatingUser="11111111-0000-4000-8000-000000000001">
   <Coding guid="55555555-0000-4000-8000-000000000001"><CodeRef targetGUID="22222222-0000-4000-8000-000000000003"/></Coding>
  </PlainTextSelection>
 </TextSource>
 <PDFSource guid="33333333-0000-4000-8000-000000000002" name="report.pdf" path="internal://report.pdf">
  <PDFSelection guid="44444444-0000-4000-8000-000000000002" page="1" firstX="0" firstY="0" secondX="1" secondY="1" creatingUser="11111111-0000-4000-8000-000000000001">
   <Coding guid="55555555-0000-4000-8000-000000000002" creatingUser="11111111-0000-4000-8000-000000000001"><CodeRef targetGUID="22222222-0000-4000-8000-000000000001"/></Coding>
  </PDFSelection>
 </PDFSource>
 <PictureSource guid="33333333-0000-4000-8000-000000000003" name="photo.jpg" path="internal://photo.jpg"/>
 <AudioSource guid="33333333-0000-4000-8000-000000000004" name="talk.mp3" path="internal://talk.mp3"/>
</Sources>
</Project>"##;

#[test]
fn codes_nested_three_deep_are_flattened_with_their_path_and_other_sources_are_counted() {
    let bytes = zip_of(&[("project.qde", NESTED.as_bytes())]);
    let project = read_project(&bytes, &store()).unwrap();
    assert_eq!(project.depth.deepest, 3);
    assert_eq!(project.depth.flattened, ["外资 › 园区 foreign capital › parks"]);
    let names: Vec<(String, String)> = project
        .themes
        .iter()
        .map(|t| (t.name_zh.clone(), t.name_en.clone()))
        .collect();
    assert_eq!(
        names,
        [
            ("开放".into(), "opening".into()),
            ("外资".into(), "foreign capital".into()),
            ("外资 › 园区".into(), "foreign capital › parks".into())
        ]
    );
    let top = &project.themes[0].id;
    assert_eq!(project.codebook[&project.themes[2].id].parent.as_ref(), Some(top));
    let kinds: Vec<(SourceKind, usize)> = project.sources.iter().map(|s| (s.kind, s.codings)).collect();
    assert_eq!(
        kinds,
        [
            (SourceKind::Text, 1),
            (SourceKind::Pdf, 1),
            (SourceKind::Picture, 0),
            (SourceKind::Audio, 0)
        ]
    );
    assert_eq!(project.sources[1].coders, ["李明"]);
    assert!(project.sources[1].text.is_none());
}

#[test]
fn names_with_spaces_and_keys_survive_a_round_trip() {
    let mut s = store();
    let theme = Theme {
        id: "u-open".into(),
        name_zh: "对外 开放".into(),
        name_en: "opening up".into(),
        color: "#123456".into(),
        key: Some(7),
    };
    s.apply(Command::PutTheme(theme.clone())).unwrap();
    let xml = export_codebook(&s);
    let (themes, _) = import_codebook(xml.as_bytes(), &store()).unwrap();
    assert_eq!(themes.iter().find(|t| t.id == "u-open"), Some(&theme));
    // Renamed in another tool: the new name wins, the key does not follow it.
    let renamed = xml.replace("name=\"对外 开放 opening up\"", "name=\"对外开放 新 opening\"");
    let (themes, _) = import_codebook(renamed.as_bytes(), &store()).unwrap();
    let t = themes.iter().find(|t| t.id == "u-open").unwrap();
    assert_eq!(
        (t.name_zh.as_str(), t.name_en.as_str(), t.key),
        ("对外开放 新", "opening", None)
    );
    // Another tool's name with a space in its Chinese part keeps both parts.
    let other = r#"<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="66666666-0000-4000-8000-000000000001" name="对外 开放 opening up" isCodable="true"/></Codes></CodeBook>"#;
    let (themes, _) = import_codebook(other.as_bytes(), &store()).unwrap();
    assert_eq!(
        (themes[0].name_zh.as_str(), themes[0].name_en.as_str()),
        ("对外 开放", "opening up")
    );
}

#[test]
fn a_renamed_built_in_theme_arrives_as_it_was_left_unless_edited_here() {
    use crate::exchange::{plan, Mode};
    let mut s = store();
    let trade = Theme {
        id: "trade".into(),
        name_zh: "外贸 出口".into(),
        name_en: "foreign trade".into(),
        color: "#d9731a".into(),
        key: Some(2),
    };
    s.apply(Command::PutTheme(trade.clone())).unwrap();
    let doc = Document::parse("标题\n一段。");
    let bytes = export_project(&doc, &s, &["me"], "");
    // A fresh profile, whose built-in "trade" nobody has edited, takes it.
    let mut fresh = store();
    let incoming = import_project(&bytes, &doc, &fresh).unwrap();
    fresh.apply(plan(&incoming, Mode::Merge, &doc, &fresh, "me")).unwrap();
    assert_eq!(fresh.theme("trade"), Some(&trade));
    // A profile that renamed it itself keeps its own name.
    let mut mine = store();
    let own = Theme {
        name_zh: "贸易往来".into(),
        ..trade.clone()
    };
    mine.apply(Command::PutTheme(own.clone())).unwrap();
    mine.apply(plan(&incoming, Mode::Merge, &doc, &mine, "me")).unwrap();
    assert_eq!(mine.theme("trade"), Some(&own));
}

#[test]
fn picks_default_to_readable_text_sources_and_split_around_the_open_document() {
    let bytes = zip_of(&[("project.qde", NESTED.as_bytes())]);
    let project = read_project(&bytes, &store()).unwrap();
    assert_eq!(project.default_picks(), std::collections::BTreeSet::from([0]));
    assert_eq!(
        project.skipped_kinds(),
        [
            (SourceKind::Pdf, 1, 1),
            (SourceKind::Picture, 1, 0),
            (SourceKind::Audio, 1, 0)
        ]
    );
    let text = project.sources[0].text.clone().unwrap();
    let doc = Document::parse(&text);
    let picks = project.default_picks();
    assert_eq!(project.split_picks(&picks, &doc.fingerprint), (Some(0), vec![]));
    assert_eq!(project.split_picks(&picks, "another"), (None, vec![0]));
    let open = project.for_open_document(&picks, &doc, &store()).unwrap().unwrap();
    assert_eq!(open.sets.iter().map(|s| s.tags.len()).sum::<usize>(), 1);
    // Another document gets nothing: the pick becomes a document of its own.
    let other = Document::parse("别的讲话\n一段。");
    assert_eq!(project.for_open_document(&picks, &other, &store()).unwrap(), None);
}

#[test]
fn a_long_text_with_sixty_codes_is_read_once_and_its_codings_land_on_their_lines() {
    // Case scale: a 15,000-line text, 60 codes, 2 codings.
    let bytes = include_bytes!("../../../tests/cases/scale/large-text-60-codes.qdpx");
    let project = read_project(bytes, &store()).unwrap();
    assert_eq!(project.themes.len(), 60);
    let text = project.sources[0].text.clone().expect("the text travels");
    let doc = Document::parse(&text);
    assert_eq!(doc.blocks.len(), 15_001);
    assert_eq!(project.source_for(&doc), Some(0));
    assert_eq!(
        project.sources[0].fingerprint.as_deref(),
        Some(doc.fingerprint.as_str())
    );
    let incoming = project.incoming(0, &doc, &store()).unwrap();
    assert_eq!(
        incoming.document.text, None,
        "the open document's text is not carried again"
    );
    let lines = tagged_lines(&incoming, &doc);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].0.starts_with("Comment number 0:") && lines[0].1.contains("code 1"),
        "{lines:?}"
    );
    assert!(
        lines[1].0.starts_with("Comment number 2:") && lines[1].1.contains("code 3"),
        "{lines:?}"
    );
    // Merged: every code a theme, the two lines tagged, nothing else.
    let mut merged = store();
    let cmd = crate::exchange::plan(&incoming, crate::exchange::Mode::Merge, &doc, &merged, "me");
    merged.apply(cmd).unwrap();
    assert_eq!(merged.themes().len(), 64, "the four built-in themes and 60 codes");
    let tagged: Vec<usize> = doc
        .blocks
        .iter()
        .filter(|b| merged.sets.keys().any(|set| !merged.themes_of(set, &b.id).is_empty()))
        .map(|b| b.index)
        .collect();
    assert_eq!(tagged, [1, 3]);
}
