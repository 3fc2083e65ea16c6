//! A theme's codebook entry: definition, when to use it, when not, an
//! example and an optional parent theme.

use serde::{Deserialize, Serialize};

use super::Stamp;

/// What a codebook says about a theme; all optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Codebook {
    pub definition: String,
    #[serde(rename = "whenToUse")]
    pub when_to_use: String,
    #[serde(rename = "whenNotToUse")]
    pub when_not_to_use: String,
    pub example: String,
    /// One level of sub-themes: the parent theme's id.
    pub parent: Option<String>,
}

/// The labels of the codebook's text fields, as [`Codebook::summary`]
/// writes them.
const SUMMARY_LABELS: [&str; 4] = [
    "定义 · Definition: ",
    "何时使用 · When to use: ",
    "何时不用 · When not to use: ",
    "示例 · Example: ",
];

impl Codebook {
    pub fn is_empty(&self) -> bool {
        *self == Codebook::default()
    }

    fn fields_mut(&mut self) -> [&mut String; 4] {
        [
            &mut self.definition,
            &mut self.when_to_use,
            &mut self.when_not_to_use,
            &mut self.example,
        ]
    }

    /// The text fields as labelled lines, empty ones left out: what a
    /// theme's tooltip shows and what a REFI-QDA `Description` carries.
    ///
    /// ```
    /// use annotator_core::store::Codebook;
    /// let c = Codebook { definition: "吸引外资".into(), example: "招商引资".into(), ..Default::default() };
    /// assert_eq!(c.summary(), "定义 · Definition: 吸引外资\n示例 · Example: 招商引资");
    /// assert_eq!(Codebook::from_summary(&c.summary()), c);
    /// ```
    pub fn summary(&self) -> String {
        let mut c = self.clone();
        SUMMARY_LABELS
            .iter()
            .zip(c.fields_mut())
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(label, v)| format!("{label}{}", v.trim()))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Reads [`Codebook::summary`]'s text back. Lines under a label continue
    /// its field; text before any label (another tool's plain description)
    /// is the definition. The parent is not part of the text.
    pub fn from_summary(text: &str) -> Codebook {
        let mut c = Codebook::default();
        let mut current = 0;
        for line in text.lines() {
            let found = SUMMARY_LABELS
                .iter()
                .position(|l| line.starts_with(l) || line.starts_with(l.trim_end()));
            let rest = match found {
                Some(i) => {
                    current = i;
                    line[SUMMARY_LABELS[i].trim_end().len()..].trim_start()
                }
                None => line,
            };
            let field = c.fields_mut().into_iter().nth(current).expect("four fields");
            if !field.is_empty() {
                field.push('\n');
            }
            field.push_str(rest);
        }
        for f in c.fields_mut() {
            *f = f.trim().to_string();
        }
        c
    }
}

/// Longest codebook field accepted, in chars.
pub const MAX_CODEBOOK_FIELD: usize = 4000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodebookEntry {
    pub entry: Codebook,
    pub stamp: Stamp,
}
