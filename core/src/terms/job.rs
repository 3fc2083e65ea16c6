//! Key terms as a job for a worker: what the page asks ([`Job`]), what the
//! worker answers ([`Reply`]), and the worker's side of it ([`Engine`]: the
//! [`Segmenter`] built from a dictionary supplied at run time, following the
//! user's word list).
//!
//! The page never holds the dictionary: it sends the analysed blocks, the
//! term settings and the user's words, and gets the [`Analysis`] back.
//! Messages travel as JSON strings (`serde_json`), so both ends are plain
//! Rust and the protocol is tested natively; nothing here touches a browser.
//!
//! ```text
//!  page                                   worker
//!   │ ◄──────────────── Started ──────────  (code running; jobs wait for the dictionary)
//!   │ ── Job { id, blocks, settings, words, reference? } ─►
//!   │ ◄──────────────── Ready(timings) ───  (dictionary fetched, inflated, built)
//!   │ ◄──────────────── Done { id, analysis, ms }
//!   │ ◄──────────────── Failed(error) ────  (no dictionary, an unreadable message)
//! ```

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Analysis, DictionaryError, Reference, Segmenter, TermSettings};
use crate::document::Document;

/// One request for key terms: everything [`Segmenter::analyse`] reads of a
/// document, its settings, and the user's dictionary words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Grows with every job the page sends; the reply carries it back, so
    /// the page keeps only the answer to its latest job (a document opened
    /// meanwhile never gets the previous one's marks).
    pub id: u64,
    /// The analysed blocks (title, headings, paragraphs) as
    /// `(index in the document, text)`, in document order.
    pub blocks: Vec<(usize, String)>,
    /// How many blocks the document has (the length of `Analysis::marks`).
    pub block_count: usize,
    pub settings: TermSettings,
    /// The user's dictionary words, cut whole in every document
    /// (`UserSettings::words`).
    pub words: Vec<String>,
    /// The library's other documents, summed ([`Reference::from_counts`]),
    /// for keyness; none when the library holds only this document. Jobs
    /// sent before the field existed read as none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Reference>,
    /// The library's other documents as `(fingerprint, text)`, sent when
    /// the settings ask for keyness and no `reference` is given: the
    /// worker counts each once (cached by fingerprint while the user's
    /// words stay the same) and sums them into the reference.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub library: Vec<(String, String)>,
}

impl Job {
    /// The job for a document: its analysed blocks, copied.
    pub fn new(id: u64, doc: &Document, settings: &TermSettings, words: &[String]) -> Job {
        Job {
            id,
            blocks: doc
                .blocks
                .iter()
                .filter(|b| b.kind.is_analysed())
                .map(|b| (b.index, b.text.clone()))
                .collect(),
            block_count: doc.blocks.len(),
            settings: settings.clone(),
            words: words.to_vec(),
            reference: None,
            library: Vec::new(),
        }
    }

    /// The job with the library's other documents, `(fingerprint, text)`,
    /// to be counted by the worker for keyness (see [`Job::library`]).
    pub fn with_library(mut self, library: Vec<(String, String)>) -> Job {
        self.library = library;
        self
    }

    /// The job compared with a reference (see [`Job::reference`]); an
    /// empty reference is none.
    pub fn with_reference(mut self, reference: Reference) -> Job {
        self.reference = (!reference.is_empty()).then_some(reference);
        self
    }

    /// The message text (JSON).
    pub fn to_json(&self) -> String {
        // Strings, numbers and enums only: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a message text. Errors: [`TermsError::Message`] with serde's
    /// reason when it is not a job.
    pub fn from_json(text: &str) -> Result<Job, TermsError> {
        serde_json::from_str(text).map_err(|e| TermsError::Message(e.to_string()))
    }
}

/// How long the worker took to get its dictionary ready, in milliseconds
/// (the worker's clock), and the dictionary's size in characters.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Timings {
    /// Fetching and inflating the compressed dictionary.
    pub fetch_ms: f64,
    /// Building the segmenter and the IDF table from the text.
    pub build_ms: f64,
    /// Characters of the inflated dictionary.
    pub chars: usize,
}

/// What the worker sends the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Reply {
    /// The worker's code runs and takes jobs from now on; they wait for the
    /// dictionary if it is still loading. Jobs posted before this could be lost.
    Started,
    /// The dictionary is loaded.
    Ready(Timings),
    /// The key terms of job `id`, and how long the analysis took (ms).
    Done { id: u64, analysis: Analysis, ms: f64 },
    /// No key terms can be had: the dictionary did not load, or a message
    /// could not be read. The page says so and works on without them.
    Failed(TermsError),
}

impl Reply {
    /// The message text (JSON).
    pub fn to_json(&self) -> String {
        // Weights are finite (normalised scores), so this cannot fail; an
        // empty text would be reported by the page as an unreadable message.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a message text. Errors: [`TermsError::Message`] when it is not a reply.
    pub fn from_json(text: &str) -> Result<Reply, TermsError> {
        serde_json::from_str(text).map_err(|e| TermsError::Message(e.to_string()))
    }
}

/// Why the page has no key terms. Each carries the browser's or the
/// parser's own words, shown after the bilingual explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TermsError {
    /// The worker could not be started, or stopped with an error.
    Worker(String),
    /// The dictionary file could not be fetched or inflated (offline, a
    /// missing file, a page opened where workers cannot fetch).
    Fetch(String),
    /// The dictionary file arrived but is not usable.
    Dictionary(DictionaryError),
    /// A message between the page and the worker could not be read.
    Message(String),
}

impl TermsError {
    /// The notice shown to the user: `中文 · English`, saying that the rest
    /// of the page works on.
    pub fn message(&self) -> String {
        let (zh, en, detail) = match self {
            TermsError::Worker(d) => ("关键词线程无法运行", "the key-term worker could not run", d.clone()),
            TermsError::Fetch(d) => (
                "无法加载分词词典",
                "the segmentation dictionary could not be loaded",
                d.clone(),
            ),
            TermsError::Dictionary(e) => ("分词词典不可用", "the segmentation dictionary is unusable", e.message()),
            TermsError::Message(d) => (
                "关键词线程的消息无法读取",
                "a key-term message could not be read",
                d.clone(),
            ),
        };
        format!("关键词不可用：{zh}；阅读与标注不受影响 · Key terms unavailable: {en}; reading and tagging work as usual ({detail})")
    }
}

/// The worker's segmenter: built once from the dictionary text, and kept
/// in step with the user's words across jobs.
pub struct Engine {
    /// Kept to rebuild from when a word is taken out (jieba cannot forget
    /// one); shared with the segmenter's IDF table.
    dictionary: Arc<str>,
    segmenter: Segmenter,
    /// The words the segmenter has been given, in the order given.
    words: Vec<String>,
    rebuilds: usize,
    /// Term counts of library documents by fingerprint, for keyness; valid
    /// for the words above (emptied when they change).
    counts: std::collections::HashMap<String, super::Counts>,
}

impl Engine {
    /// Builds the segmenter from the dictionary text (see
    /// [`Segmenter::from_dictionary`] for the format and the errors).
    pub fn load(dictionary: String) -> Result<Engine, DictionaryError> {
        let dictionary: Arc<str> = Arc::from(dictionary);
        let segmenter = Segmenter::from_shared(dictionary.clone())?;
        Ok(Engine {
            dictionary,
            segmenter,
            words: Vec::new(),
            rebuilds: 0,
            counts: std::collections::HashMap::new(),
        })
    }

    /// Analyses a job's blocks with the job's words: words new to the
    /// segmenter are added; if one was taken out, the segmenter is rebuilt
    /// from the dictionary with exactly the job's words.
    pub fn run(&mut self, job: &Job) -> Analysis {
        self.follow(&job.words);
        let blocks: Vec<(usize, &str)> = job.blocks.iter().map(|(i, t)| (*i, t.as_str())).collect();
        let from_library = if job.reference.is_none() && !job.library.is_empty() {
            for (fp, text) in &job.library {
                if !self.counts.contains_key(fp) {
                    let counts = self.segmenter.counts(&Document::parse(text));
                    self.counts.insert(fp.clone(), counts);
                }
            }
            let reference = Reference::from_counts(job.library.iter().filter_map(|(fp, _)| self.counts.get(fp)));
            (!reference.is_empty()).then_some(reference)
        } else {
            None
        };
        let reference = job.reference.as_ref().or(from_library.as_ref());
        self.segmenter
            .analyse_blocks_with(&blocks, job.block_count, &job.settings, reference)
    }

    /// How often the segmenter was rebuilt because a word was taken out.
    pub fn rebuilds(&self) -> usize {
        self.rebuilds
    }

    /// The segmenter as it stands (for cutting text).
    pub fn segmenter(&self) -> &Segmenter {
        &self.segmenter
    }

    fn follow(&mut self, words: &[String]) {
        if self.words == words {
            return;
        }
        if self.words.iter().all(|w| words.contains(w)) {
            let new: Vec<String> = words.iter().filter(|w| !self.words.contains(w)).cloned().collect();
            self.segmenter.with_words(&new);
        } else if let Ok(mut fresh) = Segmenter::from_shared(self.dictionary.clone()) {
            // The text loaded once already, so this cannot fail; if it did,
            // the old segmenter (one word too many) would stay.
            fresh.with_words(words);
            self.segmenter = fresh;
            self.rebuilds += 1;
        }
        self.words = words.to_vec();
        // Counts were cut with the old words.
        self.counts.clear();
    }
}
