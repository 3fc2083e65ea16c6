//! What the user sets about key terms and suggestions: per document (the
//! term list's settings and curation, rejected suggestions) and for every
//! document (the user dictionary of added phrases, the theme lexicons).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::persist::{open_envelope, Problem, Restored, PREFIX, VERSION};
use crate::terms::TermSettings;

pub const DOC_SETTINGS_TYPE: &str = "speech-annotator/document-settings";
pub const USER_SETTINGS_TYPE: &str = "speech-annotator/user-settings";

pub fn doc_settings_key(fingerprint: &str) -> String {
    format!("{PREFIX}terms:{fingerprint}")
}
pub fn user_settings_key() -> String {
    format!("{PREFIX}settings")
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DocSettings {
    pub terms: TermSettings,
    /// (block id, theme id) suggestions the user rejected.
    pub rejected: BTreeSet<(String, String)>,
    /// Which key terms the text highlights.
    pub highlight: TermHighlight,
}

/// How many of the ranked key terms are highlighted in the text. The
/// others are still found (hovering or clicking one in the list marks its
/// every occurrence); a handful of highlights reads as emphasis, thirty as
/// noise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TermHighlight {
    /// Highlighting on at all.
    pub on: bool,
    /// The top so many terms of the list.
    pub top: usize,
}

/// Terms highlighted by default: the top ten.
pub const DEFAULT_HIGHLIGHT: usize = 10;

impl Default for TermHighlight {
    fn default() -> Self {
        TermHighlight {
            on: true,
            top: DEFAULT_HIGHLIGHT,
        }
    }
}

impl TermHighlight {
    /// Terms ranked below this (0-based index) are highlighted; 0 when off.
    pub fn limit(&self) -> usize {
        if self.on {
            self.top
        } else {
            0
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserSettings {
    /// Phrases cut as one word in every document (the user dictionary).
    pub words: Vec<String>,
    /// Theme id → indicative words.
    pub lexicons: BTreeMap<String, Vec<String>>,
}

impl Default for UserSettings {
    fn default() -> Self {
        UserSettings {
            words: Vec::new(),
            lexicons: crate::suggest::builtin_lexicons(),
        }
    }
}

/// A settings value as its stored envelope (`type`, `version`, fields).
pub(crate) fn encode<T: Serialize>(kind: &str, value: &T) -> String {
    let mut v = serde_json::to_value(value).expect("plain data serialises");
    if let Some(o) = v.as_object_mut() {
        o.insert("type".into(), kind.into());
        o.insert("version".into(), VERSION.into());
    }
    v.to_string()
}

/// Reads a stored envelope of `kind` back, or the problem with it.
pub(crate) fn decode<T: for<'de> Deserialize<'de>>(raw: &str, kind: &str) -> Restored<T> {
    match open_envelope(raw, kind) {
        Err(p) => Restored {
            value: None,
            problems: vec![p],
        },
        Ok(obj) => match serde_json::from_value(serde_json::Value::Object(obj)) {
            Ok(v) => Restored {
                value: Some(v),
                problems: vec![],
            },
            Err(e) => Restored {
                value: None,
                problems: vec![Problem::NotJson(e.to_string())],
            },
        },
    }
}

pub fn encode_doc_settings(s: &DocSettings) -> String {
    encode(DOC_SETTINGS_TYPE, s)
}
pub fn decode_doc_settings(raw: &str) -> Restored<DocSettings> {
    decode(raw, DOC_SETTINGS_TYPE)
}
pub fn encode_user_settings(s: &UserSettings) -> String {
    encode(USER_SETTINGS_TYPE, s)
}
pub fn decode_user_settings(raw: &str) -> Restored<UserSettings> {
    decode(raw, USER_SETTINGS_TYPE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_bad_values_are_refused() {
        let mut d = DocSettings::default();
        d.terms.top_k = 12;
        d.terms.curation.pinned.push("园区".into());
        d.rejected.insert(("b-0".into(), "trade".into()));
        assert_eq!(decode_doc_settings(&encode_doc_settings(&d)).value, Some(d));
        let mut u = UserSettings::default();
        u.words.push("外经贸工作调度会议".into());
        assert_eq!(decode_user_settings(&encode_user_settings(&u)).value, Some(u));
        assert!(decode_doc_settings("{oops").value.is_none());
        assert!(
            decode_user_settings(r#"{"type":"speech-annotator/user-settings","version":9}"#)
                .value
                .is_none()
        );
        assert!(UserSettings::default().lexicons["investment"].contains(&"招商引资".to_string()));
    }

    #[test]
    fn settings_saved_before_the_highlight_setting_load_with_the_top_ten() {
        let old = r#"{"type":"speech-annotator/document-settings","version":1,"terms":{"top_k":12},"rejected":[]}"#;
        let d = decode_doc_settings(old).value.expect("old settings load");
        assert_eq!(d.terms.top_k, 12);
        assert_eq!(d.highlight, TermHighlight { on: true, top: 10 });
        assert_eq!(d.highlight.limit(), 10);
        let off = TermHighlight { on: false, top: 10 };
        assert_eq!(off.limit(), 0);
    }
}
