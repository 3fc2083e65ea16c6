//! The codebook as Markdown.

use crate::store::Store;
use crate::themes::Theme;

/// The codebook as a readable Markdown document, to print or attach to a
/// paper's appendix. Sub-themes are listed under their parent.
pub fn codebook_markdown(store: &Store, title: &str) -> String {
    let themes = store.themes();
    let mut out = format!("# 编码簿 · Codebook\n\n{title}\n\n");
    let top: Vec<_> = themes
        .iter()
        .filter(|t| store.codebook(&t.id).parent.is_none())
        .collect();
    for t in top {
        write_theme(&mut out, store, t, "##");
        for sub in themes
            .iter()
            .filter(|s| store.codebook(&s.id).parent.as_deref() == Some(t.id.as_str()))
        {
            write_theme(&mut out, store, sub, "###");
        }
    }
    out
}

fn write_theme(out: &mut String, store: &Store, t: &Theme, level: &str) {
    let cb = store.codebook(&t.id);
    let key = t.key.map(|k| format!(" · key {k}")).unwrap_or_default();
    out.push_str(&format!("{level} {}\n\n`{}` · {}{key}\n\n", t.label(), t.id, t.color));
    for (label, text) in [
        ("定义 · Definition", &cb.definition),
        ("何时使用 · When to use", &cb.when_to_use),
        ("何时不用 · When not to use", &cb.when_not_to_use),
        ("示例 · Example", &cb.example),
    ] {
        if !text.trim().is_empty() {
            out.push_str(&format!("**{label}.** {}\n\n", text.trim()));
        }
    }
}
