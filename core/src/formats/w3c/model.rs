//! The W3C Web Annotation Data Model (<https://www.w3.org/TR/annotation-model/>)
//! as serde structs: what the export writes, and what the import reads.
//!
//! Written: an `AnnotationCollection` (§5.1) whose `first` `AnnotationPage`
//! (§5.2) embeds every annotation (§3.1). Each annotation has one
//! `TextualBody` (§3.2.4) whose `purpose` is the annotation's `motivation`
//! (§3.3.5), a `Person` creator (§3.3.1, §3.3.2), and one `SpecificResource` target
//! (§4) with a `TextQuoteSelector` (§4.2.4) and a `TextPositionSelector`
//! (§4.2.5).
//!
//! Read: the same shapes as other tools write them, with every property
//! that the model lets be one value or several, a uri or an object, read
//! through the total types of [`super::lenient`]. Unknown properties are
//! ignored.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::lenient::{deserialize_total, Count, List, Object, OneOrMany, Text, Total};
use super::records::Field;
use super::records::{DocumentRecord, DocumentRecordIn, SetRecord, SetRecordIn, ThemeRecord, ThemeRecordIn};

// ------------------------------------------------------------- written

/// The `type` of every node the export writes.
#[derive(Debug, Clone, Copy, Serialize)]
pub(super) enum Type {
    AnnotationCollection,
    AnnotationPage,
    Annotation,
    Person,
    Software,
    TextualBody,
    SpecificResource,
}

/// Why an annotation was made (§3.3.5), and the role of its body: the
/// export writes the same value as the annotation's `motivation` and its
/// body's `purpose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Motivation {
    /// A tag: the body's value is a theme's label (`投资 investment`).
    Tagging,
    /// A note: the body's value is the note's text.
    Commenting,
}

/// The collection the export writes: its annotations embedded in `first`,
/// and the app's own records beside them (namespaced terms that JSON-LD
/// processors keep as they are).
#[derive(Debug, Serialize)]
pub(super) struct Collection<'a> {
    #[serde(rename = "@context")]
    pub context: &'static str,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: Type,
    /// The document's title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<&'a str>,
    /// The export time (RFC 3339 with a zone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<&'a str>,
    /// Number of annotations, all of them in `first`.
    pub total: usize,
    pub generator: Agent<'a>,
    #[serde(rename = "speech-annotator:document")]
    pub document: DocumentRecord<'a>,
    #[serde(rename = "speech-annotator:themes")]
    pub themes: Vec<ThemeRecord<'a>>,
    #[serde(rename = "speech-annotator:sets")]
    pub sets: Vec<SetRecord<'a>>,
    pub first: Page<'a>,
}

/// The one page of the collection.
#[derive(Debug, Serialize)]
pub(super) struct Page<'a> {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: Type,
    /// Always 0: the first page starts the collection.
    #[serde(rename = "startIndex")]
    pub start_index: usize,
    pub items: Vec<Annotation<'a>>,
}

/// A creator (`Person`, a coder's set) or the generator (`Software`, the app).
#[derive(Debug, Serialize)]
pub(super) struct Agent<'a> {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: Type,
    pub name: &'a str,
}

/// One tag or note as an annotation. Repeats the `@context`, which the
/// conformance suite asks of every embedded annotation.
#[derive(Debug, Serialize)]
pub(super) struct Annotation<'a> {
    #[serde(rename = "@context")]
    pub context: &'static str,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: Type,
    pub motivation: Motivation,
    /// When the tag was set, else the export time; absent when neither is
    /// a valid date-time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    pub creator: &'a Agent<'a>,
    pub body: TextualBody<'a>,
    pub target: SpecificResource<'a>,
    /// `"suggestion"` for a tag accepted from a suggestion; absent for one
    /// set by hand.
    #[serde(rename = "speech-annotator:how", skip_serializing_if = "Option::is_none")]
    pub how: Option<&'static str>,
}

/// A plain-text body. It has no `id`: a body with one counts as an External
/// Web Resource, which must not carry a `purpose`.
#[derive(Debug, Serialize)]
pub(super) struct TextualBody<'a> {
    #[serde(rename = "type")]
    pub kind: Type,
    pub purpose: Motivation,
    /// A theme's label (`投资 investment`) or a note's text.
    pub value: Cow<'a, str>,
    /// Always `text/plain`.
    pub format: &'static str,
}

/// A paragraph of the document: the document's URN as `source`, and the
/// paragraph's text and char range as selectors.
#[derive(Debug, Serialize)]
pub(super) struct SpecificResource<'a> {
    #[serde(rename = "type")]
    pub kind: Type,
    pub source: &'a str,
    pub selector: [Selector<'a>; 2],
}

/// A text selector, tagged by its `type`.
#[derive(Debug, Serialize)]
#[serde(tag = "type")]
pub(super) enum Selector<'a> {
    /// §4.2.4: the selected text, with up to [`super::CONTEXT_CHARS`] chars
    /// before and after it (left out when there are none).
    TextQuoteSelector {
        exact: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        prefix: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        suffix: Option<&'a str>,
    },
    /// §4.2.5: the selection's start (inclusive) and end (exclusive) in the
    /// document's canonical text, counted in Unicode code points (Rust
    /// `char`s), as the section requires: not bytes, not UTF-16 units.
    TextPositionSelector { start: usize, end: usize },
}

// ---------------------------------------------------------------- read

/// The `type` of a node: a string or an array of them.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Typed<'a> {
    #[serde(rename = "type", default, borrow)]
    pub types: OneOrMany<Text<'a>>,
}

/// An annotation as the import reads it (§3.1).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct AnnotationIn<'a> {
    #[serde(borrow)]
    pub id: Text<'a>,
    #[serde(borrow)]
    pub motivation: OneOrMany<Text<'a>>,
    /// A plain-text body given as a string (§3.2.5).
    #[serde(rename = "bodyValue", borrow)]
    pub body_value: Text<'a>,
    #[serde(borrow)]
    pub body: OneOrMany<Object<BodyIn<'a>>>,
    /// One target, several, or a bare uri (which reads as `None`).
    #[serde(borrow)]
    pub target: OneOrMany<Object<TargetIn<'a>>>,
    #[serde(borrow)]
    pub creator: OneOrMany<CreatorIn<'a>>,
    #[serde(borrow)]
    pub created: Text<'a>,
    #[serde(borrow)]
    pub modified: Text<'a>,
    #[serde(rename = "speech-annotator:how", borrow)]
    pub how: Text<'a>,
}

/// A body object: a `TextualBody` (its `value`), or a `Choice` or
/// `Composite` whose `items` are bodies in turn (§3.2.7). A body that is a
/// uri reads as `None` around it: it has no text to read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct BodyIn<'a> {
    #[serde(borrow)]
    pub purpose: OneOrMany<Text<'a>>,
    #[serde(borrow)]
    pub value: Text<'a>,
    #[serde(borrow)]
    pub items: List<Object<PartIn<'a>>>,
}

/// An item of a `Choice` or `Composite` body. Items nested deeper are not
/// read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct PartIn<'a> {
    #[serde(borrow)]
    pub purpose: OneOrMany<Text<'a>>,
    #[serde(borrow)]
    pub value: Text<'a>,
}

/// A target object: usually a `SpecificResource` with selectors (§4).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct TargetIn<'a> {
    #[serde(borrow)]
    pub source: Text<'a>,
    #[serde(borrow)]
    pub selector: OneOrMany<Object<SelectorIn<'a>>>,
}

/// A selector object. Only `TextQuoteSelector` (`exact`, `prefix`,
/// `suffix`) and `TextPositionSelector` (`start`, `end`, in Unicode code
/// points, §4.2.5) are read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct SelectorIn<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: Text<'a>,
    #[serde(borrow)]
    pub exact: Text<'a>,
    #[serde(borrow)]
    pub prefix: Text<'a>,
    #[serde(borrow)]
    pub suffix: Text<'a>,
    pub start: Count,
    pub end: Count,
}

/// A creator: a uri, or an agent object (§3.3.1, §3.3.2). Anything else
/// reads as an agent of `None`.
#[derive(Debug)]
pub(super) enum CreatorIn<'a> {
    Uri(&'a str),
    Agent(Object<AgentIn<'a>>),
}

impl<'de: 'a, 'a> Total<'de> for CreatorIn<'a> {
    fn other() -> Self {
        CreatorIn::Agent(Object(None))
    }

    fn from_str(s: &'de str) -> Self {
        CreatorIn::Uri(s)
    }

    fn from_map<A: serde::de::MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        Object::from_map(map).map(CreatorIn::Agent)
    }
}

deserialize_total!(impl<'de, 'a> for CreatorIn<'a> where 'de: 'a);

/// An agent object: `id`, and a `name` or `nickname` (one or several).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct AgentIn<'a> {
    #[serde(borrow)]
    pub id: Text<'a>,
    #[serde(borrow)]
    pub name: OneOrMany<Text<'a>>,
    #[serde(borrow)]
    pub nickname: OneOrMany<Text<'a>>,
}

/// What the import reads of a collection or page beside its items: its
/// description, and the app's own records (read strictly, see
/// [`super::records`]).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RootIn<'a> {
    #[serde(borrow)]
    pub label: Text<'a>,
    #[serde(borrow)]
    pub created: Text<'a>,
    #[serde(borrow)]
    pub generated: Text<'a>,
    #[serde(borrow)]
    pub creator: Object<AgentIn<'a>>,
    #[serde(borrow)]
    pub generator: Object<AgentIn<'a>>,
    #[serde(rename = "speech-annotator:document", borrow)]
    pub document: Field<Object<DocumentRecordIn<'a>>>,
    #[serde(rename = "speech-annotator:themes", borrow)]
    pub themes: Field<Vec<Object<ThemeRecordIn<'a>>>>,
    #[serde(rename = "speech-annotator:sets", borrow)]
    pub sets: Field<Vec<Object<SetRecordIn<'a>>>>,
}
