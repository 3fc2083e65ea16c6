//! The REFI-QDA exports (`export_project`'s `project.qde`, `export_codebook`'s
//! `.qdc`) validated against the REFI-QDA 1.0 schemas
//! (`tests/conformance/refi-qda/`: `Project-mrt2019.xsd`,
//! `Codebook-mrt2019.xsd`) with `xmllint --schema`, for the built-in speech
//! and a store with two coders, a consensus set, notes, sub-themes,
//! codebook entries and awkward text (quotes, `<`, `&`, emoji, characters
//! outside the BMP, line breaks in notes).
//!
//! `xmllint` (Debian package `libxml2-utils`, installed by
//! `scripts/setup.sh`) must be on the `PATH`: without it these tests fail,
//! they are never skipped. One test checks that `xmllint` does refuse an
//! invalid project, so a validator that accepts everything cannot pass them.

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use annotator_core::compare::CONSENSUS;
use annotator_core::document::{Block, Document};
use annotator_core::formats;
use annotator_core::formats::refi::{
    code_guid, export_codebook, export_library_project, export_project, user_guid, OffsetUnit, ProjectDoc,
};
use annotator_core::store::{AnnotationSet, Codebook, Command, SetKind, Status, Store, TagOrigin};
use annotator_core::themes::Theme;

const SPEECH: &str = include_str!("../../assets/speech-foreign-trade-2022-07-14.txt");
const CREATED: &str = "2026-11-25T08:30:00Z";

// ---------------------------------------------------------------- xmllint

fn schema(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/conformance/refi-qda")
        .join(name)
}

/// A folder of this test's own under cargo's scratch directory for
/// integration tests.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("refi-xsd").join(name);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// What `xmllint --noout --schema <xsd> <file>` said of `bytes`, written to
/// `file` in a scratch folder: `Ok` if valid, else its exit code and output.
/// Panics if `xmllint` cannot be run at all.
fn xmllint(xsd: &str, dir: &str, file: &str, bytes: &[u8]) -> Result<(), (i32, String)> {
    let path = scratch(dir).join(file);
    std::fs::write(&path, bytes).expect("write the file to validate");
    let xsd = schema(xsd);
    assert!(xsd.is_file(), "the schema {} is missing", xsd.display());
    let out = match Process::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(&path)
        .output()
    {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "xmllint is not installed, so the REFI-QDA exports cannot be validated against the \
             REFI-QDA 1.0 schemas. Install it (Debian: apt-get install libxml2-utils; \
             `bash scripts/setup.sh` does) and run the tests again."
        ),
        Err(e) => panic!("xmllint could not be run: {e}"),
    };
    if out.status.success() {
        return Ok(());
    }
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    Err((out.status.code().unwrap_or(-1), said))
}

/// Fails the test with xmllint's own words unless `bytes` is valid.
fn assert_valid(xsd: &str, dir: &str, file: &str, bytes: &[u8]) {
    if let Err((code, said)) = xmllint(xsd, dir, file, bytes) {
        panic!(
            "{dir}/{file} is not valid against {xsd} (xmllint exit {code}):\n{said}\n--- the file ---\n{}",
            String::from_utf8_lossy(bytes)
        );
    }
}

/// `project.qde` of a `.qdpx`.
fn project_qde(qdpx: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(Cursor::new(qdpx)).expect("the export is a zip");
    let mut qde = Vec::new();
    zip.by_name("project.qde")
        .expect("the export holds project.qde")
        .read_to_end(&mut qde)
        .expect("project.qde unpacks");
    qde
}

// ---------------------------------------------------------------- the store

fn tag(set: &str, block: &Block, theme: &str, at: u64) -> Command {
    Command::Tag {
        set: set.into(),
        block: block.id.clone(),
        theme: theme.into(),
        present: true,
        how: TagOrigin::Hand,
        at,
    }
}

fn note(set: &str, block: &Block, text: &str) -> Command {
    Command::Note {
        set: set.into(),
        block: block.id.clone(),
        text: text.into(),
    }
}

/// Two coders (`me`, `li`) and a consensus set on `doc`, with a theme of
/// their own, a sub-theme of "trade" (a codebook parent), codebook entries,
/// tags with and without a time, notes, and quotes, `<`, `&`, emoji, a
/// character outside the BMP and line breaks wherever the user types text.
fn busy_store(doc: &Document) -> Store {
    let mut s = Store::new(
        "tab",
        &AnnotationSet::new("me", "Me \"我\" <&> 🙂", "#333333", SetKind::Coder),
    );
    let p: Vec<&Block> = doc.taggable().collect();
    let last = *p.last().expect("paragraphs");
    let mut cmds = vec![
        Command::AddSet(Box::new(AnnotationSet::new(
            "li",
            "李 'Li' & <Co> 𠀀",
            "#0088cc",
            SetKind::Coder,
        ))),
        Command::AddSet(Box::new(AnnotationSet::new(
            CONSENSUS,
            "共识 · Consensus",
            "#444444",
            SetKind::Consensus,
        ))),
        Command::PutTheme(Theme {
            id: "u-open".into(),
            name_zh: "开放 🚢".into(),
            name_en: "opening <up> & \"out\" 'now'".into(),
            color: "#123ABC".into(),
            key: Some(5),
        }),
        Command::PutTheme(Theme {
            id: "u-processing".into(),
            name_zh: "加工贸易".into(),
            name_en: "processing trade".into(),
            color: "#aa5500".into(),
            key: None,
        }),
        Command::PutCodebook {
            theme: "u-processing".into(),
            entry: Codebook {
                definition: "来料加工、进料加工 & <其他> \"quoted\" 🙂".into(),
                example: "加工贸易转型升级\n第二行\r\n第三行\t制表".into(),
                parent: Some("trade".into()),
                ..Default::default()
            },
        },
        Command::PutCodebook {
            theme: "trade".into(),
            entry: Codebook {
                definition: "货物与服务贸易".into(),
                when_to_use: "谈进出口时 (imports & exports)".into(),
                when_not_to_use: "只谈投资时 <investment>".into(),
                ..Default::default()
            },
        },
        tag("me", p[1], "trade", 1_657_765_361),
        tag("me", p[1], "u-open", 0),
        tag("me", p[2], "investment", 1_657_765_400),
        tag("me", p[3], "u-processing", 1_657_765_500),
        tag("me", last, "trade", 0),
        note(
            "me",
            p[2],
            "注意 <b>&amp; \"引号\" '单' 🙂 𠀀\n第二行\n\n  缩进的第四行",
        ),
        note("me", p[7], "只有笔记 ]]> -- <!-- 不是注释 -->"),
        tag("li", p[1], "investment", 1_657_800_000),
        tag("li", p[2], "investment", 0),
        tag("li", p[3], "trade", 1_657_800_100),
        note("li", p[1], "Li's note: \"a < b && c > d\"\n🙂"),
        tag(CONSENSUS, p[1], "trade", 1_657_900_000),
        tag(CONSENSUS, p[2], "investment", 0),
        note(CONSENSUS, p[2], "裁定 · ruling & reason"),
    ];
    // statuses: written as the coders' notes on the source
    cmds.push(Command::SetStatus {
        set: "me".into(),
        status: Some(Status::Done),
    });
    cmds.push(Command::SetStatus {
        set: "li".into(),
        status: Some(Status::InProgress),
    });
    if let Some(awkward) = p.iter().find(|b| b.text.contains('🙂')) {
        cmds.push(tag("li", awkward, "u-open", 1_657_800_200));
        cmds.push(note("li", awkward, "emoji paragraph <&>"));
    }
    for cmd in cmds {
        s.apply(cmd.clone())
            .unwrap_or_else(|e| panic!("{cmd:?} refused: {e:?}"));
    }
    s
}

/// The built-in speech with a paragraph of awkward characters added: quotes
/// of both kinds, `<`, `&`, `>`, emoji and a character outside the BMP, so
/// that selection names and positions after it are tested too.
fn awkward_speech() -> Document {
    Document::parse(&format!(
        "{SPEECH}\n“引号” \"quotes\" 'single' <tag> & && > 🙂👍🏽 𠀀 emoji paragraph\n最后一段。"
    ))
}

// ---------------------------------------------------------------- tests

#[test]
fn xmllint_refuses_an_invalid_project_so_the_validation_tests_can_fail() {
    // Users after CodeBook is out of the schema's order; the GUID is not one.
    let qde = r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="invalid">
  <CodeBook><Codes><Code guid="not-a-guid" name="x" isCodable="true"/></Codes></CodeBook>
  <Users><User guid="0f0f0f0f-0000-4000-8000-000000000001" name="u"/></Users>
</Project>
"#;
    let (code, said) =
        xmllint("Project-mrt2019.xsd", "invalid", "project.qde", qde.as_bytes()).expect_err("an invalid project fails");
    assert_eq!(code, 3, "exit 3 is xmllint's 'fails to validate':\n{said}");
    assert!(said.contains("fails to validate"), "{said}");
    assert!(said.contains("not-a-guid"), "{said}");

    let qdc = r##"<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="0f0f0f0f-0000-4000-8000-000000000002" name="x" isCodable="yes" color="red"/></Codes></CodeBook>
"##;
    let (code, said) = xmllint("Codebook-mrt2019.xsd", "invalid", "codebook.qdc", qdc.as_bytes())
        .expect_err("an invalid codebook fails");
    assert_eq!(code, 3, "{said}");
    assert!(said.contains("isCodable") && said.contains("color"), "{said}");
}

#[test]
fn the_project_export_is_valid_against_the_refi_qda_project_schema() {
    let sets = ["me", "li", CONSENSUS];
    for (name, doc) in [("speech", Document::parse(SPEECH)), ("awkward", awkward_speech())] {
        let store = busy_store(&doc);
        let qdpx = export_project(&doc, &store, &sets, CREATED);
        let qde = project_qde(&qdpx);
        let xml = String::from_utf8(qde.clone()).expect("UTF-8");
        // The export holds what the schema is asked to check.
        for (what, needle) in [
            ("three users", format!("guid=\"{}\"", user_guid(CONSENSUS))),
            ("li", format!("guid=\"{}\"", user_guid("li"))),
            ("the sub-theme", format!("guid=\"{}\"", code_guid("u-processing"))),
            ("a note", "<Notes>".to_string()),
            ("a selection", "<PlainTextSelection ".to_string()),
            ("dates", format!("creationDateTime=\"{CREATED}\"")),
            (
                "the escaped theme name",
                "opening &lt;up&gt; &amp; &quot;out&quot;".to_string(),
            ),
            ("an emoji", "🙂".to_string()),
        ] {
            assert!(xml.contains(&needle), "{name}: no {what} ({needle}) in\n{xml}");
        }
        assert_valid("Project-mrt2019.xsd", name, "project.qde", &qde);

        // Without a creation time and with one coder only.
        let qde = project_qde(&export_project(&doc, &store, &["li"], ""));
        assert_valid("Project-mrt2019.xsd", name, "project-undated.qde", &qde);
        // A creation time in another form of ISO 8601 is written as the
        // schema's `xsd:dateTime`; one that is no time is left out.
        for (i, created) in ["2026-11-25", "2026-11-25t16:30:00.5+08:00", "yesterday"]
            .iter()
            .enumerate()
        {
            let qde = project_qde(&export_project(&doc, &store, &sets, created));
            let xml = String::from_utf8(qde.clone()).expect("UTF-8");
            assert!(
                !xml.contains(&format!("creationDateTime=\"{created}\"")),
                "{created} written as given:\n{xml}"
            );
            assert_valid("Project-mrt2019.xsd", name, &format!("project-created-{i}.qde"), &qde);
        }
        // With no coder: codes and the source only.
        let qde = project_qde(&export_project(&doc, &store, &[], CREATED));
        assert_valid("Project-mrt2019.xsd", name, "project-no-sets.qde", &qde);
    }
}

#[test]
fn a_project_of_a_store_without_themes_is_valid() {
    let doc = Document::parse(SPEECH);
    let mut store = busy_store(&doc);
    for t in store.themes().iter().map(|t| t.id.clone()).collect::<Vec<_>>() {
        store.apply(Command::DeleteTheme { id: t }).unwrap();
    }
    assert!(store.themes().is_empty());
    let qde = project_qde(&export_project(&doc, &store, &["me", "li", CONSENSUS], CREATED));
    assert_valid("Project-mrt2019.xsd", "no-themes", "project.qde", &qde);
}

#[test]
fn the_codebook_export_is_valid_against_the_refi_qda_codebook_schema() {
    let doc = awkward_speech();
    let store = busy_store(&doc);
    let qdc = export_codebook(&store);
    assert!(
        qdc.contains(&format!("guid=\"{}\"", code_guid("u-processing"))),
        "{qdc}"
    );
    assert!(qdc.contains("来料加工、进料加工 &amp; &lt;其他&gt;"), "{qdc}");
    assert_valid("Codebook-mrt2019.xsd", "codebook", "codebook.qdc", qdc.as_bytes());

    // The built-in themes only, as a new user exports them.
    let fresh = Store::new("tab", &AnnotationSet::new("me", "Me", "#333333", SetKind::Coder));
    assert_valid(
        "Codebook-mrt2019.xsd",
        "codebook",
        "builtin.qdc",
        export_codebook(&fresh).as_bytes(),
    );
}

/// A `project.qde` as another tool might write it, readable but refused
/// by the schema: `Sources` before `CodeBook` and `Users` last (out of the
/// schema's order), an attribute and an element the schema does not know,
/// and an upper-case, braced GUID.
fn xsd_invalid_project(doc: &Document) -> Vec<u8> {
    let p: Vec<&Block> = doc.taggable().collect();
    let (a, b) = (p[1], p[4]);
    let qde = format!(
        r##"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="另一工具 · another tool" origin="Some Tool 3.1" creationDateTime="2025-03-01T10:00:00" flavour="extended">
  <Sources>
    <TextSource guid="5a5a5a5a-0000-4000-8000-000000000010" name="speech" plainTextPath="internal://speech.txt" reviewed="yes">
      <PlainTextSelection guid="5a5a5a5a-0000-4000-8000-000000000011" name="first" startPosition="{a_start}" endPosition="{a_end}" creatingUser="5A5A5A5A-0000-4000-8000-000000000001" weight="3">
        <Coding guid="5a5a5a5a-0000-4000-8000-000000000012" creatingUser="5a5a5a5a-0000-4000-8000-000000000001">
          <CodeRef targetGUID="{{5A5A5A5A-0000-4000-8000-000000000020}}"/>
        </Coding>
        <Highlight colour="yellow"/>
      </PlainTextSelection>
      <PlainTextSelection guid="5a5a5a5a-0000-4000-8000-000000000013" startPosition="{b_start}" endPosition="{b_end}" creatingUser="5a5a5a5a-0000-4000-8000-000000000001">
        <NoteRef targetGUID="5a5a5a5a-0000-4000-8000-000000000030"/>
        <Coding guid="5a5a5a5a-0000-4000-8000-000000000014">
          <CodeRef targetGUID="5a5a5a5a-0000-4000-8000-000000000020"/>
        </Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
  <CodeBook>
    <Codes>
      <Code guid="5a5a5a5a-0000-4000-8000-000000000020" name="Öffnung" isCodable="true" color="#0a0" priority="high"/>
    </Codes>
  </CodeBook>
  <Notes>
    <Note guid="5a5a5a5a-0000-4000-8000-000000000030" name="memo">
      <PlainTextContent>A memo &amp; more</PlainTextContent>
    </Note>
  </Notes>
  <Users>
    <User guid="5a5a5a5a-0000-4000-8000-000000000001" name="Ana"/>
  </Users>
</Project>
"##,
        a_start = a.start,
        a_end = a.end,
        b_start = b.start,
        b_end = b.end,
    );
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("project.qde", options).unwrap();
    zip.write_all(qde.as_bytes()).unwrap();
    zip.start_file("Sources/speech.txt", options).unwrap();
    zip.write_all(doc.text.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

#[test]
fn a_readable_project_the_schema_refuses_still_imports() {
    let doc = Document::parse(SPEECH);
    let qdpx = xsd_invalid_project(&doc);

    // The schema refuses it, for the reasons it was made with.
    let (code, said) = xmllint("Project-mrt2019.xsd", "xsd-invalid", "project.qde", &project_qde(&qdpx))
        .expect_err("the schema refuses the other tool's project");
    assert_eq!(code, 3, "{said}");
    // (xmllint stops at the first error inside an element, so the code's
    // unknown `priority` is not named: `CodeBook` out of order is.)
    for reason in [
        "flavour",
        "reviewed",
        "weight",
        "Highlight",
        "'{urn:QDA-XML:project:1.0}CodeBook': This element is not expected",
    ] {
        assert!(said.contains(reason), "xmllint does not name {reason}:\n{said}");
    }

    // The app reads it all the same.
    let store = Store::new("tab", &AnnotationSet::new("me", "Me", "#333333", SetKind::Coder));
    let got = formats::read(&qdpx, &doc, &store).expect("a readable project imports even if the schema refuses it");
    assert_eq!(got.app.as_deref(), Some("Some Tool 3.1"));
    assert_eq!(got.themes.len(), 1, "{:?}", got.themes);
    let theme = &got.themes[0];
    assert_eq!((theme.name_en.as_str(), theme.color.as_str()), ("Öffnung", "#00aa00"));
    assert_eq!(got.sets.len(), 1, "{:?}", got.sets);
    let set = &got.sets[0];
    assert_eq!(set.name, "Ana");
    let p: Vec<&Block> = doc.taggable().collect();
    let mut tagged: Vec<(&str, &str)> = set.tags.iter().map(|t| (t.block.as_str(), t.theme.as_str())).collect();
    tagged.sort();
    let mut want = vec![
        (p[1].id.as_str(), theme.id.as_str()),
        (p[4].id.as_str(), theme.id.as_str()),
    ];
    want.sort();
    assert_eq!(tagged, want);
    assert_eq!(set.notes.get(&p[4].id).map(String::as_str), Some("A memo & more"));
    // The preview warns that the file was read leniently.
    let project = formats::refi::read_project(&qdpx, &store).unwrap();
    assert_eq!(project.lenient.len(), 1, "{:?}", project.lenient);
    assert!(project.lenient[0].contains("CodeBook"), "{:?}", project.lenient);
    // The app's own export, valid, gets no warning.
    let own = export_project(&doc, &busy_store(&doc), &["me", "li"], CREATED);
    assert_eq!(
        formats::refi::read_project(&own, &store).unwrap().lenient,
        Vec::<String>::new()
    );
}

#[test]
fn the_whole_library_export_is_valid_against_the_refi_qda_project_schema() {
    // Two documents whose block ids repeat, each with its coders; positions
    // in code points and in UTF-16 units (the awkward text holds emoji).
    let (speech, awkward) = (Document::parse(SPEECH), awkward_speech());
    let (a, b) = (busy_store(&speech), busy_store(&awkward));
    let sets = ["me", "li", CONSENSUS];
    for unit in [OffsetUnit::CodePoints, OffsetUnit::Utf16] {
        let docs = [
            ProjectDoc {
                doc: &speech,
                name: None,
                store: &a,
                sets: sets.to_vec(),
            },
            ProjectDoc {
                doc: &awkward,
                name: None,
                store: &b,
                sets: sets.to_vec(),
            },
        ];
        let qdpx = export_library_project(&docs, CREATED, unit);
        let qde = project_qde(&qdpx);
        let xml = String::from_utf8(qde.clone()).expect("UTF-8");
        assert_eq!(xml.matches("<TextSource ").count(), 2, "{xml}");
        assert_eq!(xml.matches("<User ").count(), 3, "each coder once: {xml}");
        assert_valid(
            "Project-mrt2019.xsd",
            "library",
            &format!("library-{}.qde", unit.as_str()),
            &qde,
        );
    }
}
