//! Themes are data, not an enum: the four built-ins are only the defaults,
//! and users add, rename, recolour and delete their own.

use serde::{Deserialize, Serialize};

use crate::text::char_len;

/// A coding theme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Theme {
    /// Stable id (`investment`, or `u-…` for a user's theme).
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    /// `#rrggbb`.
    pub color: String,
    /// The digit key (1–9) that toggles it, if any.
    pub key: Option<u8>,
}

/// Longest theme name accepted, in chars.
pub const MAX_NAME: usize = 40;

/// Why a theme cannot be saved, with the message the UI shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThemeError {
    EmptyName,
    NameTooLong,
    BadColor(String),
    BadKey(u8),
    BadId,
}

impl ThemeError {
    pub fn message(&self) -> String {
        match self {
            ThemeError::EmptyName => "主题需要名称 · A theme needs a name".into(),
            ThemeError::NameTooLong => {
                format!("主题名称最多 {MAX_NAME} 个字 · Theme names are at most {MAX_NAME} characters")
            }
            ThemeError::BadColor(c) => format!("颜色无效 · Not a colour: {c}"),
            ThemeError::BadKey(k) => format!("快捷键须为 1–9 · Key must be 1–9, not {k}"),
            ThemeError::BadId => "主题编号无效 · Invalid theme id".into(),
        }
    }
}

pub fn is_hex_color(c: &str) -> bool {
    c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|d| d.is_ascii_hexdigit())
}

impl Theme {
    /// Checks what the store accepts. Names are shown as text, never as
    /// HTML, so any characters are allowed; only their length is bounded.
    pub fn validate(&self) -> Result<(), ThemeError> {
        if self.id.is_empty() || char_len(&self.id) > 64 {
            return Err(ThemeError::BadId);
        }
        if self.name_zh.trim().is_empty() && self.name_en.trim().is_empty() {
            return Err(ThemeError::EmptyName);
        }
        if char_len(&self.name_zh) > MAX_NAME || char_len(&self.name_en) > MAX_NAME {
            return Err(ThemeError::NameTooLong);
        }
        if !is_hex_color(&self.color) {
            return Err(ThemeError::BadColor(self.color.clone()));
        }
        if let Some(k) = self.key {
            if !(1..=9).contains(&k) {
                return Err(ThemeError::BadKey(k));
            }
        }
        Ok(())
    }

    /// The name on a chip: the Chinese one, else the English.
    pub fn short_name(&self) -> &str {
        if self.name_zh.is_empty() {
            &self.name_en
        } else {
            &self.name_zh
        }
    }

    /// The name to show: both languages where both are set.
    pub fn label(&self) -> String {
        match (self.name_zh.trim().is_empty(), self.name_en.trim().is_empty()) {
            (false, false) => format!("{} {}", self.name_zh, self.name_en),
            (false, true) => self.name_zh.clone(),
            _ => self.name_en.clone(),
        }
    }
}

/// The four built-in themes of a speech on trade and investment.
pub fn builtin_themes() -> Vec<Theme> {
    let t = |id: &str, zh: &str, en: &str, color: &str, key| Theme {
        id: id.into(),
        name_zh: zh.into(),
        name_en: en.into(),
        color: color.into(),
        key: Some(key),
    };
    vec![
        t("investment", "投资", "investment", "#2f6fdb", 1),
        t("trade", "贸易", "trade", "#d9731a", 2),
        t("environment", "环境", "environment", "#1f9d63", 3),
        t("accountability", "问责", "accountability", "#c23b6e", 4),
    ]
}

/// Colours offered to new themes, in turn.
pub const PALETTE: &[&str] = &[
    "#7b4bd1", "#0e9aa7", "#a3761c", "#5b6b7f", "#d14b4b", "#3f8f2f", "#b0489c",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_are_valid_with_keys_one_to_four() {
        let themes = builtin_themes();
        assert_eq!(themes.len(), 4);
        for (i, t) in themes.iter().enumerate() {
            assert_eq!(t.validate(), Ok(()));
            assert_eq!(t.key, Some(i as u8 + 1));
        }
    }

    #[test]
    fn validation_rejects_bad_themes() {
        let base = builtin_themes().remove(0);
        let with = |f: &dyn Fn(&mut Theme)| {
            let mut t = base.clone();
            f(&mut t);
            t.validate()
        };
        assert_eq!(
            with(&|t| {
                t.name_zh.clear();
                t.name_en = " ".into()
            }),
            Err(ThemeError::EmptyName)
        );
        assert_eq!(with(&|t| t.name_zh = "长".repeat(41)), Err(ThemeError::NameTooLong));
        assert!(matches!(
            with(&|t| t.color = "red".into()),
            Err(ThemeError::BadColor(_))
        ));
        assert_eq!(with(&|t| t.key = Some(0)), Err(ThemeError::BadKey(0)));
        assert_eq!(with(&|t| t.name_zh = "<script>alert(1)</script>".into()), Ok(()));
    }
}
