//! Writing a W3C `AnnotationCollection` (see [`super::export`]).

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

use super::date_time::parse_date_time;
use super::iri;
use super::model::{Agent, Annotation, Collection, Motivation, Page, Selector, SpecificResource, TextualBody, Type};
use super::records::{DocumentRecord, SetRecord, ThemeRecord};
use super::selectors::CharIndex;
use super::{CONTEXT, CONTEXT_CHARS, MAX_SECS};
use crate::document::{Block, Document};
use crate::formats::dates::iso_utc;
use crate::formats::own_json::APP_NAME;
use crate::store::{Store, TagKey, TagOrigin};

/// See [`super::export`].
pub(super) fn collection(doc: &Document, store: &Store, sets: &[&str], created: &str) -> String {
    let created = parse_date_time(created).map(|_| created);
    let source = iri::document(&doc.fingerprint);
    let targets = Targets::new(doc, &source);

    let mut seen = BTreeSet::new();
    let chosen: Vec<_> = sets
        .iter()
        .filter(|id| seen.insert(**id))
        .filter_map(|id| store.sets.get(*id))
        .collect();
    let creators: Vec<Agent> = chosen
        .iter()
        .map(|set| Agent {
            id: iri::coder(&set.id),
            kind: Type::Person,
            name: &set.name,
        })
        .collect();
    let mut items = Vec::new();
    for (set, creator) in chosen.iter().zip(&creators) {
        for (TagKey { block, theme }, e) in set.tags.iter().filter(|(_, e)| e.present) {
            let (Some(theme_def), Some(target)) = (store.theme(theme), targets.of(block)) else {
                continue;
            };
            let id = iri::tag(&doc.fingerprint, &set.id, block, theme);
            let mut a = annotation(id, Motivation::Tagging, creator, theme_def.label().into(), target);
            let when = (e.at > 0 && e.at < MAX_SECS).then(|| iso_utc(e.at));
            a.created = when.or_else(|| created.map(str::to_string));
            if e.how == TagOrigin::Suggestion {
                a.how = Some("suggestion");
            }
            items.push(a);
        }
        for (block, note) in set.notes.iter().filter(|(_, n)| !n.text.is_empty()) {
            let Some(target) = targets.of(block) else {
                continue;
            };
            let id = iri::note(&doc.fingerprint, &set.id, block);
            let mut a = annotation(id, Motivation::Commenting, creator, note.text.as_str().into(), target);
            a.created = created.map(str::to_string);
            items.push(a);
        }
    }

    let ids: Vec<&str> = chosen.iter().map(|s| s.id.as_str()).collect();
    let collection = Collection {
        context: CONTEXT,
        id: iri::collection(&doc.fingerprint, &ids),
        kind: Type::AnnotationCollection,
        label: doc.title.as_deref(),
        created,
        total: items.len(),
        generator: Agent {
            id: iri::app(),
            kind: Type::Software,
            name: APP_NAME,
        },
        document: DocumentRecord {
            fingerprint: &doc.fingerprint,
            title: doc.title.as_deref(),
            date: doc.date.as_deref(),
        },
        themes: store.themes().into_iter().map(ThemeRecord::from).collect(),
        sets: chosen
            .iter()
            .map(|s| SetRecord {
                id: &s.id,
                name: &s.name,
                color: &s.color,
                kind: s.kind,
            })
            .collect(),
        first: Page {
            id: iri::first_page(&doc.fingerprint, &ids),
            kind: Type::AnnotationPage,
            start_index: 0,
            items,
        },
    };
    serde_json::to_string_pretty(&collection).expect("plain data serialises")
}

/// An undated annotation with one plain-text body that plays the
/// annotation's motivation.
fn annotation<'a>(
    id: String,
    motivation: Motivation,
    creator: &'a Agent<'a>,
    value: Cow<'a, str>,
    target: SpecificResource<'a>,
) -> Annotation<'a> {
    Annotation {
        context: CONTEXT,
        id,
        kind: Type::Annotation,
        motivation,
        created: None,
        creator,
        body: TextualBody {
            kind: Type::TextualBody,
            purpose: motivation,
            value,
            format: "text/plain",
        },
        target,
        how: None,
    }
}

/// The targets of the document's blocks, by block id.
struct Targets<'a> {
    blocks: HashMap<&'a str, &'a Block>,
    text: CharIndex<'a>,
    source: &'a str,
}

impl<'a> Targets<'a> {
    fn new(doc: &'a Document, source: &'a str) -> Self {
        Targets {
            blocks: doc.blocks.iter().map(|b| (b.id.as_str(), b)).collect(),
            text: CharIndex::new(&doc.text),
            source,
        }
    }

    /// The target of a block: its text with up to [`CONTEXT_CHARS`] chars of
    /// context each side, and its char range. `None` for a block the
    /// document lacks: a target without a selector would claim the whole
    /// speech.
    fn of(&self, block: &str) -> Option<SpecificResource<'a>> {
        let b = self.blocks.get(block)?;
        let prefix = self.text.slice(b.start.saturating_sub(CONTEXT_CHARS), b.start);
        let suffix = self.text.slice(b.end, b.end + CONTEXT_CHARS);
        Some(SpecificResource {
            kind: Type::SpecificResource,
            source: self.source,
            selector: [
                Selector::TextQuoteSelector {
                    exact: &b.text,
                    prefix: Some(prefix).filter(|s| !s.is_empty()),
                    suffix: Some(suffix).filter(|s| !s.is_empty()),
                },
                Selector::TextPositionSelector {
                    start: b.start,
                    end: b.end,
                },
            ],
        })
    }
}
