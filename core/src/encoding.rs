//! Turning the bytes of a `.txt` file into text, without silent mojibake.
//!
//! Most Chinese government sites still serve GB18030/GBK. The rule: a BOM
//! decides; otherwise valid UTF-8 is UTF-8; otherwise valid GB18030 is
//! GB18030, unless the bytes are also valid Big5 and read far more like
//! Chinese that way (Taiwan and Hong Kong texts: most Big5 files are also
//! "valid" GBK, as mojibake); otherwise the file is refused with a message,
//! unless the user chose an encoding, in which case undecodable bytes are
//! reported.
//!
//! The rule is decided here; the GB18030 and Big5 tables come from the
//! platform through [`LegacyDecoder`]: the browser's `TextDecoder` in the
//! app (so the page's wasm carries no table), `encoding_rs` natively
//! ([`Tables`], the default feature `encoding-tables`). Both implement the
//! WHATWG Encoding Standard, so they decode alike. UTF-8 and UTF-16 need
//! no table.

/// Very common characters written the same in simplified and traditional
/// Chinese. A text decoded with the right encoding is full of them; the
/// same bytes decoded with the wrong one almost never produce them.
const COMMON: &str =
    "的一是不了在人有我他大中上和年要以地出就也之而可其此所下自工作市全加重新力高外各等好求企在今日月成同合分公民主";

/// How many of the decoded characters are [`COMMON`] ones.
fn commonness(text: &str) -> usize {
    text.chars().filter(|c| COMMON.contains(*c)).count()
}

/// Largest text file accepted (bytes).
pub const MAX_TEXT_BYTES: usize = 8 * 1024 * 1024;

/// The encodings a user can choose.
pub const CHOICES: &[&str] = &["UTF-8", "GB18030", "Big5", "UTF-16LE", "UTF-16BE"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// The encoding used, as its WHATWG name.
    pub encoding: &'static str,
    /// How it was chosen (shown to the user).
    pub how: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    Empty,
    TooLarge(usize),
    /// Neither UTF-8 nor GB18030: the user must choose.
    Unknown,
    /// The chosen encoding does not fit: this many replacement characters.
    Malformed {
        encoding: &'static str,
        replaced: usize,
    },
    UnknownEncoding(String),
    /// Looks like a binary file (NUL bytes).
    Binary,
}

impl DecodeError {
    pub fn message(&self) -> String {
        match self {
            DecodeError::Empty => "文件是空的 · The file is empty".into(),
            DecodeError::TooLarge(n) => format!(
                "文件过大（{:.1} MB，上限 {} MB） · The file is too large ({:.1} MB; the limit is {} MB)",
                *n as f64 / 1e6,
                MAX_TEXT_BYTES / (1024 * 1024),
                *n as f64 / 1e6,
                MAX_TEXT_BYTES / (1024 * 1024)
            ),
            DecodeError::Unknown => {
                "无法识别编码（不是 UTF-8 或 GB18030），请选择编码 · Unknown encoding (neither UTF-8 nor GB18030): choose one".into()
            }
            DecodeError::Malformed { encoding, replaced } => format!(
                "按 {encoding} 解码有 {replaced} 处无法识别，可能选错了编码 · Decoding as {encoding} left {replaced} unreadable characters: probably the wrong encoding"
            ),
            DecodeError::UnknownEncoding(e) => format!("不支持的编码 {e} · Unsupported encoding {e}"),
            DecodeError::Binary => "这不是文本文件 · This is not a text file".into(),
        }
    }
}

/// A legacy Chinese encoding, decoded with the platform's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legacy {
    /// GB18030 (and GBK, GB2312, which it extends).
    Gb18030,
    /// Big5 (WHATWG's, with the HKSCS extensions).
    Big5,
}

impl Legacy {
    /// The WHATWG label (what `TextDecoder` takes).
    pub fn label(self) -> &'static str {
        match self {
            Legacy::Gb18030 => "gb18030",
            Legacy::Big5 => "big5",
        }
    }
}

/// Decodes GB18030 and Big5 bytes: the seam to the platform's tables.
pub trait LegacyDecoder {
    /// The text, or `None` if any byte sequence is invalid in `encoding`.
    fn strict(&self, encoding: Legacy, bytes: &[u8]) -> Option<String>;
    /// The text with U+FFFD for each invalid sequence.
    fn lossy(&self, encoding: Legacy, bytes: &[u8]) -> String;
}

/// `encoding_rs`'s tables as a [`LegacyDecoder`], for native use and tests.
#[cfg(feature = "encoding-tables")]
pub struct Tables;

#[cfg(feature = "encoding-tables")]
impl Tables {
    fn encoding(e: Legacy) -> &'static encoding_rs::Encoding {
        match e {
            Legacy::Gb18030 => encoding_rs::GB18030,
            Legacy::Big5 => encoding_rs::BIG5,
        }
    }
}

#[cfg(feature = "encoding-tables")]
impl LegacyDecoder for Tables {
    fn strict(&self, encoding: Legacy, bytes: &[u8]) -> Option<String> {
        Tables::encoding(encoding)
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|c| c.into_owned())
    }

    fn lossy(&self, encoding: Legacy, bytes: &[u8]) -> String {
        Tables::encoding(encoding)
            .decode_without_bom_handling(bytes)
            .0
            .into_owned()
    }
}

/// An encoding the user can name, with the name reported for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    Utf8,
    Utf16Le,
    Utf16Be,
    /// A legacy encoding and the WHATWG name of the one chosen (GBK is
    /// decoded as GB18030, its superset, as the standard says).
    Legacy(Legacy, &'static str),
}

impl Charset {
    /// The encoding a label names (ASCII case and surrounding spaces
    /// ignored), as the WHATWG Encoding Standard maps these labels.
    fn for_label(label: &str) -> Option<Charset> {
        let label = label.trim().to_ascii_lowercase();
        Some(match label.as_str() {
            "utf-8" | "utf8" | "unicode-1-1-utf-8" | "unicode11utf8" | "unicode20utf8" | "x-unicode20utf8" => {
                Charset::Utf8
            }
            "utf-16le" | "utf-16" | "unicode" | "unicodefeff" | "ucs-2" | "csunicode" | "iso-10646-ucs-2" => {
                Charset::Utf16Le
            }
            "utf-16be" | "unicodefffe" => Charset::Utf16Be,
            "gb18030" => Charset::Legacy(Legacy::Gb18030, "gb18030"),
            "gbk" | "gb2312" | "chinese" | "csgb2312" | "csiso58gb231280" | "gb_2312" | "gb_2312-80" | "iso-ir-58"
            | "x-gbk" => Charset::Legacy(Legacy::Gb18030, "GBK"),
            "big5" | "big5-hkscs" | "cn-big5" | "csbig5" | "x-x-big5" => Charset::Legacy(Legacy::Big5, "Big5"),
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Charset::Utf8 => "UTF-8",
            Charset::Utf16Le => "UTF-16LE",
            Charset::Utf16Be => "UTF-16BE",
            Charset::Legacy(_, name) => name,
        }
    }

    /// The charset a byte-order mark at the start names, and its length.
    fn for_bom(bytes: &[u8]) -> Option<(Charset, usize)> {
        match bytes {
            [0xef, 0xbb, 0xbf, ..] => Some((Charset::Utf8, 3)),
            [0xff, 0xfe, ..] => Some((Charset::Utf16Le, 2)),
            [0xfe, 0xff, ..] => Some((Charset::Utf16Be, 2)),
            _ => None,
        }
    }

    fn units(self, bytes: &[u8]) -> impl Iterator<Item = u16> + '_ {
        let le = self == Charset::Utf16Le;
        bytes.chunks_exact(2).map(move |p| {
            if le {
                u16::from_le_bytes([p[0], p[1]])
            } else {
                u16::from_be_bytes([p[0], p[1]])
            }
        })
    }

    fn strict(self, bytes: &[u8], legacy: &impl LegacyDecoder) -> Option<String> {
        match self {
            Charset::Utf8 => std::str::from_utf8(bytes).ok().map(str::to_string),
            Charset::Utf16Le | Charset::Utf16Be => {
                if !bytes.len().is_multiple_of(2) {
                    return None;
                }
                char::decode_utf16(self.units(bytes))
                    .collect::<Result<String, _>>()
                    .ok()
            }
            Charset::Legacy(e, _) => legacy.strict(e, bytes),
        }
    }

    fn lossy(self, bytes: &[u8], legacy: &impl LegacyDecoder) -> String {
        match self {
            Charset::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            Charset::Utf16Le | Charset::Utf16Be => {
                let mut text: String = char::decode_utf16(self.units(bytes))
                    .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                    .collect();
                // A byte left over is one more error, unless it ends a
                // sequence already in error (after a lone lead surrogate):
                // the standard reports an unfinished sequence once.
                let lead_open = self.units(bytes).last().is_some_and(|u| (0xd800..0xdc00).contains(&u));
                if !bytes.len().is_multiple_of(2) && !lead_open {
                    text.push(char::REPLACEMENT_CHARACTER);
                }
                text
            }
            Charset::Legacy(e, _) => legacy.lossy(e, bytes),
        }
    }
}

/// Decodes a text file; `choice` is an encoding label the user picked;
/// `legacy` supplies the GB18030 and Big5 tables.
///
/// ```
/// use annotator_core::encoding::{decode, Tables};
/// let gbk = [0xd6, 0xd0, 0xce, 0xc4]; // 中文 in GBK
/// let d = decode(&gbk, None, &Tables).unwrap();
/// assert_eq!((d.text.as_str(), d.encoding), ("中文", "gb18030"));
/// ```
pub fn decode(bytes: &[u8], choice: Option<&str>, legacy: &impl LegacyDecoder) -> Result<Decoded, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if bytes.len() > MAX_TEXT_BYTES {
        return Err(DecodeError::TooLarge(bytes.len()));
    }
    if let Some(label) = choice {
        let chosen = Charset::for_label(label).ok_or_else(|| DecodeError::UnknownEncoding(label.into()))?;
        // A byte-order mark wins over the choice, as browsers decide.
        let (used, rest) = match Charset::for_bom(bytes) {
            Some((bom, len)) => (bom, &bytes[len..]),
            None => (chosen, bytes),
        };
        let text = used.lossy(rest, legacy);
        let replaced = text.matches('\u{fffd}').count();
        if replaced > 0 {
            return Err(DecodeError::Malformed {
                encoding: used.name(),
                replaced,
            });
        }
        return Ok(Decoded {
            text,
            encoding: used.name(),
            how: "chosen · 用户选择",
        });
    }
    if let Some((charset, bom_len)) = Charset::for_bom(bytes) {
        let text = charset
            .strict(&bytes[bom_len..], legacy)
            .ok_or(DecodeError::Malformed {
                encoding: charset.name(),
                replaced: 1,
            })?;
        return Ok(Decoded {
            text,
            encoding: charset.name(),
            how: "byte-order mark · 字节序标记",
        });
    }
    if bytes.contains(&0) {
        // UTF-16 without a BOM is rare; NULs otherwise mean binary.
        return Err(DecodeError::Binary);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Decoded {
            text: text.to_string(),
            encoding: Charset::Utf8.name(),
            how: "valid UTF-8 · 有效的 UTF-8",
        });
    }
    if let Some(text) = legacy.strict(Legacy::Gb18030, bytes) {
        if let Some(big5) = legacy
            .strict(Legacy::Big5, bytes)
            .filter(|b| commonness(b) > 2 * commonness(&text))
        {
            return Ok(Decoded {
                text: big5,
                encoding: "Big5",
                how: "not UTF-8, reads as Big5 (traditional) · 非 UTF-8，按 Big5（繁体）",
            });
        }
        return Ok(Decoded {
            text,
            encoding: "gb18030",
            how: "not UTF-8, valid GB18030 · 非 UTF-8，按 GB18030",
        });
    }
    Err(DecodeError::Unknown)
}

#[cfg(all(test, feature = "encoding-tables"))]
mod tests {
    use super::*;
    use encoding_rs::{BIG5, GB18030};

    fn decode(bytes: &[u8], choice: Option<&str>) -> Result<Decoded, DecodeError> {
        super::decode(bytes, choice, &Tables)
    }

    const SPEECH: &str = include_str!("../../assets/speech-foreign-trade-2022-07-14.txt");

    #[test]
    fn utf8_with_and_without_bom() {
        let plain = decode(SPEECH.as_bytes(), None).unwrap();
        assert_eq!(plain.encoding, "UTF-8");
        assert_eq!(plain.text, SPEECH);
        let mut bom = vec![0xef, 0xbb, 0xbf];
        bom.extend_from_slice(SPEECH.as_bytes());
        let d = decode(&bom, None).unwrap();
        assert_eq!(d.text, SPEECH, "the BOM is not part of the text");
    }

    #[test]
    fn gb18030_speech_is_detected_and_decoded_exactly() {
        let (bytes, _, unmappable) = GB18030.encode(SPEECH);
        assert!(!unmappable);
        let d = decode(&bytes, None).unwrap();
        assert_eq!(d.encoding, "gb18030");
        assert_eq!(d.text, SPEECH);
    }

    #[test]
    fn big5_is_told_from_gbk_by_what_reads_as_chinese() {
        let traditional = "市長在全市外經貿工作調度會議上的講話\n一、要充分認識當前外經貿工作的重要性\n我們要加大招商引資力度，穩定外資企業的生產經營。";
        let (bytes, _, unmappable) = BIG5.encode(traditional);
        assert!(!unmappable);
        assert!(
            Tables.strict(Legacy::Gb18030, &bytes).is_some(),
            "the trap: Big5 bytes are also valid GBK"
        );
        let d = decode(&bytes, None).unwrap();
        assert_eq!((d.encoding, d.text.as_str()), ("Big5", traditional));
        // and GBK text is not taken for Big5
        let (gbk, _, _) = GB18030.encode(SPEECH);
        assert_eq!(decode(&gbk, None).unwrap().encoding, "gb18030");
    }

    #[test]
    fn utf16_with_bom() {
        let mut bytes = vec![0xff, 0xfe];
        for u in "讲话".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode(&bytes, None).unwrap().text, "讲话");
    }

    #[test]
    fn bad_input_is_refused_with_a_reason() {
        assert_eq!(decode(b"", None), Err(DecodeError::Empty));
        assert_eq!(decode(&[0x89, b'P', b'N', b'G', 0, 0], None), Err(DecodeError::Binary));
        assert_eq!(
            decode(&vec![b'a'; MAX_TEXT_BYTES + 1], None),
            Err(DecodeError::TooLarge(MAX_TEXT_BYTES + 1))
        );
        // invalid in both UTF-8 and GB18030
        assert_eq!(decode(&[0x81, 0x20, 0xff, 0xff], None), Err(DecodeError::Unknown));
        assert!(matches!(
            decode("中文".as_bytes(), Some("big5")),
            Err(DecodeError::Malformed { .. })
        ));
        assert!(matches!(
            decode(b"x", Some("klingon")),
            Err(DecodeError::UnknownEncoding(_))
        ));
        assert_eq!(decode(b"plain", Some("gbk")).unwrap().encoding, "GBK");
    }

    #[test]
    fn every_choice_decodes_its_own_bytes_and_a_bom_wins() {
        let text = "讲话 speech";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let (gb, _, _) = GB18030.encode(text);
        let (big5, _, _) = BIG5.encode("講話 speech");
        for (label, bytes, name) in [
            ("UTF-8", text.as_bytes().to_vec(), "UTF-8"),
            ("GB18030", gb.to_vec(), "gb18030"),
            ("Big5", big5.to_vec(), "Big5"),
            ("UTF-16LE", le.clone(), "UTF-16LE"),
            ("UTF-16BE", be.clone(), "UTF-16BE"),
        ] {
            assert!(CHOICES.contains(&label));
            let d = decode(&bytes, Some(label)).unwrap_or_else(|e| panic!("{label}: {e:?}"));
            assert_eq!(d.encoding, name);
            assert!(
                d.text.ends_with(" speech") && d.text.chars().count() == 9,
                "{label}: {}",
                d.text
            );
        }
        let mut with_bom = vec![0xfe, 0xff];
        with_bom.extend_from_slice(&be);
        assert_eq!(decode(&with_bom, None).unwrap().text, text);
        let chosen = decode(&with_bom, Some("gbk")).unwrap();
        assert_eq!((chosen.encoding, chosen.text.as_str()), ("UTF-16BE", text));
        assert!(matches!(
            decode(&le[1..], Some("utf-16le")),
            Err(DecodeError::Malformed { .. })
        ));
        // A lone lead surrogate, then a byte left over: one error, as the
        // standard counts an unfinished sequence once.
        assert_eq!(Charset::Utf16Be.lossy(&[0, 0x41, 0xd8, 0, 0], &Tables), "A\u{fffd}");
        assert_eq!(Charset::Utf16Le.lossy(&[0x41, 0, 0x42], &Tables), "A\u{fffd}");
    }

    proptest::proptest! {
        /// UTF-8 and UTF-16 are decoded without tables here: exactly as
        /// encoding_rs (the WHATWG decoders) does, valid or not.
        #[test]
        fn unicode_without_tables_decodes_as_the_standard_does(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            for (charset, enc) in [
                (Charset::Utf8, encoding_rs::UTF_8),
                (Charset::Utf16Le, encoding_rs::UTF_16LE),
                (Charset::Utf16Be, encoding_rs::UTF_16BE),
            ] {
                let standard = enc.decode_without_bom_handling(&bytes).0.into_owned();
                proptest::prop_assert_eq!(charset.lossy(&bytes, &Tables), standard.clone());
                let strict = enc.decode_without_bom_handling_and_without_replacement(&bytes).map(|c| c.into_owned());
                proptest::prop_assert_eq!(charset.strict(&bytes, &Tables), strict);
            }
        }
    }
}
