//! One source of a REFI-QDA project mapped onto a document: its
//! selections to the paragraphs they cover, its codings to one set per
//! user, its notes to notes.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::guid::own_guids;
use super::project::{Project, ProjectSource, SourceKind};
use super::{ANONYMOUS, PROJECT_FORMAT};
use crate::compare::CONSENSUS;
use crate::document::{Block, Document, ParseOptions};
use crate::exchange::{ImportError, Incoming, IncomingDocument, IncomingSet, IncomingTag};
use crate::formats::locate::locate_block;
use crate::store::{SetKind, Status, Store, TagOrigin, MAX_NOTE};
use crate::text::{char_len, fingerprint};
use crate::themes::PALETTE;

/// A block of the source's own text: its char range there, and as a block
/// of the source parsed as a document.
struct SourceBlock<'d> {
    start: usize,
    end: usize,
    block: &'d Block,
}

/// The blocks of a source's parsed text with their ranges in the raw text,
/// so that positions counted in the raw text (as other tools count them,
/// with its line ends and indentation) find their paragraph.
fn source_blocks<'d>(raw: &str, parsed: &'d Document) -> Vec<SourceBlock<'d>> {
    let is_trim = |c: char| c.is_whitespace() || c == '\u{feff}' || c == '\u{200b}';
    let mut ranges = Vec::with_capacity(parsed.blocks.len());
    let mut offset = 0;
    // The raw lines as `normalized_lines` splits and trims them.
    for line in raw.split(['\n', '\r']) {
        let trimmed = line.trim_matches(is_trim);
        if !trimmed.is_empty() {
            let start = offset + char_len(&line[..line.len() - line.trim_start_matches(is_trim).len()]);
            ranges.push((start, start + char_len(trimmed)));
        }
        offset += char_len(line) + 1;
    }
    ranges
        .into_iter()
        .zip(&parsed.blocks)
        .map(|((start, end), block)| SourceBlock { start, end, block })
        .collect()
}

/// The blocks a selection `[start, end)` of the source codes:
///
/// - a selection within (part of) one paragraph codes that paragraph;
/// - one that spans several codes each paragraph it covers wholly or by at
///   least half of that paragraph's length;
/// - one that overlaps no paragraph (only line breaks, or an empty range)
///   or spans several without covering half of any codes none.
fn blocks_for<'d>(blocks: &[SourceBlock<'d>], start: usize, end: usize) -> Vec<&'d Block> {
    let first = blocks.partition_point(|b| b.end <= start);
    let hit: Vec<(&SourceBlock, usize)> = blocks[first..]
        .iter()
        .take_while(|b| b.start < end)
        .map(|b| (b, end.min(b.end).saturating_sub(start.max(b.start))))
        .filter(|(_, overlap)| *overlap > 0)
        .collect();
    match hit[..] {
        [(b, _)] => vec![b.block],
        _ => hit
            .iter()
            .filter(|(b, overlap)| *overlap * 2 >= b.end - b.start)
            .map(|(b, _)| b.block)
            .collect(),
    }
}

/// One incoming set as it is being built.
struct SetBuild {
    set: IncomingSet,
    tags: HashMap<(String, String), usize>,
}

/// The sets of an import, one per user, made on first sight.
struct Sets<'s> {
    list: Vec<SetBuild>,
    /// User GUID (empty: none) → index in `list`.
    by_user: HashMap<String, usize>,
    /// User GUID → name, from `<Users>`.
    users: &'s HashMap<String, String>,
    /// User GUID → id of the store's set this app exported it from.
    known: &'s HashMap<String, String>,
    /// User GUID → the coder id the file gives it (`User@id`).
    ids: &'s HashMap<String, String>,
    /// User GUID → colour the file gives it.
    colours: &'s HashMap<String, String>,
    store: &'s Store,
}

impl Sets<'_> {
    fn index(&mut self, user: Option<String>) -> usize {
        let key = user.clone().unwrap_or_default();
        if let Some(&i) = self.by_user.get(&key) {
            return i;
        }
        let name = user
            .as_ref()
            .and_then(|u| self.users.get(u))
            .filter(|n| !n.is_empty())
            .cloned()
            .unwrap_or_else(|| ANONYMOUS.to_string());
        let ours = user.as_ref().and_then(|u| self.known.get(u));
        // The coder id the file gives (never the consensus's, which only
        // its own GUID claims).
        let given = user
            .as_ref()
            .and_then(|u| self.ids.get(u))
            .filter(|id| id.as_str() != CONSENSUS);
        let id = match (ours, given, &user) {
            (Some(id), _, _) | (None, Some(id), _) => id.clone(),
            (None, None, Some(u)) => format!("refi-{u}"),
            (None, None, None) => "refi-anonymous".into(),
        };
        let color = user
            .as_ref()
            .and_then(|u| self.colours.get(u))
            .cloned()
            .or_else(|| ours.and_then(|id| self.store.sets.get(id)).map(|s| s.color.clone()))
            .unwrap_or_else(|| PALETTE[self.list.len() % PALETTE.len()].to_string());
        self.list.push(SetBuild {
            set: IncomingSet {
                id,
                name,
                color,
                kind: if ours.is_some_and(|id| id == CONSENSUS) {
                    SetKind::Consensus
                } else {
                    SetKind::Coder
                },
                tags: Vec::new(),
                notes: BTreeMap::new(),
                // Not-coded marks travel in the app's own file only.
                uncoded: Default::default(),
                status: None,
            },
            tags: HashMap::new(),
        });
        self.by_user.insert(key, self.list.len() - 1);
        self.list.len() - 1
    }
}

impl Project {
    /// What source `index` brings to the document `doc` (whose store is
    /// `store`, only read), as an [`Incoming`] that
    /// [`crate::exchange::plan`] applies.
    ///
    /// The source's selections are mapped to paragraphs of the source's own
    /// text: a selection within (part of) one paragraph codes that
    /// paragraph; one that spans several codes each paragraph it covers
    /// wholly or by at least half; one that overlaps none (only line
    /// breaks, an empty range) or covers no paragraph by half codes none.
    /// When that text is `doc`'s (same fingerprint) the paragraphs are
    /// `doc`'s; otherwise each is found in `doc` by its text
    /// ([`locate_block`]: text decides, position only breaks ties, so
    /// nothing of another document attaches by position) and the source's
    /// text is offered ([`IncomingDocument::text`]). A selection that fits
    /// no paragraph is kept on a synthetic block `unmatched:<n>`, which the
    /// preview counts and the import leaves out.
    ///
    /// Codings are grouped into sets by their `creatingUser` (one set per
    /// REFI `User`, named from `<Users>`); notes a selection points at
    /// (`NoteRef`) become notes on its paragraphs. A user this app exported
    /// (with the GUIDs of now or of earlier versions) keeps its set's id,
    /// and the consensus stays a consensus; a user with an `id` (as this
    /// app writes the coder's id) gets it as its set's id, so a coder is
    /// one coder in every document. A user's colour and status on the
    /// source come from the project's description and their status note
    /// (see `coders`); a user with a status but no coding in the source
    /// still gets a set, carrying the status. Every code of the project comes
    /// as a theme.
    ///
    /// # Errors
    /// [`ImportError::MissingEntry`] when the source is not a text source
    /// whose text the archive holds; [`ImportError::TooLong`] when notes
    /// folded onto one paragraph pass [`MAX_NOTE`] chars.
    pub fn incoming(&self, index: usize, doc: &Document, store: &Store) -> Result<Incoming, ImportError> {
        let source = self
            .sources
            .get(index)
            .ok_or_else(|| ImportError::MissingEntry("Sources".into()))?;
        let raw = source
            .text
            .as_deref()
            .ok_or_else(|| ImportError::MissingEntry(format!("Sources/{}", source.name)))?;
        let mut incoming = self.bare_incoming(doc);
        // The open document's own text is not parsed again (15,000 lines
        // would be): the same canonical text parses to the same document.
        let same = source.fingerprint.as_deref() == Some(doc.fingerprint.as_str());
        let other;
        let parsed = if same {
            doc
        } else {
            // Read as written, never joined: the project's positions count
            // into its text's own lines.
            other = Document::parse_with(raw, ParseOptions { join_wrapped: false }).document;
            &other
        };
        let same = same || parsed.fingerprint == doc.fingerprint;
        incoming.document = IncomingDocument {
            // Read with the project: hashing a long text again would take
            // a long document's import hundreds of milliseconds.
            fingerprint: source.fingerprint.clone().unwrap_or_else(|| fingerprint(raw)),
            title: Some(source.name.clone())
                .filter(|n| !n.is_empty())
                .or_else(|| parsed.title.clone()),
            date: parsed.date.clone(),
            text: (!same).then(|| raw.to_string()),
        };
        incoming.sets = self.sets_of(source, parsed, same, doc, store)?;
        Ok(incoming)
    }

    /// The project's codes and facts, without a source: what a project
    /// without a text source brings to `doc`.
    pub fn bare_incoming(&self, doc: &Document) -> Incoming {
        Incoming {
            annotator: self.annotator.clone(),
            exported_at: self.created.clone(),
            app: self.origin.clone(),
            themes: self.themes.clone(),
            codebook: self.codebook.clone(),
            ..Incoming::new(PROJECT_FORMAT, &doc.fingerprint)
        }
    }

    /// The sources picked by default in the preview: every text source
    /// whose text the archive holds (indices into [`Project::sources`]).
    pub fn default_picks(&self) -> BTreeSet<usize> {
        self.sources
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind == SourceKind::Text && s.text.is_some())
            .map(|(i, _)| i)
            .collect()
    }

    /// The sources that are not text, by kind, in the order of
    /// [`SourceKind`]: (kind, how many sources, how many codings they
    /// hold). Kinds the project lacks are left out.
    pub fn skipped_kinds(&self) -> Vec<(SourceKind, usize, usize)> {
        let mut out: BTreeMap<SourceKind, (usize, usize)> = BTreeMap::new();
        for s in self.sources.iter().filter(|s| s.kind != SourceKind::Text) {
            let e = out.entry(s.kind).or_default();
            e.0 += 1;
            e.1 += s.codings;
        }
        out.into_iter().map(|(k, (n, c))| (k, n, c)).collect()
    }

    /// Splits the picked sources between the open document (whose
    /// fingerprint is `open`) and the rest: the pick that is the open
    /// document's text, if any, and the others in order.
    pub fn split_picks(&self, picks: &BTreeSet<usize>, open: &str) -> (Option<usize>, Vec<usize>) {
        let is_open = |i: &usize| self.sources.get(*i).and_then(|s| s.fingerprint.as_deref()) == Some(open);
        let open_pick = picks.iter().copied().find(is_open);
        let others = picks.iter().copied().filter(|i| Some(*i) != open_pick).collect();
        (open_pick, others)
    }

    /// What the picked sources bring to the open document `doc`: the
    /// picked source that is its text, or, for a project without any text
    /// source, its codes alone; `None` when the open document gets nothing
    /// (the picks go to other documents).
    ///
    /// # Errors
    /// As [`Project::incoming`].
    pub fn for_open_document(
        &self,
        picks: &BTreeSet<usize>,
        doc: &Document,
        store: &Store,
    ) -> Result<Option<Incoming>, ImportError> {
        match self.split_picks(picks, &doc.fingerprint).0 {
            Some(i) => self.incoming(i, doc, store).map(Some),
            None if !self.sources.iter().any(|s| s.kind == SourceKind::Text) => Ok(Some(self.bare_incoming(doc))),
            None => Ok(None),
        }
    }

    /// The source that belongs to `doc`: the text source with its
    /// fingerprint, else the first text source with codings, else the
    /// first text source; `None` without a readable text source.
    pub fn source_for(&self, doc: &Document) -> Option<usize> {
        let readable = |s: &&ProjectSource| s.text.is_some();
        let sources = || self.sources.iter().enumerate().filter(|(_, s)| readable(s));
        sources()
            .find(|(_, s)| s.fingerprint.as_deref() == Some(doc.fingerprint.as_str()))
            .or_else(|| sources().find(|(_, s)| s.codings > 0))
            .or_else(|| sources().next())
            .map(|(i, _)| i)
    }

    fn sets_of(
        &self,
        source: &ProjectSource,
        parsed: &Document,
        same: bool,
        doc: &Document,
        store: &Store,
    ) -> Result<Vec<IncomingSet>, ImportError> {
        let raw = source.text.as_deref().unwrap_or("");
        let blocks = source_blocks(raw, parsed);
        // The consensus set is known by its GUID even to a store that has none
        // yet: a re-imported consensus stays a consensus, never a third coder.
        let known_sets: HashMap<String, String> = store
            .sets
            .keys()
            .map(String::as_str)
            .chain([CONSENSUS])
            .flat_map(|id| own_guids("user", id).map(|g| (g, id.to_string())))
            .collect();
        let mut sets = Sets {
            list: Vec::new(),
            by_user: HashMap::new(),
            users: &self.users_by_guid,
            known: &known_sets,
            ids: &self.user_ids,
            colours: &self.colours,
            store,
        };
        let mut unmatched = 0usize;
        for sel in &source.selections {
            let mut targets: Vec<String> = blocks_for(&blocks, sel.start, sel.end)
                .into_iter()
                .filter_map(|b| {
                    if same {
                        Some(b.id.clone())
                    } else {
                        locate_block(doc, Some(&b.text), Some(b.start), Some(b.end)).map(|d| d.id.clone())
                    }
                })
                .collect();
            targets.dedup();
            if targets.is_empty() {
                unmatched += 1;
                targets.push(format!("unmatched:{unmatched}"));
            }
            for coding in &sel.codings {
                let i = sets.index(coding.user.clone());
                let build = &mut sets.list[i];
                for theme in &coding.themes {
                    for block in &targets {
                        let key = (block.clone(), theme.clone());
                        match build.tags.get(&key) {
                            Some(&t) => build.set.tags[t].at = build.set.tags[t].at.max(coding.at),
                            None => {
                                build.tags.insert(key, build.set.tags.len());
                                build.set.tags.push(IncomingTag {
                                    block: block.clone(),
                                    theme: theme.clone(),
                                    at: coding.at,
                                    how: TagOrigin::Hand,
                                });
                            }
                        }
                    }
                }
            }
            for text in &sel.notes {
                let i = sets.index(sel.user.clone());
                for block in &targets {
                    let note = sets.list[i].set.notes.entry(block.clone()).or_default();
                    if note.split('\n').any(|l| l == text) {
                        continue;
                    }
                    if !note.is_empty() {
                        note.push('\n');
                    }
                    note.push_str(text);
                    if char_len(note) > MAX_NOTE {
                        return Err(ImportError::TooLong {
                            field: "Note".into(),
                            limit: MAX_NOTE,
                        });
                    }
                }
            }
        }
        // A coder's status on the source, even one who coded nothing in it
        // (done, having found no theme): their set is made for it.
        let mut statuses: Vec<(&String, &Status)> = source.statuses.iter().collect();
        statuses.sort();
        for (user, status) in statuses {
            let i = sets.index(Some(user.clone()));
            sets.list[i].set.status = Some(*status);
        }
        Ok(sets.list.into_iter().map(|b| b.set).collect())
    }
}
