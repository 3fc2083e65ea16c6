//! `docs/annotation-file.schema.json` is generated from the file's serde
//! structs (JSON Schema draft 2020-12, by `schemars`): this test fails when
//! the committed schema differs from what the structs generate, and
//! rewrites it when run with `UPDATE_SCHEMA=1`.

use schemars::generate::SchemaSettings;
use schemars::transform::RecursiveTransform;
use schemars::Schema;
use serde_json::Value;

use super::file::AnnotationFile;

/// Where the schema is committed, from this crate's manifest.
const SCHEMA_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/annotation-file.schema.json");

/// The schema as committed: pretty JSON with a final newline. Descriptions
/// are the structs' doc comments, their lines joined (a blank line still
/// parts paragraphs).
pub(super) fn generated() -> String {
    let unwrap_lines = RecursiveTransform(|s: &mut Schema| {
        if let Some(Value::String(d)) = s.get_mut("description") {
            *d = d
                .split("\n\n")
                .map(|p| p.split('\n').map(str::trim).collect::<Vec<_>>().join(" "))
                .collect::<Vec<_>>()
                .join("\n\n");
        }
    });
    let schema = SchemaSettings::draft2020_12()
        .with_transform(unwrap_lines)
        .into_generator()
        .into_root_schema_for::<AnnotationFile>();
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[test]
fn the_committed_schema_is_the_generated_one() {
    let generated = generated();
    if std::env::var_os("UPDATE_SCHEMA").is_some_and(|v| v == "1") {
        std::fs::write(SCHEMA_PATH, &generated).expect("the schema is writable");
        return;
    }
    let committed = std::fs::read_to_string(SCHEMA_PATH).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/annotation-file.schema.json differs from the schema the reader's structs generate; \
         regenerate it with `UPDATE_SCHEMA=1 cargo test -p annotator-core own_json::schema` and review the diff"
    );
}
