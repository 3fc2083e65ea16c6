//! Key terms and theme suggestions of the open document.

use annotator_core::terms::job::{Job, Reply, TermsError};

use super::*;
use crate::terms_worker::TermsWorker;

/// How long the worker may take to fetch and build its dictionary before
/// the page says key terms are unavailable (a download that never answers).
const DICTIONARY_WAIT: Duration = Duration::from_secs(60);

/// The progress line while the worker finds a long document's key terms.
const TERMS_PROGRESS: &str = "正在分析关键词… · Finding key terms…";

impl AppState {
    /// Takes over the key-term worker the page started (it fetches its
    /// dictionary while the page's wasm compiles and the text renders), or
    /// starts it, and asks it for the open document's terms. A worker that
    /// cannot start is reported; the page works on without terms.
    pub fn start_terms(&self) {
        let this = *self;
        match TermsWorker::spawn(move |reply| this.on_terms_reply(reply)) {
            Ok((worker, said)) => {
                self.terms_worker.set_value(Some(worker));
                for reply in said {
                    self.on_terms_reply(reply);
                }
            }
            Err(e) => self.terms_failed(e),
        }
        let this = *self;
        set_timeout(
            move || {
                if !this.terms_ready.get_value() {
                    this.terms_failed(TermsError::Fetch(format!(
                        "{} 秒内未收到词典 · no dictionary within {} s",
                        DICTIONARY_WAIT.as_secs(),
                        DICTIONARY_WAIT.as_secs()
                    )));
                }
            },
            DICTIONARY_WAIT,
        );
        self.analyse();
    }

    /// Asks the worker for the open document's key terms with the current
    /// settings and the user's words (so an added or removed phrase is
    /// cut, or no longer cut, whole). The answer replaces `analysis` when
    /// it comes, unless a later job was sent meanwhile.
    pub fn analyse(&self) {
        if self.terms_error.with_untracked(Option::is_some) {
            return;
        }
        let id = self.terms_job.get_value() + 1;
        self.terms_job.set_value(id);
        let settings = self.doc_settings.with_untracked(|d| d.terms.clone());
        // The built-in speech under the default settings: the build's terms.
        if settings == TermSettings::default() && self.user_settings.with_untracked(|u| u.words.is_empty()) {
            let fingerprint = self.doc.with_untracked(|d| d.fingerprint.clone());
            if let Some(analysis) = crate::prerendered::analysis_for(&fingerprint) {
                self.analysis.set(Some(Arc::new(analysis)));
                return;
            }
        }
        // Keyness reads the library's other documents (the worker counts
        // each once and keeps the counts).
        let library = if settings.method == annotator_core::terms::Method::Keyness {
            self.ws.with_value(|w| w.reference_texts())
        } else {
            Vec::new()
        };
        let (job, long) = self.user_settings.with_untracked(|u| {
            self.doc.with_untracked(|d| {
                let long = d.blocks.len() > LONG_DOCUMENT;
                (
                    Job::new(id, d, &settings, &u.words).with_library(library).to_json(),
                    long,
                )
            })
        });
        let mut sent = false;
        self.terms_worker.update_value(|w| {
            if let Some(w) = w {
                w.send(job);
                sent = true;
            }
        });
        if sent && long && self.progress.with_untracked(Option::is_none) {
            self.progress.set(Some(TERMS_PROGRESS.to_string()));
        }
    }

    fn on_terms_reply(&self, reply: Result<Reply, TermsError>) {
        match reply {
            Ok(Reply::Started) => self.terms_worker.update_value(|w| {
                if let Some(w) = w {
                    w.started();
                }
            }),
            Ok(Reply::Ready(t)) => {
                self.terms_ready.set_value(true);
                crate::terms_worker::record_timing("fetchMs", t.fetch_ms);
                crate::terms_worker::record_timing("buildMs", t.build_ms);
            }
            Ok(Reply::Done { id, analysis, ms }) => {
                if id == self.terms_job.get_value() {
                    crate::terms_worker::record_timing("analyseMs", ms);
                    self.analysis.set(Some(Arc::new(analysis)));
                    self.end_progress(TERMS_PROGRESS);
                }
            }
            Ok(Reply::Failed(e)) | Err(e) => self.terms_failed(e),
        }
    }

    /// Says once why there are no key terms, and stops the worker.
    fn terms_failed(&self, e: TermsError) {
        if self.terms_error.with_untracked(Option::is_some) {
            return;
        }
        let message = e.message();
        self.end_progress(TERMS_PROGRESS);
        self.terms_error.set(Some(message.clone()));
        self.notify(Level::Error, message, None);
        self.terms_worker.update_value(|w| {
            if let Some(w) = w {
                w.close();
            }
        });
    }

    /// Changes the term settings or curation of the open document: saved, and
    /// the list re-ranked and re-highlighted at once.
    pub fn update_terms(&self, f: impl FnOnce(&mut TermSettings)) {
        self.doc_settings.update(|d| f(&mut d.terms));
        self.save_doc_settings();
        self.analyse();
    }

    /// Adds a phrase to the user dictionary (cut whole in every document) and
    /// lists it in this one.
    pub fn add_phrase(&self, phrase: &str) {
        let phrase = phrase.trim().to_string();
        if phrase.is_empty() || phrase.chars().count() > 40 || phrase.contains(char::is_whitespace) {
            self.notify(
                Level::Error,
                "短语须为 1–40 个字且不含空格 · A phrase is 1–40 characters without spaces".into(),
                None,
            );
            return;
        }
        self.user_settings.update(|u| {
            if !u.words.contains(&phrase) {
                u.words.push(phrase.clone());
            }
        });
        self.save_user_settings();
        // The next job carries the word: the worker's segmenter learns it.
        self.update_terms(|t| {
            t.curation.dropped.retain(|d| *d != phrase);
            if !t.curation.added.contains(&phrase) {
                t.curation.added.push(phrase.clone());
            }
        });
    }

    /// Takes a phrase out of the user dictionary (and out of this document's
    /// added terms): the worker rebuilds its segmenter without it.
    pub fn remove_phrase(&self, phrase: &str) {
        self.user_settings.update(|u| u.words.retain(|w| w != phrase));
        self.save_user_settings();
        self.update_terms(|t| t.curation.added.retain(|w| w != phrase));
    }

    /// The pending suggestions of one block, or of every block (`None`),
    /// optionally for one theme only. Untracked: for click handlers.
    pub fn pending_suggestions(&self, block: Option<&str>, theme: Option<&str>) -> Vec<Suggestion> {
        let own = self.own_set();
        self.candidates.with_untracked(|c| {
            let list: Vec<&Suggestion> = match block {
                Some(b) => c.get(b).into_iter().flatten().collect(),
                None => c.values().flatten().collect(),
            };
            let list = list.into_iter().filter(|s| theme.is_none_or(|t| s.theme == t));
            self.store.with_untracked(|s| {
                self.doc_settings
                    .with_untracked(|d| suggest::pending(list, s, &own, &d.rejected))
            })
        })
    }

    /// Accepts suggestions: tags marked as accepted suggestions, one undo step.
    pub fn accept_suggestions(&self, list: &[Suggestion]) {
        if list.is_empty() {
            return;
        }
        let own = self.own_set();
        let cmd = self
            .store
            .with_untracked(|s| suggest::accept_all(s, list, &own, now_ms() / 1000));
        self.apply(cmd);
    }

    /// Rejects a suggestion: it is not offered again for that paragraph.
    pub fn reject_suggestion(&self, pair: (String, String)) {
        self.doc_settings.update(|d| {
            d.rejected.insert(pair);
        });
        self.save_doc_settings();
    }
}
