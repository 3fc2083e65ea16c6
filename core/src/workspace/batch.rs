//! A team's round of coding in one step: several annotation files (or one
//! zip of them) read together, each routed to its document by fingerprint,
//! each coder a set side by side, one preview and one undo.
//!
//! [`Workspace::read_batch`] reads every file and says where it would go
//! (the open document, a library document, or a new document made from
//! the text the file carries) or why it cannot; nothing is written.
//! [`Workspace::apply_batch`] applies what was read, all or nothing, and
//! returns the values it replaced, which
//! [`Workspace::undo_library_import`] puts back.

use std::collections::BTreeMap;
use std::io::Read;

use crate::document::Document;
use crate::exchange::{plan, Applied, ImportError, Incoming, Mode};
use crate::formats;
use crate::library::{self, Entry, Source};
use crate::persist::{self, KeyValue};
use crate::store::Store;

use super::{LibraryUndo, Workspace};

/// One file as the user picked it: its name and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchInput {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Where a file's codings go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The document open on the page.
    Open,
    /// A document the library holds.
    Library,
    /// A document not in the library yet, made from the text the file carries.
    New,
}

/// A file (or a REFI-QDA project's text source) read and routed.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchItem {
    /// The file's name (inside a zip: `zip name › entry name`).
    pub file: String,
    pub format: &'static str,
    pub fingerprint: String,
    /// The document's title (the library's name for it, else the file's).
    pub title: String,
    pub target: Target,
    /// The coders the file brings, by name.
    pub coders: Vec<String>,
    /// Their set ids (a coder is their id: two of one name are two coders).
    pub coder_ids: Vec<String>,
    /// Tags the file brings (present themes on paragraphs).
    pub codings: usize,
    incoming: Incoming,
    /// The text, for a new document.
    text: Option<String>,
}

/// A file that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchProblem {
    pub file: String,
    pub error: ImportError,
}

/// Everything a batch of files would do, before anything is written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Batch {
    pub items: Vec<BatchItem>,
    pub problems: Vec<BatchProblem>,
}

impl Batch {
    /// Distinct documents the batch touches.
    pub fn documents(&self) -> usize {
        let mut fps: Vec<&str> = self.items.iter().map(|i| i.fingerprint.as_str()).collect();
        fps.sort_unstable();
        fps.dedup();
        fps.len()
    }

    /// Distinct coders the batch brings, by id, each with the name the
    /// first file gives (sorted by id).
    pub fn coders(&self) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = self
            .items
            .iter()
            .flat_map(|i| i.coder_ids.iter().cloned().zip(i.coders.iter().cloned()))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all.dedup_by(|a, b| a.0 == b.0);
        all
    }
}

/// What [`Workspace::apply_batch`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchApplied {
    /// Documents changed, and of them added to the library.
    pub documents: usize,
    pub added: usize,
    /// Summed over the files.
    pub applied: Applied,
    /// The open document's stored annotations changed (the page reloads them).
    pub open_changed: bool,
    pub undo: LibraryUndo,
}

/// A document a batch's file goes to: where, its parsed text, its
/// annotations and its title.
type TargetOf = (Target, Document, Store, String);
/// Documents looked up while reading a batch, by fingerprint.
type Targets = BTreeMap<String, Option<TargetOf>>;

/// Files at most in one batch (a zip's entries count one by one).
pub const MAX_BATCH_FILES: usize = 2000;

/// The files of a batch with every zip that is not a REFI-QDA project
/// opened: its files (not folders, not hidden entries) take its place,
/// named `zip › entry`. A zip that cannot be read is a problem, not an
/// error of the batch.
pub fn expand_zips(files: Vec<BatchInput>) -> (Vec<BatchInput>, Vec<BatchProblem>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for f in files {
        if formats::detect(&f.bytes) != formats::Detected::Zip || is_project(&f) {
            out.push(f);
            continue;
        }
        match unzip(&f) {
            Ok(entries) => out.extend(entries),
            Err(error) => problems.push(BatchProblem { file: f.name, error }),
        }
    }
    if out.len() > MAX_BATCH_FILES {
        let extra = out.split_off(MAX_BATCH_FILES);
        problems.extend(extra.into_iter().map(|f| BatchProblem {
            file: f.name,
            error: ImportError::Refused(format!(
                "一次最多导入 {MAX_BATCH_FILES} 个文件 · at most {MAX_BATCH_FILES} files in one import"
            )),
        }));
    }
    (out, problems)
}

/// Whether a file is a bundle of files (a zip that is not a REFI-QDA
/// project): picked alone, it is still read as a batch.
pub fn is_bundle(f: &BatchInput) -> bool {
    formats::detect(&f.bytes) == formats::Detected::Zip && !is_project(f)
}

/// A zip that holds a `.qde` is a REFI-QDA project, read as one.
fn is_project(f: &BatchInput) -> bool {
    let lower = f.name.to_lowercase();
    if lower.ends_with(".qdpx") {
        return true;
    }
    zip::ZipArchive::new(std::io::Cursor::new(&f.bytes)).is_ok_and(|z| {
        z.file_names()
            .any(|n| n.is_ok_and(|n| n.to_lowercase().ends_with(".qde")))
    })
}

fn unzip(f: &BatchInput) -> Result<Vec<BatchInput>, ImportError> {
    let bad = |e: zip::result::ZipError| ImportError::Refused(format!("zip: {e}"));
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(&f.bytes)).map_err(bad)?;
    let mut out = Vec::new();
    let mut total = 0usize;
    for i in 0..z.len() {
        let mut entry = z.by_index(i).map_err(bad)?;
        let name = entry.name().map_err(bad)?.to_string();
        let base = name.rsplit('/').next().unwrap_or(&name);
        if entry.is_dir() || base.is_empty() || base.starts_with('.') || name.starts_with("__MACOSX") {
            continue;
        }
        // Sizes are checked as read, whatever the zip declares.
        let limit = crate::exchange::MAX_IMPORT_BYTES as u64 + 1;
        let mut bytes = Vec::new();
        (&mut entry)
            .take(limit)
            .read_to_end(&mut bytes)
            .map_err(|e| ImportError::Refused(format!("zip: {e}")))?;
        total += bytes.len();
        if bytes.len() as u64 >= limit || total > crate::exchange::MAX_IMPORT_BYTES * 8 {
            return Err(ImportError::TooLarge(total));
        }
        out.push(BatchInput {
            name: format!("{} › {name}", f.name),
            bytes,
        });
    }
    Ok(out)
}

fn codings(incoming: &Incoming) -> usize {
    incoming.sets.iter().map(|s| s.tags.len()).sum()
}

impl<K: KeyValue> Workspace<K> {
    /// Reads a batch of files (zips opened, see [`expand_zips`]) against
    /// the library: each file's document found by the fingerprint it
    /// names; a file for a document the library lacks is read onto the
    /// text it carries (a new document) or refused, saying so, when it
    /// carries none. A
    /// REFI-QDA project gives one item per readable text source. `open` is
    /// the open document's store. Nothing is written.
    pub fn read_batch(&self, files: Vec<BatchInput>, open: &Store) -> Batch {
        let (files, mut problems) = expand_zips(files);
        let mut items = Vec::new();
        let mut waiting = Vec::new();
        let none = BTreeMap::new();
        // Each document parsed and its annotations read once, however many
        // files are for it.
        let mut targets = Targets::new();
        for f in files {
            match self.read_one(&f, open, &none, &mut targets) {
                Ok(mut read) => items.append(&mut read),
                Err(error) => waiting.push((f, error)),
            }
        }
        // A file without its text may be for a document another file of
        // the same batch brings (only one coder ticked "include the text").
        let texts: BTreeMap<String, String> = items
            .iter()
            .filter_map(|i: &BatchItem| i.text.clone().map(|t| (i.fingerprint.clone(), t)))
            .collect();
        for (f, first) in waiting {
            match self.read_one(&f, open, &texts, &mut targets) {
                Ok(mut read) => items.append(&mut read),
                Err(_) => problems.push(BatchProblem {
                    file: f.name,
                    error: first,
                }),
            }
        }
        Batch { items, problems }
    }

    /// The document and store a fingerprint names: the open one, a library
    /// one (its stored annotations), or none.
    fn target_of(&self, fp: &str, open: &Store) -> Option<TargetOf> {
        if fp == self.doc.fingerprint {
            let title = self
                .library
                .get(fp)
                .map(|e| e.title.clone())
                .or_else(|| self.doc.title.clone());
            return Some((
                Target::Open,
                (*self.doc).clone(),
                open.clone(),
                title.unwrap_or_default(),
            ));
        }
        let entry = self.library.get(fp)?;
        let text = self.read_text(fp).ok()?;
        let doc = Document::parse(&text);
        let store = self.stored(fp)?;
        Some((Target::Library, doc, store, entry.title.clone()))
    }

    /// A library document's stored annotations (a fresh store if it has
    /// none); `None` when they cannot be read.
    fn stored(&self, fp: &str) -> Option<Store> {
        match self.kv.get(&persist::annotations_key(fp)).ok().flatten() {
            Some(raw) => persist::decode_store(&raw, fp, &self.replica).value,
            None => Some(Store::new(&self.replica, &self.profile.own_set())),
        }
    }

    /// Reads one file; `texts` are documents (by fingerprint) other files
    /// of the batch bring, for a file that does not carry its own text.
    /// [`Workspace::target_of`], each fingerprint looked up once.
    fn cached_target<'t>(&self, fp: &str, open: &Store, targets: &'t mut Targets) -> Option<&'t TargetOf> {
        targets
            .entry(fp.to_string())
            .or_insert_with(|| self.target_of(fp, open))
            .as_ref()
    }

    fn read_one(
        &self,
        f: &BatchInput,
        open: &Store,
        texts: &BTreeMap<String, String>,
        targets: &mut Targets,
    ) -> Result<Vec<BatchItem>, ImportError> {
        let read = formats::read_file(&f.name, &f.bytes, &self.doc, open)?;
        if let Some(project) = read.project {
            let mut items = Vec::new();
            for i in project.default_picks() {
                let source = &project.sources[i];
                let Some(text) = source.text.clone() else { continue };
                let doc = Document::parse(&text);
                let (target, store, title) = match self.cached_target(&doc.fingerprint, open, targets) {
                    Some((t, _, s, title)) => (*t, s.clone(), title.clone()),
                    None => (
                        Target::New,
                        Store::new(&self.replica, &self.profile.own_set()),
                        source.name.clone(),
                    ),
                };
                let incoming = project.incoming(i, &doc, &store)?;
                items.push(BatchItem {
                    file: format!("{} › {}", f.name, source.name),
                    format: incoming.format,
                    fingerprint: doc.fingerprint.clone(),
                    title,
                    target,
                    coders: incoming.sets.iter().map(|s| s.name.clone()).collect(),
                    coder_ids: incoming.sets.iter().map(|s| s.id.clone()).collect(),
                    codings: codings(&incoming),
                    text: (target == Target::New).then_some(text),
                    incoming,
                });
            }
            return Ok(items);
        }
        let first = read.incoming;
        let fp = first.document.fingerprint.clone();
        let (target, incoming, title, text) = match self.target_of(&fp, open) {
            Some((Target::Open, _, _, title)) => (Target::Open, first, title, None),
            // Read again against its own document and store.
            Some((t, doc, store, title)) => (
                t,
                formats::read_file(&f.name, &f.bytes, &doc, &store)?.incoming,
                title,
                None,
            ),
            None => {
                let Some(text) = first.document.text.clone().or_else(|| texts.get(&fp).cloned()) else {
                    return Err(ImportError::Refused(
                        "文件所属的文档不在文档库中，文件也未附全文：请先打开该文档，或导出时附上全文 · \
                         The file's document is not in the library and the file does not carry its text: \
                         open that document first, or export with the text included"
                            .into(),
                    ));
                };
                let doc = Document::parse(&text);
                if doc.fingerprint != fp {
                    return Err(ImportError::Refused(
                        "文件附带的全文与其指纹不符 · The text the file carries does not match its fingerprint".into(),
                    ));
                }
                let store = Store::new(&self.replica, &self.profile.own_set());
                let incoming = formats::read_file(&f.name, &f.bytes, &doc, &store)?.incoming;
                let title = first
                    .document
                    .title
                    .clone()
                    .or_else(|| doc.title.clone())
                    .unwrap_or_else(|| f.name.clone());
                (Target::New, incoming, title, Some(text))
            }
        };
        Ok(vec![BatchItem {
            file: f.name.clone(),
            format: incoming.format,
            fingerprint: fp,
            title,
            target,
            coders: incoming.sets.iter().map(|s| s.name.clone()).collect(),
            coder_ids: incoming.sets.iter().map(|s| s.id.clone()).collect(),
            codings: codings(&incoming),
            text,
            incoming,
        }])
    }

    /// Applies a batch [`Workspace::read_batch`] read: every item's coders
    /// side by side on its document (a coder already there, by id, is
    /// updated), new documents added to the library with their text, the
    /// open document's annotations written too (`open` is its store as the
    /// page holds it; the page reloads it). All or nothing: a write the
    /// storage refuses takes back everything written and is returned as
    /// [`ImportError::Refused`]. The undo puts back every value replaced.
    pub fn apply_batch(
        &mut self,
        batch: &Batch,
        open: &Store,
        own: &str,
        now_ms: u64,
    ) -> Result<BatchApplied, ImportError> {
        let before = self.library.clone();
        // Per document: its parsed text, its store, what was applied.
        let mut stores: BTreeMap<String, (Document, Store, Target)> = BTreeMap::new();
        let mut applied = Applied::default();
        for item in &batch.items {
            if !stores.contains_key(&item.fingerprint) {
                let loaded = match item.target {
                    Target::New => {
                        let text = item.text.as_deref().unwrap_or_default();
                        let store = Store::new(&self.replica, &self.profile.own_set());
                        (Document::parse(text), store, Target::New)
                    }
                    _ => match self.target_of(&item.fingerprint, open) {
                        Some((t, doc, store, _)) => (doc, store, t),
                        None => return Err(ImportError::StoredUnreadable),
                    },
                };
                stores.insert(item.fingerprint.clone(), loaded);
            }
            let (doc, store, _) = stores.get_mut(&item.fingerprint).expect("inserted above");
            let cmd = plan(&item.incoming, Mode::SideBySide, doc, store, own);
            applied.add(Applied::of(&cmd));
            store.apply(cmd).map_err(|e| ImportError::Refused(e.message()))?;
        }
        let mut values: Vec<(String, Option<String>)> = Vec::new();
        let mut added = 0;
        let mut open_changed = false;
        for (fp, (doc, store, target)) in &stores {
            let mut writes = Vec::new();
            if *target == Target::New && self.library.get(fp).is_none() {
                writes.push((library::doc_key(fp), library::encode_text(fp, &doc.text)));
                let title = batch
                    .items
                    .iter()
                    .find(|i| &i.fingerprint == fp)
                    .map(|i| i.title.clone())
                    .unwrap_or_default();
                let mut entry = Entry::for_document(doc, Source::Imported { name: title.clone() }, now_ms);
                if !title.trim().is_empty() {
                    entry.title = title.trim().chars().take(200).collect();
                }
                self.library.upsert(entry);
                added += 1;
            }
            open_changed |= *target == Target::Open;
            writes.push((persist::annotations_key(fp), persist::encode_store(store, fp)));
            for (k, v) in writes {
                values.push((k.clone(), self.kv.get(&k).ok().flatten()));
                if let Err(e) = self.kv.set(&k, &v) {
                    let undo = LibraryUndo {
                        values,
                        library: before,
                    };
                    self.undo_library_import(&undo, now_ms);
                    let error = ImportError::Refused(e.message());
                    self.fail(e);
                    return Err(error);
                }
            }
        }
        self.save_library(now_ms);
        Ok(BatchApplied {
            documents: stores.len(),
            added,
            applied,
            open_changed,
            undo: LibraryUndo {
                values,
                library: before,
            },
        })
    }
}
