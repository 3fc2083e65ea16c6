//! Reading W3C Web Annotation JSON(-LD) into an [`Incoming`] (see
//! [`super::read`]).
//!
//! The file's container (collection, page, array or single annotation) is
//! told by its `type` or, without one, by its shape, so it is found by
//! looking into the parsed [`Value`]; each annotation and the root's
//! description and records are then deserialized into the structs of
//! [`super::model`], tolerantly, so that another tool's odd property is
//! skipped rather than refused.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;
use serde_json::{Map, Value};

use super::date_time::parse_date_time;
use super::iri;
use super::lenient::{Object, OneOrMany, Text};
use super::model::{AgentIn, AnnotationIn, CreatorIn, RootIn, TargetIn, Typed};
use super::records::Record;
use super::selectors::{Locator, Quote};
use super::{ANONYMOUS, FORMAT, MAX_ANNOTATIONS, MAX_ID, MAX_SET_NAME, MAX_TARGETS};
use crate::document::Document;
use crate::exchange::{ImportError, Incoming, IncomingDocument, IncomingSet, IncomingTag};
use crate::store::{SetKind, Store, TagOrigin, MAX_NOTE};
use crate::text::char_len;
use crate::themes::{is_hex_color, Theme, MAX_NAME, PALETTE};

/// See [`super::read`].
pub(super) fn read(value: &Value, doc: &Document, store: &Store) -> Result<Incoming, ImportError> {
    let Found { root, items, field } = annotations_of(value)?;
    if items.len() > MAX_ANNOTATIONS {
        return Err(ImportError::TooLong {
            field: field.into(),
            limit: MAX_ANNOTATIONS,
        });
    }
    // The root is an object and every field of `RootIn` reads any value:
    // the error is for form's sake.
    let root = match root {
        Some(root) => RootIn::deserialize(root).map_err(|_| wrong_type("", "object"))?,
        None => RootIn::default(),
    };
    let record = Record::read(&root)?;
    let mut reader = Reader::new(doc, store, record);
    for (i, item) in items.iter().enumerate() {
        reader.annotation(item, || format!("{field}[{i}]"))?;
    }
    reader.finish(&root)
}

fn wrong_type(field: impl Into<String>, expected: &'static str) -> ImportError {
    ImportError::WrongType {
        field: field.into(),
        expected,
    }
}

/// Where a file keeps its annotations.
struct Found<'a> {
    /// The collection or page, which may carry the app's records.
    root: Option<&'a Value>,
    items: &'a [Value],
    /// Where the items are, for messages.
    field: &'static str,
}

/// Finds the annotations of a file by its `type`, or by its shape when it
/// has none.
///
/// # Errors
/// [`ImportError::NotAnObject`] for a scalar, [`ImportError::WrongType`]
/// for `items` that are not an array, [`ImportError::UnknownFormat`] for
/// an object that is none of the model's containers.
fn annotations_of(value: &Value) -> Result<Found<'_>, ImportError> {
    let found = |root, items, field| Ok(Found { root, items, field });
    fn items_of<'a>(m: &'a Map<String, Value>, field: &'static str) -> Result<&'a [Value], ImportError> {
        match m.get("items") {
            Some(Value::Array(a)) => Ok(a),
            _ => Err(wrong_type(field, "array")),
        }
    }
    let map = match value {
        Value::Array(items) => return found(None, items, ""),
        Value::Object(map) => map,
        _ => return Err(ImportError::NotAnObject),
    };
    // Cannot fail: a map's `type` that is no string reads as none.
    let types = Typed::deserialize(value).unwrap_or_default().types.strings();
    // Untyped JSON is read by its shape.
    let untyped = types.is_empty();
    if types.contains(&"AnnotationCollection") || (untyped && map.contains_key("first")) {
        return match map.get("first") {
            Some(Value::Object(first)) => found(Some(value), items_of(first, "first.items")?, "first.items"),
            _ if map.contains_key("items") => found(Some(value), items_of(map, "items")?, "items"),
            // `first` only names a page elsewhere: nothing embedded to read.
            _ => found(Some(value), &[], "items"),
        };
    }
    if types.contains(&"AnnotationPage") || (untyped && map.contains_key("items")) {
        return found(Some(value), items_of(map, "items")?, "items");
    }
    if types.contains(&"Annotation") || (untyped && map.contains_key("target")) {
        return found(None, std::slice::from_ref(value), "annotation");
    }
    // Hypothesis' API answers `{"total", "rows": [...]}`, rows with `uri`,
    // `user: "acct:…"`, `tags`, `text`: another model than W3C's.
    let hypothesis_row = |v: &Value| {
        v.get("uri").is_some()
            && v.get("user")
                .and_then(Value::as_str)
                .is_some_and(|u| u.starts_with("acct:"))
    };
    if map.get("rows").and_then(Value::as_array).is_some() || hypothesis_row(value) {
        return Err(ImportError::Foreign("Hypothesis JSON"));
    }
    match types.first() {
        Some(t) => Err(ImportError::UnknownFormat(t.chars().take(60).collect())),
        // JSON with no `type` and no annotation's shape.
        None => Err(ImportError::NotAnObject),
    }
}

/// What one text body says, and in which role.
struct TextBody<'a> {
    purposes: Vec<&'a str>,
    value: &'a str,
}

/// The text bodies of an annotation: `bodyValue`, TextualBodies, and the
/// items of a Choice or Composite body (which pass their purpose on).
/// Bodies that are uris have no text to read.
fn text_bodies<'a>(a: &AnnotationIn<'a>) -> Vec<TextBody<'a>> {
    let mut out = Vec::new();
    if let Some(value) = a.body_value.0 {
        out.push(TextBody {
            purposes: Vec::new(),
            value,
        });
    }
    for body in a.body.as_slice().iter().filter_map(|b| b.0.as_ref()) {
        let purposes = body.purpose.strings();
        if let Some(value) = body.value.0 {
            out.push(TextBody { purposes, value });
        } else if let Some(items) = body.items.0.as_deref() {
            for item in items.iter().filter_map(|i| i.0.as_ref()) {
                let Some(value) = item.value.0 else {
                    continue;
                };
                let own = item.purpose.strings();
                out.push(TextBody {
                    purposes: if own.is_empty() { purposes.clone() } else { own },
                    value,
                });
            }
        }
    }
    out
}

/// One incoming set as it is being built.
struct SetBuild {
    set: IncomingSet,
    /// (block, theme) → index in `set.tags`, to fold duplicates.
    tags: HashMap<(String, String), usize>,
    /// (block, comment) already in a note, to fold duplicates.
    note_lines: HashSet<(String, String)>,
    /// Block → chars in its note, so the limit is checked without recounting.
    note_chars: HashMap<String, usize>,
}

/// Reads annotations one by one into sets, themes and blocks.
struct Reader<'a> {
    store: &'a Store,
    locator: Locator<'a>,
    record: Record,
    /// Themes made for labels nobody knows.
    new_themes: Vec<Theme>,
    sets: Vec<SetBuild>,
    /// Creator key (id, else name) → index in `sets`.
    by_creator: HashMap<String, usize>,
    unmatched: usize,
    /// The document's fingerprint as the first target source of the app names it.
    source_fp: Option<String>,
    /// Annotations with no tag and no comment (highlights, links), and the
    /// first few sources they target, for the message when nothing else came.
    bare: usize,
    bare_sources: Vec<String>,
}

impl<'a> Reader<'a> {
    fn new(doc: &'a Document, store: &'a Store, record: Record) -> Self {
        Reader {
            store,
            locator: Locator::new(doc),
            record,
            new_themes: Vec::new(),
            sets: Vec::new(),
            by_creator: HashMap::new(),
            unmatched: 0,
            source_fp: None,
            bare: 0,
            bare_sources: Vec::new(),
        }
    }

    /// Reads one item of the file: an annotation object, or a uri (skipped).
    ///
    /// # Errors
    /// [`ImportError::WrongType`] for an item that is neither,
    /// [`ImportError::TooLong`] for a note, theme label or creator name over
    /// its limit or too many targets; each names the item's path.
    fn annotation(&mut self, item: &Value, path: impl Fn() -> String) -> Result<(), ImportError> {
        let a = match item {
            // Every field of `AnnotationIn` reads any value: no error comes.
            Value::Object(_) => AnnotationIn::deserialize(item).map_err(|_| wrong_type(path(), "object"))?,
            // A page may list annotations by uri: nothing embedded to read.
            Value::String(_) => return Ok(()),
            _ => return Err(wrong_type(path(), "object")),
        };
        let motivations = a.motivation.strings();
        let mut tags = Vec::new();
        let mut comments = Vec::new();
        for body in text_bodies(&a) {
            // A body without a purpose plays the annotation's motivation.
            let purposes = if body.purposes.is_empty() {
                &motivations
            } else {
                &body.purposes
            };
            let value = body.value.trim();
            if value.is_empty() {
                continue;
            }
            if purposes.contains(&"tagging") {
                tags.push(value);
            } else if purposes.is_empty()
                || purposes
                    .iter()
                    .any(|p| matches!(*p, "commenting" | "describing" | "replying"))
            {
                if char_len(body.value) > MAX_NOTE {
                    return Err(ImportError::TooLong {
                        field: format!("{}.body", path()),
                        limit: MAX_NOTE,
                    });
                }
                comments.push(body.value);
            }
        }
        if tags.is_empty() && comments.is_empty() {
            // Highlights, bookmarks, links: nothing the app keeps, but
            // counted, to say what the file held if nothing else comes.
            self.bare += 1;
            for t in a.target.as_slice().iter().filter_map(|t| t.0.as_ref()) {
                let source = t.source.0.unwrap_or("").chars().take(120).collect::<String>();
                if !source.is_empty() && self.bare_sources.len() < 3 && !self.bare_sources.contains(&source) {
                    self.bare_sources.push(source);
                }
            }
            return Ok(());
        }
        let hinted_theme = a.id.0.and_then(iri::theme_of_tag);
        let mut themes = Vec::with_capacity(tags.len());
        for value in tags {
            themes.push(self.theme_for(value, hinted_theme.as_deref(), &path)?);
        }
        let blocks = self.blocks_of(a.target.as_slice(), &path)?;
        let set = self.set_for(a.creator.as_slice().first(), &path)?;
        let at = [&a.modified, &a.created]
            .iter()
            .find_map(|k| k.0.and_then(parse_date_time))
            .unwrap_or(0);
        let how = match a.how.0 {
            Some("suggestion") => TagOrigin::Suggestion,
            _ => TagOrigin::Hand,
        };
        let build = &mut self.sets[set];
        for block in &blocks {
            for theme in &themes {
                let key = (block.clone(), theme.clone());
                match build.tags.get(&key) {
                    Some(&i) => {
                        let t = &mut build.set.tags[i];
                        t.at = t.at.max(at);
                    }
                    None => {
                        build.tags.insert(key, build.set.tags.len());
                        build.set.tags.push(IncomingTag {
                            block: block.clone(),
                            theme: theme.clone(),
                            at,
                            how,
                        });
                    }
                }
            }
            for text in &comments {
                if !build.note_lines.insert((block.clone(), text.to_string())) {
                    continue;
                }
                let chars = build.note_chars.entry(block.clone()).or_default();
                let note = build.set.notes.entry(block.clone()).or_default();
                if !note.is_empty() {
                    note.push('\n');
                    *chars += 1;
                }
                note.push_str(text);
                *chars += char_len(text);
                if *chars > MAX_NOTE {
                    return Err(ImportError::TooLong {
                        field: format!("{}.body", path()),
                        limit: MAX_NOTE,
                    });
                }
            }
        }
        Ok(())
    }

    /// The blocks an annotation's targets point at; `unmatched:<n>` for each
    /// target that cannot be placed in the document (a bare uri names the
    /// whole resource, no target names nothing: no paragraph to place it on).
    ///
    /// # Errors
    /// [`ImportError::TooLong`] for more than [`MAX_TARGETS`] targets.
    fn blocks_of(
        &mut self,
        targets: &[Object<TargetIn>],
        path: &impl Fn() -> String,
    ) -> Result<Vec<String>, ImportError> {
        if targets.len() > MAX_TARGETS {
            return Err(ImportError::TooLong {
                field: format!("{}.target", path()),
                limit: MAX_TARGETS,
            });
        }
        // No target, or an empty array of them: one that cannot be placed.
        let none = [Object(None)];
        let targets: &[Object<TargetIn>] = if targets.is_empty() { &none } else { targets };
        let mut blocks = Vec::with_capacity(targets.len());
        let mut seen = HashSet::new();
        for t in targets {
            let found = t.0.as_ref().and_then(|t| {
                if self.source_fp.is_none() {
                    self.source_fp = t.source.0.and_then(iri::document_of).filter(|fp| char_len(fp) <= 64);
                }
                self.locator.locate(&Quote::of(t)).map(|b| b.id.clone())
            });
            let block = found.unwrap_or_else(|| {
                self.unmatched += 1;
                format!("unmatched:{}", self.unmatched)
            });
            if seen.insert(block.clone()) {
                blocks.push(block);
            }
        }
        Ok(blocks)
    }

    /// The theme a tagging body's value names: the theme the app's own id
    /// names, then the file's theme record, then a theme the app has, then
    /// a theme made for it (`w3c-<n>`).
    ///
    /// # Errors
    /// [`ImportError::TooLong`] for a new theme's label over [`MAX_NAME`].
    fn theme_for(
        &mut self,
        value: &str,
        hint: Option<&str>,
        path: &impl Fn() -> String,
    ) -> Result<String, ImportError> {
        let named = |t: &Theme| t.label() == value || t.name_zh == value || t.name_en == value;
        if let Some(h) = hint {
            if self.record.themes.iter().any(|t| t.id == h) || self.store.theme(h).is_some_and(named) {
                return Ok(h.to_string());
            }
        }
        let known = self
            .record
            .themes
            .iter()
            .find(|t| named(t))
            .or_else(|| self.store.themes().into_iter().find(|t| named(t)))
            .or_else(|| self.new_themes.iter().find(|t| named(t)));
        if let Some(t) = known {
            return Ok(t.id.clone());
        }
        if char_len(value) > MAX_NAME {
            return Err(ImportError::TooLong {
                field: format!("{}.body.value", path()),
                limit: MAX_NAME,
            });
        }
        let taken = |id: &str| {
            self.store.themes.contains_key(id)
                || self.record.themes.iter().any(|t| t.id == id)
                || self.new_themes.iter().any(|t| t.id == id)
        };
        let n = (self.new_themes.len() + 1..)
            .find(|n| !taken(&format!("w3c-{n}")))
            .expect("an unused number");
        let chinese = !value.is_ascii();
        let theme = Theme {
            id: format!("w3c-{n}"),
            name_zh: if chinese { value.into() } else { String::new() },
            name_en: if chinese { String::new() } else { value.into() },
            color: PALETTE[(n - 1) % PALETTE.len()].into(),
            key: None,
        };
        self.new_themes.push(theme);
        Ok(format!("w3c-{n}"))
    }

    /// The set of an annotation's creator (a uri, an agent object, or the
    /// first of several), made on first sight.
    ///
    /// # Errors
    /// [`ImportError::TooLong`] for a creator name over [`MAX_SET_NAME`].
    fn set_for(&mut self, creator: Option<&CreatorIn>, path: &impl Fn() -> String) -> Result<usize, ImportError> {
        let (id, name) = match creator {
            Some(CreatorIn::Uri(id)) => (Some(*id), None),
            Some(CreatorIn::Agent(Object(Some(c)))) => (c.id.0, agent_name(c)),
            _ => (None, None),
        };
        let key = id.or(name).unwrap_or("").to_string();
        if let Some(&i) = self.by_creator.get(&key) {
            return Ok(i);
        }
        let ours = id
            .and_then(iri::coder_of)
            .filter(|id| !id.is_empty() && char_len(id) <= MAX_ID);
        let record = ours.as_ref().and_then(|id| self.record.sets.get(id));
        let name = match (record, name, id) {
            (Some(r), _, _) => r.name.clone(),
            (None, Some(n), _) | (None, None, Some(n)) => n.trim().to_string(),
            (None, None, None) => ANONYMOUS.to_string(),
        };
        if char_len(&name) > MAX_SET_NAME {
            return Err(ImportError::TooLong {
                field: format!("{}.creator.name", path()),
                limit: MAX_SET_NAME,
            });
        }
        let index = self.sets.len();
        let taken = |id: &str| self.sets.iter().any(|s| s.set.id == id);
        let id = match ours {
            Some(id) if !taken(&id) => id,
            _ if key.is_empty() && !taken("w3c-import") => "w3c-import".to_string(),
            _ => (index + 1..)
                .map(|n| format!("w3c-coder-{n}"))
                .find(|id| !taken(id))
                .expect("an unused number"),
        };
        let color = record
            .map(|r| r.color.clone())
            .filter(|c| is_hex_color(c))
            .unwrap_or_else(|| PALETTE[index % PALETTE.len()].to_string());
        self.sets.push(SetBuild {
            set: IncomingSet {
                id,
                name: if name.is_empty() { ANONYMOUS.into() } else { name },
                color,
                kind: record.map_or(SetKind::Coder, |r| r.kind),
                tags: Vec::new(),
                notes: BTreeMap::new(),
                // Not-coded marks and statuses travel in the app's own file only.
                uncoded: Default::default(),
                status: None,
            },
            tags: HashMap::new(),
            note_lines: HashSet::new(),
            note_chars: HashMap::new(),
        });
        self.by_creator.insert(key, index);
        Ok(index)
    }

    /// The import: the sets that hold anything, the themes of the record and
    /// those made, and the root's description.
    ///
    /// # Errors
    /// [`ImportError::Nothing`] when no set holds a tag or a note.
    fn finish(self, root: &RootIn) -> Result<Incoming, ImportError> {
        let sets: Vec<IncomingSet> = self
            .sets
            .into_iter()
            .map(|b| b.set)
            .filter(|s| !s.tags.is_empty() || !s.notes.is_empty())
            .collect();
        if sets.is_empty() {
            if self.bare > 0 {
                return Err(ImportError::OnlyHighlights {
                    count: self.bare,
                    sources: self.bare_sources,
                });
            }
            return Err(ImportError::Nothing);
        }
        let short = |s: Option<&str>, limit: usize| s.filter(|s| char_len(s) <= limit).map(str::to_string);
        let named = |a: &Object<AgentIn>| {
            let name = a.0.as_ref()?.name.strings().into_iter().next();
            short(name, MAX_SET_NAME)
        };
        let document = match self.record.document {
            Some(d) => d,
            None => IncomingDocument {
                fingerprint: self.source_fp.unwrap_or_default(),
                title: short(root.label.0, 500),
                date: None,
                text: None,
            },
        };
        let annotator = named(&root.creator).or_else(|| match &sets[..] {
            [only] => Some(only.name.clone()),
            _ => None,
        });
        let mut themes = self.record.themes;
        themes.extend(self.new_themes);
        Ok(Incoming {
            format: FORMAT,
            annotator,
            exported_at: short(root.created.0, 60).or_else(|| short(root.generated.0, 60)),
            app: named(&root.generator),
            document,
            themes,
            codebook: Default::default(),
            sets,
            terms: None,
        })
    }
}

/// An agent's first `name`, else its first `nickname`.
fn agent_name<'a>(agent: &AgentIn<'a>) -> Option<&'a str> {
    let first = |names: &OneOrMany<Text<'a>>| names.strings().into_iter().next();
    first(&agent.name).or_else(|| first(&agent.nickname))
}
