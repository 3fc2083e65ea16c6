//! Reading REFI-QDA 1.0 codes (<https://www.qdasoftware.org>) into themes:
//! a codebook file (`.qdc`), and the `<CodeBook>` of a project.

use std::collections::{BTreeMap, HashMap};

use super::guid::own_guids;
use super::xml::{parse_xml, unique_guids, El};
use super::THEME_ID_LINE;
use crate::exchange::{ImportError, MAX_IMPORT_BYTES};
use crate::store::{Codebook, Store, MAX_CODEBOOK_FIELD};
use crate::text::char_len;
use crate::themes::{is_hex_color, Theme, MAX_NAME, PALETTE};

/// Whether a name holds Chinese (CJK) characters.
fn has_cjk(s: &str) -> bool {
    s.chars()
        .any(|c| matches!(c as u32, 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xf900..=0xfaff | 0x20000..=0x3134f))
}

/// A code's name as theme names: a Chinese part, then a part without
/// Chinese after the last space that starts it, splits into both
/// (`"对外 开放 opening up"` → `对外 开放` / `opening up`); otherwise Chinese
/// names are `name_zh`, others `name_en`. Each is cut to [`MAX_NAME`]
/// chars.
fn theme_names(name: &str) -> (String, String) {
    let cut = |s: &str| s.trim().chars().take(MAX_NAME).collect::<String>();
    let name = name.trim();
    if !has_cjk(name) {
        return (String::new(), cut(name));
    }
    // The earliest space after which nothing is Chinese: the English part
    // is as long as it can be, the Chinese part keeps its own spaces.
    let split = name
        .char_indices()
        .filter(|(_, c)| *c == ' ')
        .map(|(i, _)| i)
        .find(|&i| !has_cjk(&name[i..]) && name[i..].chars().any(|c| c.is_alphabetic()));
    if let Some(i) = split {
        let (zh, en) = (&name[..i], &name[i..]);
        if has_cjk(zh) {
            return (cut(zh), cut(en));
        }
    }
    (cut(name), String::new())
}

/// How deep a codebook's codes nest, and which the app flattened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeDepth {
    /// The deepest level (1: no nesting; the app keeps 2: themes and
    /// sub-themes).
    pub deepest: usize,
    /// Labels of the codes below the second level, each now a sub-theme of
    /// its top-level code named with its path (`"中层 › 底层"`).
    pub flattened: Vec<String>,
}

/// What this app writes after [`THEME_ID_LINE`] and the id, so that a
/// theme's names and key survive a round trip through other tools:
/// `{"zh":"对外 开放","en":"opening up","key":5}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) struct ThemeLine {
    pub(super) zh: String,
    pub(super) en: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) key: Option<u8>,
}

impl ThemeLine {
    /// The description's first line for theme `t`.
    pub(super) fn write(t: &Theme) -> String {
        let names = ThemeLine {
            zh: t.name_zh.clone(),
            en: t.name_en.clone(),
            key: t.key,
        };
        // Serialising plain strings cannot fail.
        let json = serde_json::to_string(&names).unwrap_or_default();
        format!("{THEME_ID_LINE}{} {json}", t.id)
    }

    /// Reads a line [`ThemeLine::write`] wrote (or the bare id of earlier
    /// versions): the id, and the names and key when present.
    fn read(line: &str) -> Option<(&str, Option<ThemeLine>)> {
        let rest = line.trim().strip_prefix(THEME_ID_LINE)?.trim();
        let (id, json) = rest.split_once(' ').unwrap_or((rest, ""));
        plain_id(id).then(|| (id, serde_json::from_str(json.trim()).ok()))
    }
}

/// A theme read from a code: its GUID, the theme, its codebook entry.
type ReadCode = (String, Theme, Codebook);

/// Whether a string can be a theme id taken from a file.
fn plain_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Reads a `<Codes>` element (in document order) into themes, appended to
/// `out` with their GUIDs. A code keeps the theme id its GUID is known by
/// (`known`: this app's GUIDs, current and legacy, for the store's themes;
/// see [`known_codes`]), else the id its `Description` names (a codebook this app
/// wrote), else gets `refi-<guid>`. Names and key come from the
/// description's first line when this app wrote it and the code still
/// bears the name written there ([`ThemeLine`]); otherwise from the code's
/// name ([`theme_names`]), without a key. The rest of the description is
/// the codebook entry ([`Codebook::from_summary`]: another tool's plain
/// description becomes the definition). A nested code is a sub-theme of
/// the top-level code it sits in (the app keeps one level); a code nested
/// deeper is named with its path below the top (`"中层 › 底层"`) and counted
/// in `depth`.
///
/// # Errors
/// [`ImportError::Missing`] for a code without a GUID or a name,
/// [`ImportError::WrongType`] for a GUID that is not one,
/// [`ImportError::TooLong`] for a codebook field over
/// [`MAX_CODEBOOK_FIELD`] chars, [`ImportError::InvalidTheme`] for a theme
/// the app would refuse.
pub(super) fn read_codes(
    codes: El,
    known: &HashMap<String, String>,
    out: &mut Vec<ReadCode>,
    depth: &mut CodeDepth,
) -> Result<(), ImportError> {
    // (code, its top-level theme, the names of the codes between, its level)
    type Todo<'a, 'i> = (El<'a, 'i>, Option<String>, Vec<(String, String)>, usize);
    let mut todo: Vec<Todo> = codes.all("Code").map(|c| (c, None, Vec::new(), 1)).collect();
    todo.reverse();
    while let Some((code, parent, path, level)) = todo.pop() {
        depth.deepest = depth.deepest.max(level);
        let g = code.guid()?;
        let name = code.attr("name").unwrap_or("");
        let description = code.child("Description").map(|d| d.text()).unwrap_or_default();
        let line = description.lines().find_map(ThemeLine::read);
        let written = line.as_ref().and_then(|(_, l)| l.clone()).filter(|l| {
            let t = Theme {
                id: String::new(),
                name_zh: l.zh.clone(),
                name_en: l.en.clone(),
                color: String::new(),
                key: None,
            };
            t.label() == name.trim()
        });
        let (own_zh, own_en) = match &written {
            Some(l) => (l.zh.clone(), l.en.clone()),
            None => theme_names(name),
        };
        if own_zh.is_empty() && own_en.is_empty() {
            return Err(ImportError::Missing(format!("Code@name ({g})")));
        }
        // Below the second level, the names of the codes between lead.
        let with_path = |own: &str, pick: fn(&(String, String)) -> &String| -> String {
            if path.len() < 2 || own.is_empty() {
                return own.to_string();
            }
            let mut parts: Vec<&str> = path[1..]
                .iter()
                .map(|p| {
                    if pick(p).is_empty() {
                        if p.0.is_empty() {
                            &p.1
                        } else {
                            &p.0
                        }
                    } else {
                        pick(p)
                    }
                })
                .map(String::as_str)
                .collect();
            parts.push(own);
            let full = parts.join(" › ");
            let n = char_len(&full);
            if n <= MAX_NAME {
                full
            } else {
                let tail: String = full.chars().skip(n - (MAX_NAME - 1)).collect();
                format!("…{tail}")
            }
        };
        let name_zh = with_path(&own_zh, |p| &p.0);
        let name_en = with_path(&own_en, |p| &p.1);
        let color = code.attr("color").map(str::trim).unwrap_or("");
        let color = match color.len() {
            4 if color.starts_with('#') && color[1..].chars().all(|c| c.is_ascii_hexdigit()) => {
                color[1..].chars().fold(String::from("#"), |mut s, c| {
                    s.push(c);
                    s.push(c);
                    s
                })
            }
            _ if is_hex_color(color) => color.to_string(),
            _ => PALETTE[out.len() % PALETTE.len()].to_string(),
        }
        .to_ascii_lowercase();
        let id = known
            .get(&g)
            .cloned()
            .or_else(|| line.as_ref().map(|(id, _)| id.to_string()))
            .unwrap_or_else(|| format!("refi-{g}"));
        let rest: String = description
            .lines()
            .filter(|l| !l.trim().starts_with(THEME_ID_LINE))
            .collect::<Vec<_>>()
            .join("\n");
        let mut entry = Codebook::from_summary(&rest);
        if [
            &entry.definition,
            &entry.when_to_use,
            &entry.when_not_to_use,
            &entry.example,
        ]
        .iter()
        .any(|f| char_len(f) > MAX_CODEBOOK_FIELD)
        {
            return Err(ImportError::TooLong {
                field: "Code/Description".into(),
                limit: MAX_CODEBOOK_FIELD,
            });
        }
        entry.parent = parent.clone();
        let theme = Theme {
            id,
            name_zh,
            name_en,
            color,
            key: written.and_then(|l| l.key).filter(|k| (1..=9).contains(k)),
        };
        theme.validate().map_err(|e| ImportError::InvalidTheme {
            id: theme.id.clone(),
            reason: e.message(),
        })?;
        if level > 2 {
            depth.flattened.push(theme.label());
        }
        let top = parent.unwrap_or_else(|| theme.id.clone());
        let mut below = path.clone();
        below.push((own_zh, own_en));
        out.push((g, theme, entry));
        let mut nested: Vec<Todo> = code
            .all("Code")
            .map(|c| (c, Some(top.clone()), below.clone(), level + 1))
            .collect();
        nested.reverse();
        todo.extend(nested);
    }
    Ok(())
}

/// Reads a REFI-QDA 1.0 codebook (`.qdc`, XML in UTF-8, root `CodeBook`):
/// each code becomes a theme, in document order, named by the code (Chinese
/// → `name_zh`, else `name_en`; `"投资 investment"` gives both), coloured by
/// its `color` (`#rgb` or `#rrggbb`) or else from [`PALETTE`], without a
/// key; nested codes become sub-themes of their top-level code. A code
/// keeps the id of the store's theme whose GUID it has (this app's GUIDs of
/// now and of earlier versions), else the id its `Description` names (a
/// codebook this app wrote), else gets `refi-<guid>`. The rest of the
/// description is the theme's codebook entry, returned for the themes that
/// have one. `store` is only read.
///
/// # Errors
/// - [`ImportError::Empty`], [`ImportError::TooLarge`] (over
///   [`MAX_IMPORT_BYTES`]), [`ImportError::NotUtf8`];
/// - [`ImportError::Doctype`] for any DOCTYPE (no entity is ever expanded),
///   [`ImportError::NotXml`] for XML that is not well-formed (with where),
///   [`ImportError::TooDeep`] past 128 levels of nesting,
///   [`ImportError::TooLong`] past 500,000 elements;
/// - [`ImportError::UnknownFormat`] for another root element,
///   [`ImportError::DuplicateId`] for a GUID used twice;
/// - [`ImportError::Missing`] for a code without a GUID or a name,
///   [`ImportError::WrongType`] for a GUID that is not one,
///   [`ImportError::TooLong`] for a codebook field over
///   [`MAX_CODEBOOK_FIELD`] chars, [`ImportError::InvalidTheme`] for a theme
///   the app would refuse;
/// - [`ImportError::Nothing`] without codes.
pub fn import_codebook(bytes: &[u8], store: &Store) -> Result<ReadCodebook, ImportError> {
    if bytes.is_empty() {
        return Err(ImportError::Empty);
    }
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge(bytes.len()));
    }
    let doc = parse_xml(bytes)?;
    let root = El::root(&doc);
    if root.name() != "CodeBook" {
        return Err(ImportError::UnknownFormat(root.name().chars().take(60).collect()));
    }
    unique_guids(&doc)?;
    let mut codes = Vec::new();
    if let Some(c) = root.child("Codes") {
        read_codes(c, &known_codes(store), &mut codes, &mut CodeDepth::default())?;
    }
    if codes.is_empty() {
        return Err(ImportError::Nothing);
    }
    Ok(split_codes(codes))
}

/// Themes (in the file's order) and the codebook entries of those that
/// have one, by theme id, as a codebook file gives them.
pub type ReadCodebook = (Vec<Theme>, BTreeMap<String, Codebook>);

/// The code GUIDs this app gives, and gave in earlier versions, to the
/// store's themes (GUID → theme id), so that a code it exported finds its
/// theme even where the description naming it was lost.
pub(super) fn known_codes(store: &Store) -> HashMap<String, String> {
    store
        .themes
        .keys()
        .flat_map(|id| own_guids("code", id).map(|g| (g, id.clone())))
        .collect()
}

/// Themes and codebook entries of codes read by [`read_codes`].
pub(super) fn split_codes(codes: Vec<ReadCode>) -> ReadCodebook {
    let entries = codes
        .iter()
        .filter(|(_, _, e)| !e.is_empty())
        .map(|(_, t, e)| (t.id.clone(), e.clone()))
        .collect();
    (codes.into_iter().map(|(_, t, _)| t).collect(), entries)
}
