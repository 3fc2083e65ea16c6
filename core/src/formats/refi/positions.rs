//! Which unit a project's `startPosition`/`endPosition` count, and reading
//! them into chars.
//!
//! REFI-QDA 1.0 calls positions "character" positions without saying what a
//! character is. NVivo counts UTF-16 code units (checked on NVivo 12
//! projects whose texts hold emoji: the UTF-16 reading puts 272 of 297
//! selections on line boundaries, the code-point reading 13); qc and this
//! app count code points (Unicode scalar values). QualCoder writes the
//! positions of its Qt editor, which are UTF-16 units, but auto-coding in
//! versions before March 2026 stored code points, so its files are left to
//! the count; ATLAS.ti and MAXQDA are unknown. The two readings
//! differ only in texts with characters outside the Basic Multilingual
//! Plane (emoji, rare CJK ideographs of extension B and later), each of
//! which is one code point but two UTF-16 units. See `docs/refi-qda.md`.

/// The unit a project's positions count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetUnit {
    /// Unicode code points (scalar values, Rust `char`s): qc, this app.
    CodePoints,
    /// UTF-16 code units: NVivo, QualCoder's editor (and what JavaScript's
    /// `String.length` counts).
    Utf16,
}

impl OffsetUnit {
    /// The value of the page's `data-import-offset-unit` hook:
    /// `code-points` or `utf16`.
    pub fn as_str(self) -> &'static str {
        match self {
            OffsetUnit::CodePoints => "code-points",
            OffsetUnit::Utf16 => "utf16",
        }
    }

    /// What the preview says, in Chinese and English.
    pub fn label(self) -> &'static str {
        match self {
            OffsetUnit::CodePoints => "字符（码位） · code points",
            OffsetUnit::Utf16 => "UTF-16 代码单元 · UTF-16 code units",
        }
    }
}

/// Why [`decide_unit`] chose its unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitBasis {
    /// Every coded text is in the Basic Multilingual Plane: both readings
    /// give the same chars.
    NoDifference,
    /// The producer named in the project's `origin` is known to count this
    /// unit (NVivo: UTF-16).
    Producer(String),
    /// Counted: of all selection ends in texts outside the BMP, how many
    /// land on a line boundary (start or end of a line, or of the text)
    /// read as code points and read as UTF-16; and how many selections
    /// each reading puts past the end of their text.
    LineBoundaries {
        code_points: usize,
        utf16: usize,
        past_end_code_points: usize,
        past_end_utf16: usize,
    },
}

impl UnitBasis {
    /// Why, in Chinese and English, for the preview.
    pub fn message(&self) -> String {
        match self {
            UnitBasis::NoDifference => {
                "文本只含基本多文种平面字符，两种读法相同 · the texts hold no characters outside the BMP, so both readings agree".into()
            }
            UnitBasis::Producer(p) => format!("由 {p} 导出 · written by {p}"),
            UnitBasis::LineBoundaries {
                code_points,
                utf16,
                past_end_code_points,
                past_end_utf16,
            } => format!(
                "落在行边界的选区端点：按码位 {code_points}，按 UTF-16 {utf16}；超出文本：{past_end_code_points} / {past_end_utf16} · \
                 selection ends on line boundaries: {code_points} read as code points, {utf16} as UTF-16; past the text: {past_end_code_points} / {past_end_utf16}"
            ),
        }
    }
}

/// A text with a map from UTF-16 offsets to char offsets.
pub(super) struct Utf16Map {
    /// UTF-16 offset at which each char starts, plus the text's UTF-16
    /// length at the end. Empty when the text is all in the BMP (the
    /// offsets are then equal).
    starts: Vec<usize>,
    chars: usize,
}

impl Utf16Map {
    pub(super) fn new(text: &str) -> Utf16Map {
        let chars = text.chars().count();
        if text.chars().all(|c| c.len_utf16() == 1) {
            return Utf16Map {
                starts: Vec::new(),
                chars,
            };
        }
        let mut starts = Vec::with_capacity(chars + 1);
        let mut at = 0;
        for c in text.chars() {
            starts.push(at);
            at += c.len_utf16();
        }
        starts.push(at);
        Utf16Map { starts, chars }
    }

    /// Whether the text holds characters outside the BMP.
    pub(super) fn differs(&self) -> bool {
        !self.starts.is_empty()
    }

    /// The text's length in chars.
    pub(super) fn chars(&self) -> usize {
        self.chars
    }

    /// The char offset of a UTF-16 offset (one inside a surrogate pair
    /// rounds down to the pair's char), `None` past the end.
    pub(super) fn to_char(&self, utf16: usize) -> Option<usize> {
        if self.starts.is_empty() {
            return (utf16 <= self.chars).then_some(utf16);
        }
        if utf16 > *self.starts.last()? {
            return None;
        }
        Some(self.starts.partition_point(|&s| s <= utf16) - 1)
    }

    /// The char offset of a position counted in `unit`, `None` past the end.
    pub(super) fn read(&self, unit: OffsetUnit, position: usize) -> Option<usize> {
        match unit {
            OffsetUnit::CodePoints => (position <= self.chars).then_some(position),
            OffsetUnit::Utf16 => self.to_char(position),
        }
    }
}

/// Whether char offset `at` of `chars` (a text's chars) is a line boundary:
/// the start or end of the text or of a line.
fn on_line_boundary(chars: &[char], at: usize) -> bool {
    let line_end = |c: Option<&char>| matches!(c, Some('\n' | '\r'));
    at == 0 || at >= chars.len() || line_end(chars.get(at - 1)) || line_end(chars.get(at))
}

/// Decides the unit of a project's positions, per file: the producer named
/// in `origin` when it is known (NVivo: UTF-16); otherwise, counted over
/// the texts that hold characters outside the BMP (`coded`: each text with
/// its selections' raw `(start, end)`), the reading that puts fewer
/// selections past their text's end, then the one that puts more selection
/// ends on line boundaries (tools code whole lines or paragraphs more often
/// than anything else), code points on a tie. Texts all in the BMP read the
/// same either way: code points, [`UnitBasis::NoDifference`].
pub fn decide_unit(origin: Option<&str>, coded: &[(&str, Vec<(usize, usize)>)]) -> (OffsetUnit, UnitBasis) {
    let maps: Vec<_> = coded
        .iter()
        .map(|(t, s)| (Utf16Map::new(t), *t, s))
        .filter(|(m, _, s)| m.differs() && !s.is_empty())
        .collect();
    if maps.is_empty() {
        return (OffsetUnit::CodePoints, UnitBasis::NoDifference);
    }
    if let Some(o) = origin.filter(|o| o.to_lowercase().contains("nvivo")) {
        return (OffsetUnit::Utf16, UnitBasis::Producer(o.chars().take(100).collect()));
    }
    let (mut cp, mut u16, mut past_cp, mut past_u16) = (0, 0, 0, 0);
    for (map, text, selections) in &maps {
        let chars: Vec<char> = text.chars().collect();
        for &(start, end) in selections.iter() {
            for (unit, hits, past) in [
                (OffsetUnit::CodePoints, &mut cp, &mut past_cp),
                (OffsetUnit::Utf16, &mut u16, &mut past_u16),
            ] {
                match (map.read(unit, start), map.read(unit, end)) {
                    (Some(s), Some(e)) => {
                        *hits += usize::from(on_line_boundary(&chars, s)) + usize::from(on_line_boundary(&chars, e));
                    }
                    _ => *past += 1,
                }
            }
        }
    }
    let unit = match past_cp.cmp(&past_u16) {
        std::cmp::Ordering::Greater => OffsetUnit::Utf16,
        std::cmp::Ordering::Less => OffsetUnit::CodePoints,
        std::cmp::Ordering::Equal if u16 > cp => OffsetUnit::Utf16,
        std::cmp::Ordering::Equal => OffsetUnit::CodePoints,
    };
    (
        unit,
        UnitBasis::LineBoundaries {
            code_points: cp,
            utf16: u16,
            past_end_code_points: past_cp,
            past_end_utf16: past_u16,
        },
    )
}

/// A char offset of `text` counted in `unit` (for export to a tool that
/// counts UTF-16 units).
pub fn char_to_unit(text: &str, unit: OffsetUnit, char_offset: usize) -> usize {
    match unit {
        OffsetUnit::CodePoints => char_offset,
        OffsetUnit::Utf16 => crate::text::char_to_utf16(text, char_offset),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_offsets_map_to_chars_and_round_down_inside_a_pair() {
        let m = Utf16Map::new("a😀b");
        assert!(m.differs());
        assert_eq!(m.to_char(0), Some(0));
        assert_eq!(m.to_char(1), Some(1));
        assert_eq!(m.to_char(2), Some(1));
        assert_eq!(m.to_char(3), Some(2));
        assert_eq!(m.to_char(4), Some(3));
        assert_eq!(m.to_char(5), None);
        let bmp = Utf16Map::new("投资");
        assert!(!bmp.differs());
        assert_eq!(bmp.to_char(2), Some(2));
        assert_eq!(bmp.to_char(3), None);
    }

    #[test]
    fn the_unit_is_decided_by_producer_then_by_line_boundaries() {
        let text = "😀😀\nline two\nthree";
        // "line two" is chars 3..11, UTF-16 5..13.
        let sel = vec![(5, 13)];
        let (unit, basis) = decide_unit(Some("hand-written"), &[(text, sel.clone())]);
        assert_eq!(unit, OffsetUnit::Utf16);
        assert!(matches!(basis, UnitBasis::LineBoundaries { utf16: 2, .. }), "{basis:?}");
        let (unit, _) = decide_unit(Some("hand-written"), &[(text, vec![(3, 11)])]);
        assert_eq!(unit, OffsetUnit::CodePoints);
        let (unit, basis) = decide_unit(Some("NVivo 12 (Windows)"), &[(text, vec![(3, 11)])]);
        assert_eq!(unit, OffsetUnit::Utf16);
        assert_eq!(basis, UnitBasis::Producer("NVivo 12 (Windows)".into()));
        let (unit, basis) = decide_unit(Some("NVivo"), &[("只有中文\n第二行", vec![(0, 4)])]);
        assert_eq!((unit, basis), (OffsetUnit::CodePoints, UnitBasis::NoDifference));
        // Past the end read as code points only: UTF-16.
        let (unit, _) = decide_unit(None, &[("😀😀", vec![(0, 4)])]);
        assert_eq!(unit, OffsetUnit::Utf16);
    }
}
