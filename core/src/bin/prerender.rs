//! Writes the built-in speech into the built page: `prerender::page` for
//! the speech, with its key terms under the default settings, placed
//! right after `<body>` of the `index.html` Trunk is building (its staging
//! folder, `TRUNK_STAGING_DIR`, when run as Trunk's hook; else the folder
//! given as the first argument, else `dist/`). Run again on the same file,
//! it replaces what it wrote before.

use std::path::PathBuf;
use std::process::ExitCode;

use annotator_core::document::Document;
use annotator_core::prerender::{self, ROOT_ID};
use annotator_core::terms::{Segmenter, TermSettings};
use annotator_core::themes::builtin_themes;

const SPEECH: &str = include_str!("../../../assets/speech-foreign-trade-2022-07-14.txt");
const DICTIONARY: &str = include_str!("../../../assets/jieba/dict.txt");
/// Marks the end of what this program wrote, so a second run replaces it.
const END: &str = "<!-- /prerender -->";

fn main() -> ExitCode {
    let folder = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("TRUNK_STAGING_DIR").ok())
        .unwrap_or_else(|| "dist".into());
    let path = PathBuf::from(folder).join("index.html");
    match run(&path) {
        Ok(bytes) => {
            println!("prerendered the built-in speech into {}: {bytes} bytes", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("prerender: {}: {e}", path.display());
            ExitCode::FAILURE
        }
    }
}

fn run(path: &PathBuf) -> Result<usize, String> {
    let html = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let doc = Document::parse(SPEECH);
    let segmenter = Segmenter::from_dictionary(DICTIONARY).map_err(|e| e.message())?;
    let analysis = segmenter.analyse(&doc, &TermSettings::default());
    let markup = prerender::page(&doc, &analysis, &builtin_themes());
    // What an earlier run wrote goes first.
    let html = match (html.find(&format!("<div id=\"{ROOT_ID}\"")), html.find(END)) {
        (Some(start), Some(end)) if end > start => format!("{}{}", &html[..start], &html[end + END.len()..]),
        _ => html,
    };
    // The speech's fingerprint on <html>, for early.js (which runs before
    // the body is read) to tell whether another document was open.
    let html = if html.contains("data-builtin=") {
        html
    } else {
        html.replacen("<html", &format!("<html data-builtin=\"{}\"", doc.fingerprint), 1)
    };
    // The build option naming the one other origin live sync may reach.
    let html = match std::env::var("ANNOTATOR_SYNC_ORIGIN") {
        Ok(origin) if !origin.trim().is_empty() => prerender::allow_sync_origin(&html, &origin)?,
        _ => html,
    };
    let body = html.find("<body>").ok_or("no <body> in the page")? + "<body>".len();
    let out = format!("{}\n{markup}{END}{}", &html[..body], &html[body..]);
    std::fs::write(path, out).map_err(|e| e.to_string())?;
    Ok(markup.len())
}
