//! The built-in speech as static HTML, written at build time into the page
//! (`index.html`) so its text shows before the app's wasm has loaded.
//!
//! The markup is the live page's for the same document in a fresh profile:
//! the header, the table of contents, the overview strip and the document
//! with the same `data-block`, `data-kind` and `data-block-id` attributes,
//! key-term marks (the top ones highlighted) and each block's quiet chips
//! (its suggested themes), so that when the app
//! takes the page over (it renders its own view, then removes
//! `#prerender` in the same task) nothing moves. The side panels are left
//! empty; they sit in their own grid column. The end-to-end test
//! `prerender.test.mjs` holds the two in step: same blocks, same text, same
//! positions.
//!
//! Every text is escaped (`quick_xml::escape::escape`: `& < > ' "`), never
//! inserted as markup.

use quick_xml::escape::escape;

use crate::document::{Block, BlockKind, Document};
use crate::settings::TermHighlight;
use crate::suggest::{self, Suggestion};
use crate::terms::{layer_runs, Analysis};
use crate::themes::Theme;

/// The id of the element that holds the prerendered page; the app removes
/// it once its own view is in place.
pub const ROOT_ID: &str = "prerender";

/// The id of the `<script type="application/json">` that carries the
/// key terms of the built-in speech under the default settings, so the app
/// shows them without waiting for the worker.
pub const ANALYSIS_ID: &str = "builtin-analysis";

/// Cells of the overview strip at most (as the live strip).
pub const STRIP_CELLS: usize = 200;

/// The prerendered page for `doc`: an element `<div id="prerender">` with
/// the header, the table of contents, the overview strip and the document,
/// and after it the analysis as a JSON data block (`</` written `<\/`, so
/// no text can close the script early). `themes` are the codebook of a
/// fresh profile (the built-in themes); suggestions come from
/// `suggest::builtin_lexicons`. Offsets in `analysis` count chars.
pub fn page(doc: &Document, analysis: &Analysis, themes: &[Theme]) -> String {
    let ids: Vec<String> = themes.iter().map(|t| t.id.clone()).collect();
    let lexicons = suggest::builtin_lexicons();
    let suggestions = suggest::by_block(suggest::candidates(doc, &ids, &lexicons));
    let mut out = String::with_capacity(doc.blocks.iter().map(|b| b.text.len()).sum::<usize>() * 4 + 16_384);
    out.push_str(&format!(
        "<div id=\"{ROOT_ID}\" data-prerender=\"\" data-fingerprint=\"{}\">",
        escape(doc.fingerprint.as_str())
    ));
    header(&mut out, doc);
    out.push_str("<main class=\"layout\">");
    toc(&mut out, doc);
    overview(&mut out, doc);
    out.push_str(&format!(
        "<article class=\"document\" aria-label=\"讲话正文 · Speech text\" data-fingerprint=\"{}\">",
        escape(doc.fingerprint.as_str())
    ));
    for block in &doc.blocks {
        let none = Vec::new();
        let offered = suggestions.get(&block.id).unwrap_or(&none);
        block_html(&mut out, block, analysis, themes, offered);
    }
    out.push_str("</article><aside class=\"side\" id=\"side-panels\"></aside></main></div>");
    let json = serde_json::to_string(analysis).unwrap_or_else(|_| "null".into());
    out.push_str(&format!(
        "<script type=\"application/json\" id=\"{ANALYSIS_ID}\" data-fingerprint=\"{}\">{}</script>",
        escape(doc.fingerprint.as_str()),
        json.replace("</", "<\\/")
    ));
    out
}

fn header(out: &mut String, doc: &Document) {
    let title = doc.title.clone().unwrap_or_else(|| "无标题 · Untitled".into());
    out.push_str("<header class=\"topbar\"><div class=\"brand\">讲话标注 · Speech Annotator</div>");
    out.push_str(&format!("<div class=\"doc-title\">{}</div>", escape(title.as_str())));
    // The actions as the page shows them; they act once the app is in
    // (a click that came first is replayed then).
    out.push_str(concat!(
        "<div class=\"actions\">",
        "<button type=\"button\" data-action=\"library\" aria-haspopup=\"dialog\">📚 文档 · Documents</button>",
        "<button type=\"button\" data-action=\"undo\" title=\"撤销 Undo (Ctrl+Z)\" disabled=\"\">↶ 撤销</button>",
        "<button type=\"button\" data-action=\"redo\" title=\"重做 Redo (Ctrl+Shift+Z)\" disabled=\"\">↷ 重做</button>",
        "<details class=\"menu\" data-menu=\"share\"><summary>⇄ 共享 · Share</summary></details>",
        "<button type=\"button\" class=\"scheme\" data-action=\"scheme\" title=\"深色/浅色 Dark/light\" aria-label=\"Toggle dark mode\">◐</button>",
        "<button type=\"button\" class=\"panels-toggle\" data-action=\"panels\" aria-expanded=\"false\" aria-controls=\"side-panels\">☰ 面板 · Panels</button>",
        "</div></header>"
    ));
}

fn toc(out: &mut String, doc: &Document) {
    out.push_str("<nav class=\"toc\" aria-label=\"目录 · Contents\"><h2>目录 · Contents</h2><ol>");
    for h in doc.headings() {
        out.push_str(&format!(
            "<li><a href=\"#h-{i}\" data-toc=\"{i}\">{}</a></li>",
            escape(h.text.as_str()),
            i = h.index
        ));
    }
    out.push_str("</ol></nav>");
}

fn overview(out: &mut String, doc: &Document) {
    out.push_str("<nav class=\"overview\" aria-label=\"主题概览 · Theme overview\">");
    let blocks: Vec<usize> = doc.taggable().map(|b| b.index).collect();
    let per = blocks.len().div_ceil(STRIP_CELLS).max(1);
    for cell in blocks.chunks(per) {
        let (first, last) = (cell[0], cell[cell.len() - 1]);
        let title = if first == last {
            format!("¶{first}")
        } else {
            format!("¶{first}–{last}")
        };
        out.push_str(&format!(
            "<button class=\"cell\" type=\"button\" data-overview=\"{first}\" data-overview-last=\"{last}\" title=\"{title}\"></button>"
        ));
    }
    out.push_str("</nav>");
}

fn block_html(out: &mut String, block: &Block, analysis: &Analysis, themes: &[Theme], offered: &[Suggestion]) {
    let index = block.index;
    let taggable = block.kind.is_taggable();
    let suggested: Vec<&str> = offered.iter().map(|s| s.theme.as_str()).collect();
    out.push_str(&format!(
        "<div class=\"block{}\" data-block=\"{index}\" data-kind=\"{}\" data-block-id=\"{}\" data-themes=\"\" data-suggested=\"{}\"{}>",
        if taggable { " taggable" } else { "" },
        block.kind.as_str(),
        escape(block.id.as_str()),
        escape(suggested.join(" ").as_str()),
        if taggable {
            format!(" tabindex=\"-1\" aria-describedby=\"themes-{index}\"")
        } else {
            String::new()
        }
    ));
    match block.kind {
        BlockKind::Title => {
            out.push_str("<h1 class=\"title\">");
            marked_text(out, block, analysis, offered);
            out.push_str("</h1>");
        }
        BlockKind::Heading => {
            out.push_str(&format!("<h2 class=\"heading\" id=\"h-{index}\">"));
            marked_text(out, block, analysis, offered);
            out.push_str("</h2>");
        }
        BlockKind::Paragraph => {
            out.push_str("<p class=\"para\">");
            marked_text(out, block, analysis, offered);
            out.push_str("</p>");
        }
        BlockKind::Meta => out.push_str(&format!("<p class=\"meta\">{}</p>", escape(block.text.as_str()))),
        BlockKind::Residue => out.push_str(&format!(
            "<p class=\"residue\"><span class=\"residue-label\">{}</span> {}</p>",
            escape(block.note.unwrap_or("")),
            escape(block.text.as_str())
        )),
    }
    if taggable {
        chips(out, index, themes, offered);
    }
    out.push_str("</div>");
}

/// The block's text with key terms marked and the words behind a
/// suggestion underlined (as `layer_runs` splits it for the live page).
fn marked_text(out: &mut String, block: &Block, analysis: &Analysis, offered: &[Suggestion]) {
    let underline: Vec<(usize, usize)> = offered.iter().flat_map(|s| s.matches.iter().copied()).collect();
    let marks = analysis.marks.get(block.index).cloned().unwrap_or_default();
    let highlighted = TermHighlight::default().limit();
    for run in layer_runs(&block.text, &marks, &underline) {
        let text = escape(run.text);
        let inner = if run.underlined {
            format!("<u class=\"suggest-match\" data-suggest-match=\"\">{text}</u>")
        } else {
            text.into_owned()
        };
        match run.term.and_then(|t| analysis.terms.get(t).map(|k| (t, k))) {
            Some((t, k)) => out.push_str(&format!(
                "<mark data-term=\"{}\" data-term-index=\"{t}\"{}>{inner}</mark>",
                escape(k.term.as_str()),
                if t < highlighted { "" } else { " class=\"quiet\"" }
            )),
            None => out.push_str(&inner),
        }
    }
}

/// A block's themes while the user is not on it, as the live page's
/// quiet chips: none are tagged yet, so only the suggested themes, each
/// with a dashed outline and the words that matched in its title.
fn chips(out: &mut String, index: usize, themes: &[Theme], offered: &[Suggestion]) {
    out.push_str("<div class=\"tags compact\" data-tags-compact=\"\" aria-hidden=\"true\">");
    for t in themes {
        if let Some(s) = offered.iter().find(|s| s.theme == t.id) {
            out.push_str(&format!(
                "<span class=\"chip suggested\" data-theme-suggested=\"{}\" title=\"{}\" style=\"--theme:{}\">{}</span>",
                escape(t.id.as_str()),
                escape(format!("{}\n建议 · suggested: {}", t.label(), s.words.join(" ")).as_str()),
                escape(t.color.as_str()),
                escape(t.short_name())
            ));
        }
    }
    out.push_str(&format!(
        "</div><span class=\"sr-only\" id=\"themes-{index}\">主题：无 · Themes: none</span>"
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terms::{Segmenter, TermSettings};
    use crate::themes::builtin_themes;

    const SPEECH: &str = include_str!("../../assets/speech-foreign-trade-2022-07-14.txt");
    const DICTIONARY: &str = include_str!("../../assets/jieba/dict.txt");

    #[test]
    fn the_speech_is_written_block_by_block_with_its_marks_and_nothing_unescaped() {
        let doc = Document::parse(SPEECH);
        let analysis = Segmenter::from_dictionary(DICTIONARY)
            .expect("dictionary")
            .analyse(&doc, &TermSettings::default());
        let html = page(&doc, &analysis, &builtin_themes());
        for b in &doc.blocks {
            assert!(
                html.contains(&format!(
                    "data-block=\"{}\" data-kind=\"{}\" data-block-id=\"{}\"",
                    b.index,
                    b.kind.as_str(),
                    b.id
                )),
                "block {} missing",
                b.index
            );
        }
        // Each taggable block has its quiet row of chips: the suggested
        // themes (no toggles until the user is on the block).
        assert_eq!(html.matches("data-tags-compact").count(), doc.taggable().count());
        assert!(!html.contains("data-theme-toggle"));
        assert!(html.contains("data-theme-suggested=\"investment\""));
        // The top ten terms are highlighted, the others marked plain.
        assert!(html.contains("<mark data-term=\"外经贸\" data-term-index=\"0\">"));
        assert!(html.contains("data-term-index=\"10\" class=\"quiet\""));
        // The JSON block reads back as the analysis.
        let start = html.find(ANALYSIS_ID).unwrap();
        let json = &html[html[start..].find('>').unwrap() + start + 1..html.rfind("</script>").unwrap()];
        let back: Analysis = serde_json::from_str(json).unwrap();
        assert_eq!(back.marks, analysis.marks);
    }

    #[test]
    fn text_that_looks_like_markup_is_written_as_text() {
        let doc = Document::parse("<script>alert(1)</script> & 标题\n段落里有 </script> 和 <b>粗</b>。");
        let analysis = Analysis::default();
        let html = page(&doc, &analysis, &builtin_themes());
        assert!(!html.contains("<script>alert"));
        assert!(!html.contains("<b>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; 标题"));
        assert_eq!(html.matches("</script>").count(), 1, "only the data block's own end");
    }
}

/// Adds `origin` to the page's Content-Security-Policy `connect-src`, the
/// one origin besides its own that live sync may reach (the build option
/// `ANNOTATOR_SYNC_ORIGIN`, docs/sync.md). Idempotent. `origin` is a scheme,
/// host and optional port: `https://couch.example.org` or
/// `http://127.0.0.1:5984`.
///
/// # Errors
/// A message when `origin` is not such an origin (a path, a wildcard,
/// quotes or separators would widen or break the policy), or the page has
/// no `connect-src`.
pub fn allow_sync_origin(html: &str, origin: &str) -> Result<String, String> {
    let origin = origin.trim().trim_end_matches('/');
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(|| format!("ANNOTATOR_SYNC_ORIGIN must start with http:// or https://: {origin}"))?;
    let (host, port) = rest.split_once(':').unwrap_or((rest, ""));
    let host_ok = !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    let port_ok = port.is_empty() || (port.len() <= 5 && port.chars().all(|c| c.is_ascii_digit()));
    if !host_ok || !port_ok {
        return Err(format!(
            "ANNOTATOR_SYNC_ORIGIN must be one origin (scheme, host, port; no path or wildcard): {origin}"
        ));
    }
    let directive = "connect-src 'self'";
    let at = html
        .find(directive)
        .ok_or("the page's Content-Security-Policy has no connect-src 'self'")?
        + directive.len();
    let tail = &html[at..];
    let end = tail.find([';', '"']).unwrap_or(tail.len());
    if tail[..end].split_whitespace().any(|t| t == origin) {
        return Ok(html.to_string());
    }
    Ok(format!("{} {origin}{}", &html[..at], tail))
}

#[cfg(test)]
mod sync_origin_tests {
    use super::allow_sync_origin;

    const PAGE: &str = r#"<meta http-equiv="Content-Security-Policy" content="default-src 'self'; connect-src 'self'; worker-src 'self'">"#;

    #[test]
    fn one_origin_is_added_once_and_nothing_wider() {
        let once = allow_sync_origin(PAGE, "https://couch.example.org/").unwrap();
        assert!(once.contains("connect-src 'self' https://couch.example.org;"));
        assert_eq!(allow_sync_origin(&once, "https://couch.example.org").unwrap(), once);
        assert!(allow_sync_origin(PAGE, "http://127.0.0.1:5984")
            .unwrap()
            .contains("'self' http://127.0.0.1:5984;"));
        for bad in [
            "*",
            "https://*.example.org",
            "https://a.org/db",
            "ftp://a.org",
            "https://a.org; script-src *",
            "https://a.org:99999x",
        ] {
            assert!(allow_sync_origin(PAGE, bad).is_err(), "{bad}");
        }
    }
}
