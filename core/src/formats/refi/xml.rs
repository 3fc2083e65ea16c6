//! XML reading and writing for REFI-QDA 1.0 files (<https://www.qdasoftware.org>).
//!
//! **Reading** uses [`roxmltree`], not quick-xml's event reader. Files come
//! from anywhere, and roxmltree gives, in a small, dependency-free, well-kept
//! crate, what the event reader left to hand-written code: a read-only tree
//! checked for well-formedness (matching tags, one root, names, character
//! references, namespaces), DTDs refused by default (`allow_dtd` stays
//! `false`: any `<!DOCTYPE` is an error, so no entity is ever declared or
//! expanded, and only the five predefined entities and character references
//! are read), a bound on the nodes it builds (`nodes_limit`, checked while
//! parsing, so memory stays bounded) and errors that say where the file is
//! broken. What it lacks, a bound on nesting depth and on elements, is
//! checked here in one pass over the parsed tree; roxmltree builds its tree
//! without recursion, so deep nesting cannot exhaust the stack before that.
//!
//! **Writing** uses quick-xml's [`Writer`], so escaping is the crate's:
//! attribute values escape `< > & ' "` and the white space attribute-value
//! normalisation would fold (`\t \n \r`), text escapes `< > &` and `\r`. The
//! only thing done here is dropping the characters XML 1.0 cannot carry at
//! all (C0 controls other than tab and line ends, U+FFFE, U+FFFF).

use std::borrow::Cow;
use std::collections::HashSet;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use roxmltree::{Document, Node, ParsingOptions};

use super::guid::normalize_guid;
use crate::exchange::ImportError;

/// Most XML elements read from one file.
pub(super) const MAX_ELEMENTS: usize = 500_000;
/// Most XML nodes (elements, texts, comments, processing instructions) the
/// parser builds, so memory stays bounded while parsing: room for
/// [`MAX_ELEMENTS`] elements with white space before, inside and after each.
pub(super) const MAX_NODES: usize = 3 * MAX_ELEMENTS + 2;
/// Deepest XML nesting read (codes nest; nothing else goes deep).
pub(super) const MAX_DEPTH: usize = 128;

// ---------------------------------------------------------------- reading

/// An [`ImportError::NotXml`] with the parser's message, cut to 160 chars.
fn xml_error(e: impl std::fmt::Display) -> ImportError {
    ImportError::NotXml(e.to_string().chars().take(160).collect())
}

/// Parses a REFI-QDA XML file (UTF-8, a leading BOM allowed) into a tree.
///
/// # Errors
/// - [`ImportError::NotUtf8`] if the bytes are not UTF-8;
/// - [`ImportError::Empty`] if there is only white space;
/// - [`ImportError::Doctype`] for any `<!DOCTYPE` (entity declarations with it);
/// - [`ImportError::TooLong`] over [`MAX_NODES`] nodes or [`MAX_ELEMENTS`] elements;
/// - [`ImportError::TooDeep`] for elements nested deeper than [`MAX_DEPTH`];
/// - [`ImportError::NotXml`] for anything not well-formed (with the parser's
///   reason and line:column), an undeclared entity included.
pub(super) fn parse_xml(bytes: &[u8]) -> Result<Document<'_>, ImportError> {
    let raw = std::str::from_utf8(bytes).map_err(|_| ImportError::NotUtf8)?;
    let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
    if raw.trim().is_empty() {
        return Err(ImportError::Empty);
    }
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES as u32,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(raw, options).map_err(|e| match e {
        roxmltree::Error::DtdDetected => ImportError::Doctype,
        roxmltree::Error::NodesLimitReached => ImportError::TooLong {
            field: "XML nodes".into(),
            limit: MAX_NODES,
        },
        roxmltree::Error::UnexpectedEndOfStream | roxmltree::Error::UnclosedRootNode => {
            xml_error(format!("the file ends inside an element (truncated?): {e}"))
        }
        e => xml_error(e),
    })?;
    check_shape(&doc)?;
    Ok(doc)
}

/// Checks the element count and nesting depth of a parsed tree, in one pass
/// in document order (a parent comes before its children).
fn check_shape(doc: &Document) -> Result<(), ImportError> {
    let size = doc.descendants().map(|n| n.id().get_usize()).max().unwrap_or(0) + 1;
    // Depth of each node by id: the document root is 0, the root element 1.
    let mut depth = vec![0usize; size];
    let mut elements = 0usize;
    for n in doc.descendants() {
        let d = n
            .parent()
            .and_then(|p| depth.get(p.id().get_usize()))
            .map_or(0, |d| d + 1);
        if let Some(slot) = depth.get_mut(n.id().get_usize()) {
            *slot = d;
        }
        if n.is_element() {
            elements += 1;
            if elements > MAX_ELEMENTS {
                return Err(ImportError::TooLong {
                    field: "elements".into(),
                    limit: MAX_ELEMENTS,
                });
            }
            if d > MAX_DEPTH {
                return Err(ImportError::TooDeep);
            }
        }
    }
    Ok(())
}

/// One element of a parsed file, read by local names (namespaces ignored,
/// as REFI-QDA files use one default namespace).
#[derive(Clone, Copy, Debug)]
pub(super) struct El<'a, 'i>(pub(super) Node<'a, 'i>);

impl<'a, 'i: 'a> El<'a, 'i> {
    /// The root element of a parsed file.
    pub(super) fn root(doc: &'a Document<'i>) -> Self {
        El(doc.root_element())
    }

    /// The element's local name.
    pub(super) fn name(&self) -> &'a str {
        self.0.tag_name().name()
    }

    /// The value of the first attribute with local name `k`, unescaped and
    /// normalised as XML requires (literal line ends and tabs become spaces).
    pub(super) fn attr(&self, k: &str) -> Option<&'a str> {
        self.0.attributes().find(|a| a.name() == k).map(|a| a.value())
    }

    /// The first child element named `name`.
    pub(super) fn child(&self, name: &str) -> Option<El<'a, 'i>> {
        self.all(name).next()
    }

    /// The child elements named `name`, in document order.
    pub(super) fn all<'n>(&self, name: &'n str) -> impl Iterator<Item = El<'a, 'i>> + 'n
    where
        'a: 'n,
        'i: 'n,
    {
        self.0
            .children()
            .filter(move |c| c.is_element() && c.tag_name().name() == name)
            .map(El)
    }

    /// The element's own text: its text and CDATA children joined (child
    /// elements' text left out), entities and character references resolved.
    pub(super) fn text(&self) -> Cow<'a, str> {
        let mut texts = self.0.children().filter(|c| c.is_text()).filter_map(|c| c.text());
        let Some(first) = texts.next() else {
            return Cow::Borrowed("");
        };
        match texts.next() {
            None => Cow::Borrowed(first),
            Some(second) => {
                let mut all = format!("{first}{second}");
                all.extend(texts);
                Cow::Owned(all)
            }
        }
    }

    /// The `guid` attribute, normalised (see [`normalize_guid`]).
    ///
    /// # Errors
    /// [`ImportError::Missing`] without one, [`ImportError::WrongType`] if it
    /// is not a GUID.
    pub(super) fn guid(&self) -> Result<String, ImportError> {
        let g = self
            .attr("guid")
            .ok_or_else(|| ImportError::Missing(format!("{}@guid", self.name())))?;
        normalize_guid(g).ok_or_else(|| ImportError::WrongType {
            field: format!("{}@guid", self.name()),
            expected: "a GUID",
        })
    }
}

/// Checks that no two elements of a file share a `guid` (compared
/// normalised when they are GUIDs, as written otherwise). A set's members
/// (`<MemberCode guid>`, `<MemberSource guid>`, `<MemberNote guid>` in the
/// codebook schema) refer to a code, a source or a note: references, not
/// definitions, so they are not counted.
///
/// # Errors
/// [`ImportError::DuplicateId`] naming the first GUID seen twice.
pub(super) fn unique_guids(doc: &Document) -> Result<(), ImportError> {
    let mut seen = HashSet::new();
    let reference = |n: &roxmltree::Node| n.tag_name().name().starts_with("Member");
    for el in doc.descendants().filter(|n| n.is_element() && !reference(n)).map(El) {
        if let Some(g) = el.attr("guid") {
            let g = normalize_guid(g).unwrap_or_else(|| g.to_string());
            if !seen.insert(g.clone()) {
                return Err(ImportError::DuplicateId(format!("guid {g}")));
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- writing

/// Drops the characters XML 1.0 cannot carry, even escaped: C0 controls
/// other than tab, line feed and carriage return, and U+FFFE, U+FFFF.
fn xml_chars(s: &str) -> Cow<'_, str> {
    let bad = |c: char| (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{fffe}' | '\u{ffff}');
    if s.contains(bad) {
        Cow::Owned(s.chars().filter(|c| !bad(*c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// An XML document being written to memory: UTF-8, indented by two spaces,
/// with the XML declaration first. Writing to memory cannot fail, so no
/// method returns an error.
pub(super) struct XmlOut {
    w: Writer<Vec<u8>>,
}

/// An attribute: name and (unescaped) value.
pub(super) type Attr<'a> = (&'a str, &'a str);

impl XmlOut {
    /// A document with `<?xml version="1.0" encoding="UTF-8"?>`.
    pub(super) fn new() -> Self {
        let mut out = XmlOut {
            w: Writer::new_with_indent(Vec::new(), b' ', 2),
        };
        out.write(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        out
    }

    fn write(&mut self, e: Event) {
        // A `Vec<u8>` never fails to take bytes.
        if let Err(e) = self.w.write_event(e) {
            debug_assert!(false, "writing XML to memory failed: {e}");
        }
    }

    fn element<'a>(name: &'a str, attrs: &[Attr<'a>]) -> BytesStart<'a> {
        BytesStart::new(name).with_attributes(attrs.iter().map(|(k, v)| (*k, xml_chars(v))))
    }

    /// Opens `<name a="…">`.
    pub(super) fn start(&mut self, name: &str, attrs: &[Attr]) {
        self.write(Event::Start(Self::element(name, attrs)));
    }

    /// Writes `<name a="…"/>`.
    pub(super) fn empty(&mut self, name: &str, attrs: &[Attr]) {
        self.write(Event::Empty(Self::element(name, attrs)));
    }

    /// Writes `<name>text</name>` on one line.
    pub(super) fn text_element(&mut self, name: &str, text: &str) {
        self.start(name, &[]);
        self.write(Event::Text(BytesText::new(&xml_chars(text))));
        self.end(name);
    }

    /// Closes `</name>`.
    pub(super) fn end(&mut self, name: &str) {
        self.write(Event::End(BytesEnd::new(name)));
    }

    /// The document's text, ending with a line feed.
    pub(super) fn finish(self) -> String {
        let mut bytes = self.w.into_inner();
        bytes.push(b'\n');
        // Only `&str`s were written, so the bytes are UTF-8.
        String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}
