//! Turning the bytes of a `.txt` file into text, without silent mojibake.
//!
//! Most Chinese government sites still serve GB18030/GBK. The rule: a BOM
//! decides; otherwise valid UTF-8 is UTF-8; otherwise valid GB18030 is
//! GB18030, unless the bytes are also valid Big5 and read far more like
//! Chinese that way (Taiwan and Hong Kong texts: most Big5 files are also
//! "valid" GBK, as mojibake); otherwise the file is refused with a message,
//! unless the user chose an encoding, in which case undecodable bytes are
//! reported.

use encoding_rs::{Encoding, BIG5, GB18030, UTF_8};

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

fn strict(enc: &'static Encoding, bytes: &[u8]) -> Option<String> {
    enc.decode_without_bom_handling_and_without_replacement(bytes)
        .map(|c| c.into_owned())
}

/// Decodes a text file; `choice` is an encoding label the user picked.
///
/// ```
/// use annotator_core::encoding::decode;
/// let gbk = [0xd6, 0xd0, 0xce, 0xc4]; // 中文 in GBK
/// let d = decode(&gbk, None).unwrap();
/// assert_eq!((d.text.as_str(), d.encoding), ("中文", "gb18030"));
/// ```
pub fn decode(bytes: &[u8], choice: Option<&str>) -> Result<Decoded, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if bytes.len() > MAX_TEXT_BYTES {
        return Err(DecodeError::TooLarge(bytes.len()));
    }
    if let Some(label) = choice {
        let enc = Encoding::for_label(label.as_bytes()).ok_or_else(|| DecodeError::UnknownEncoding(label.into()))?;
        let (text, used, _) = enc.decode(bytes);
        let replaced = text.matches('\u{fffd}').count();
        if replaced > 0 {
            return Err(DecodeError::Malformed {
                encoding: used.name(),
                replaced,
            });
        }
        return Ok(Decoded {
            text: text.into_owned(),
            encoding: used.name(),
            how: "chosen · 用户选择",
        });
    }
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let text = strict(enc, &bytes[bom_len..]).ok_or(DecodeError::Malformed {
            encoding: enc.name(),
            replaced: 1,
        })?;
        return Ok(Decoded {
            text,
            encoding: enc.name(),
            how: "byte-order mark · 字节序标记",
        });
    }
    if bytes.contains(&0) {
        // UTF-16 without a BOM is rare; NULs otherwise mean binary.
        return Err(DecodeError::Binary);
    }
    if let Some(text) = strict(UTF_8, bytes) {
        return Ok(Decoded {
            text,
            encoding: UTF_8.name(),
            how: "valid UTF-8 · 有效的 UTF-8",
        });
    }
    if let Some(text) = strict(GB18030, bytes) {
        if let Some(big5) = strict(BIG5, bytes).filter(|b| commonness(b) > 2 * commonness(&text)) {
            return Ok(Decoded {
                text: big5,
                encoding: BIG5.name(),
                how: "not UTF-8, reads as Big5 (traditional) · 非 UTF-8，按 Big5（繁体）",
            });
        }
        return Ok(Decoded {
            text,
            encoding: GB18030.name(),
            how: "not UTF-8, valid GB18030 · 非 UTF-8，按 GB18030",
        });
    }
    Err(DecodeError::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

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
            strict(GB18030, &bytes).is_some(),
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
}
