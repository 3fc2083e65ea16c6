//! The rules of the code map (ARCHITECTURE.md), checked on the sources:
//! no import cycle among the core's modules, the model never depends on a
//! format, formats never change the store, and no source file grows past
//! about 700 lines of non-test code.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Longest a core source file may be, in lines of non-test code.
const MAX_LINES: usize = 700;

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("source folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Test files (`tests.rs`, `*_tests.rs`, the shared fixtures) hold no code the app runs.
fn is_test_file(path: &Path) -> bool {
    let name = path.file_stem().and_then(|n| n.to_str()).unwrap_or("");
    name == "tests" || name.ends_with("_tests") || name == "test_support"
}

/// The file's code before its first `#[cfg(test)]` module, without comments.
fn code(path: &Path) -> String {
    let text = fs::read_to_string(path).expect("readable source");
    let mut out = String::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let next = lines.get(i + 1).map(|l| l.trim_start()).unwrap_or("");
        if line.trim_start().starts_with("#[cfg(test)]") && next.starts_with("mod ") && next.ends_with('{') {
            break;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The module a file belongs to, as the first path segment under `src/`
/// (`formats/refi/xml.rs` → `formats`), or `formats::refi` one level down
/// for the format modules.
fn module_of(path: &Path) -> String {
    let rel = path.strip_prefix(src()).expect("under src");
    let parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    match parts.as_slice() {
        [first, second, ..] if first == "formats" && second != "mod" => format!("formats::{second}"),
        [first, ..] => first.clone(),
        [] => String::new(),
    }
}

/// `crate::a::b` references in code, as the module they name.
fn references(code: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        let first: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let after = &rest[first.len()..];
        let second: String = after
            .strip_prefix("::")
            .map(|r| r.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect())
            .unwrap_or_default();
        let nested = format!("{first}::{second}");
        if modules.contains(&nested) {
            out.insert(nested);
        } else if modules.contains(&first) {
            out.insert(first);
        }
    }
    out
}

/// Module → the modules its code names.
type Graph = BTreeMap<String, BTreeSet<String>>;

fn graph() -> (Graph, Vec<(PathBuf, usize)>) {
    let mut files = Vec::new();
    sources(&src(), &mut files);
    let files: Vec<PathBuf> = files
        .into_iter()
        .filter(|f| !is_test_file(f) && f.file_name().is_some_and(|n| n != "lib.rs"))
        .collect();
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(f)).collect();
    let mut graph: Graph = BTreeMap::new();
    let mut sizes = Vec::new();
    for f in &files {
        let c = code(f);
        sizes.push((f.clone(), c.lines().filter(|l| !l.trim().is_empty()).count()));
        let m = module_of(f);
        let deps = references(&c, &modules);
        let entry = graph.entry(m.clone()).or_default();
        entry.extend(
            deps.into_iter()
                .filter(|d| *d != m && !d.starts_with(&format!("{m}::"))),
        );
    }
    (graph, sizes)
}

fn reaches(graph: &Graph, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_string()];
    while let Some(m) = stack.pop() {
        for d in graph.get(&m).into_iter().flatten() {
            // `formats` (its mod.rs) stands for the formats it dispatches to
            if d == to || (to.starts_with("formats") && d == "formats" && from != "formats") {
                return true;
            }
            if seen.insert(d.clone()) {
                stack.push(d.clone());
            }
        }
    }
    false
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let (graph, _) = graph();
    assert!(
        graph.contains_key("store") && graph.contains_key("formats::refi"),
        "{graph:?}"
    );
    let mut cycles = Vec::new();
    for (m, deps) in &graph {
        for d in deps {
            if d.starts_with(m.as_str()) || m.starts_with(d.as_str()) {
                continue; // a module and its own parts
            }
            if reaches(&graph, d, m) {
                cycles.push(format!("{m} → {d} → … → {m}"));
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_model_never_depends_on_a_format_an_import_or_the_workspace() {
    let (graph, _) = graph();
    for model in [
        "store",
        "document",
        "themes",
        "text",
        "history",
        "agreement",
        "compare",
        "coders",
        "corpus",
        "terms",
    ] {
        for d in graph.get(model).into_iter().flatten() {
            assert!(
                !(d.starts_with("formats") || d == "exchange" || d == "workspace" || d == "persist"),
                "{model} depends on {d}"
            );
        }
    }
}

#[test]
fn formats_never_change_the_store() {
    let mut files = Vec::new();
    sources(&src().join("formats"), &mut files);
    for f in files.iter().filter(|f| !is_test_file(f)) {
        let c = code(f);
        for needle in [".apply(", "&mut Store", ".merge("] {
            assert!(!c.contains(needle), "{} contains {needle}", f.display());
        }
    }
}

#[test]
fn no_source_file_is_over_700_lines_of_code() {
    let (_, sizes) = graph();
    let long: Vec<String> = sizes
        .iter()
        .filter(|(_, n)| *n > MAX_LINES)
        .map(|(f, n)| format!("{}: {n}", f.display()))
        .collect();
    assert!(
        long.is_empty(),
        "over {MAX_LINES} lines of non-test code:\n{}",
        long.join("\n")
    );
}
