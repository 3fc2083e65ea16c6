//! Writes a library file (`speech-annotator/library-file`) of a team study:
//! N generated speeches of about 10,000 characters (the built-in speech's
//! paragraphs in a different order each, numbered), each coded by three
//! coders, each done with it, for the capacity test (`tests/e2e/capacity.test.mjs`) and for
//! trying the app at study size.
//!
//!   cargo run -p annotator-core --example study_library -- OUT.json [speeches, default 500]
//!
//! Prints the file's size and what its texts and annotations take as
//! UTF-16 code units (the unit browsers count storage quotas in).

use annotator_core::document::Document;
use annotator_core::library::{export_library, Entry, LibraryDoc, Source};
use annotator_core::persist::encode_store;
use annotator_core::store::{AnnotationSet, Command, SetKind, Status, Store, TagOrigin};

const SPEECH: &str = include_str!("../../assets/speech-foreign-trade-2022-07-14.txt");
const THEMES: [&str; 4] = ["investment", "trade", "environment", "accountability"];

/// A small deterministic generator (xorshift), so every run writes the same file.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let out = args.next().expect("usage: study_library OUT.json [speeches]");
    let n: usize = args.next().map(|a| a.parse().expect("a number")).unwrap_or(500);
    let pool: Vec<&str> = SPEECH
        .lines()
        .map(str::trim)
        .filter(|l| l.chars().count() > 40)
        .collect();
    let coders = [
        AnnotationSet::new("c-study-li", "李明", "#2f6fdb", SetKind::Coder),
        AnnotationSet::new("c-study-wang", "王芳", "#d9731a", SetKind::Coder),
        AnnotationSet::new("c-study-chen", "陈静", "#1f9d63", SetKind::Coder),
    ];
    let (mut text_units, mut store_units) = (0usize, 0usize);
    let mut docs = Vec::with_capacity(n);
    for i in 0..n {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (i as u64 + 1));
        let mut text = format!(
            "第{i}号讲话（研究样本）\n时间:2022-{:02}-{:02}\n",
            1 + i % 12,
            1 + i % 28
        );
        let mut k = 0;
        while text.chars().count() < 10_000 {
            text.push_str(&format!("{}（{i}-{k}）\n", pool[rng.below(pool.len())]));
            k += 1;
        }
        let doc = Document::parse(&text);
        let mut store = Store::new("r-study", &coders[0]);
        for c in &coders[1..] {
            store.apply(Command::AddSet(Box::new(c.clone()))).expect("set");
        }
        let mut at = 1;
        for b in doc.taggable() {
            for c in &coders {
                // Each coder tags about four paragraphs in ten, mostly alike.
                if rng.below(10) < 4 {
                    let theme = THEMES[(b.index + rng.below(2)) % THEMES.len()];
                    store
                        .apply(Command::Tag {
                            set: c.id.clone(),
                            block: b.id.clone(),
                            theme: theme.into(),
                            present: true,
                            how: TagOrigin::Hand,
                            at,
                        })
                        .expect("tag");
                    at += 1;
                }
            }
        }
        // Every coder read the whole speech: done (the corpus takes it in).
        for c in &coders {
            store
                .apply(Command::SetStatus {
                    set: c.id.clone(),
                    status: Some(Status::Done),
                })
                .expect("status");
        }
        text_units += text.encode_utf16().count();
        store_units += encode_store(&store, &doc.fingerprint).encode_utf16().count();
        let source = Source::Imported {
            name: format!("speech-{i:03}.txt"),
        };
        docs.push(LibraryDoc {
            entry: Entry::for_document(&doc, source, 1_700_000_000_000 + i as u64),
            text: Some(text),
            store: Some(store),
        });
    }
    let file = export_library(&docs, "2026-11-30T00:00:00Z", "c-study-exporter");
    std::fs::write(&out, &file).expect("write");
    println!(
        "{out}: {n} speeches, {} bytes; texts {text_units} and annotations {store_units} UTF-16 units",
        file.len()
    );
}
