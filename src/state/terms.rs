//! Key terms and theme suggestions of the open document.

use super::*;

use annotator_core::terms::Analyser;

/// Blocks cut per slice when analysing a long document: each slice is a
/// task of a few tens of milliseconds, so the page answers in between.
const SLICE_BLOCKS: usize = 1000;

impl AppState {
    /// Segments the open document and ranks its key terms. The segmenter is
    /// built once, on first use, after the text is on screen. A long
    /// document is cut in slices of [`SLICE_BLOCKS`] blocks, each its own
    /// task, with a progress line; a newer call (another document, new
    /// settings) supersedes one still running.
    pub fn analyse(&self) {
        if self.segmenter.with_value(Option::is_none) {
            let mut s = Segmenter::new();
            s.with_words(&self.user_settings.with_untracked(|u| u.words.clone()));
            self.segmenter.set_value(Some(Arc::new(s)));
        }
        let Some(segmenter) = self.segmenter.get_value() else {
            return;
        };
        let settings = self.doc_settings.with_untracked(|d| d.terms.clone());
        let doc = self.doc.get_untracked();
        let run = self.analysis_run.get_value() + 1;
        self.analysis_run.set_value(run);
        let mut analyser = Analyser::new(&settings);
        if doc.blocks.len() <= SLICE_BLOCKS {
            self.analysis.set(Some(Arc::new(analyser.finish(&segmenter, &doc))));
            return;
        }
        let this = *self;
        analyser.step(&segmenter, &doc, SLICE_BLOCKS);
        this.show_analysis_progress(&analyser, &doc);
        set_timeout(
            move || this.analyse_slice(run, segmenter, doc, analyser),
            Duration::from_millis(0),
        );
    }

    fn analyse_slice(self, run: u64, segmenter: Arc<Segmenter>, doc: Arc<Document>, mut analyser: Analyser) {
        if self.analysis_run.get_value() != run {
            return;
        }
        if analyser.step(&segmenter, &doc, SLICE_BLOCKS) {
            self.progress
                .set(Some("正在排列关键词… · Ranking key terms…".to_string()));
            // The ranking is one task of its own, after the line is shown.
            request_animation_frame(move || {
                set_timeout(
                    move || {
                        if self.analysis_run.get_value() == run {
                            self.analysis.set(Some(Arc::new(analyser.finish(&segmenter, &doc))));
                            self.progress.set(None);
                        }
                    },
                    Duration::from_millis(0),
                )
            });
            return;
        }
        self.show_analysis_progress(&analyser, &doc);
        set_timeout(
            move || self.analyse_slice(run, segmenter, doc, analyser),
            Duration::from_millis(0),
        );
    }

    fn show_analysis_progress(&self, analyser: &Analyser, doc: &Document) {
        let (done, total) = analyser.progress(doc);
        self.progress.set(Some(format!(
            "正在分词：{done} / {total} 段 · Segmenting: {done} of {total} blocks"
        )));
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
        // The segmenter learns the word: rebuild it with the dictionary.
        self.segmenter.set_value(None);
        self.update_terms(|t| {
            t.curation.dropped.retain(|d| *d != phrase);
            if !t.curation.added.contains(&phrase) {
                t.curation.added.push(phrase.clone());
            }
        });
    }

    /// Takes a phrase out of the user dictionary (and out of this document's
    /// added terms): the segmenter is rebuilt without it.
    pub fn remove_phrase(&self, phrase: &str) {
        self.user_settings.update(|u| u.words.retain(|w| w != phrase));
        self.save_user_settings();
        self.segmenter.set_value(None);
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
