//! Segmentation and the key-term pipeline.
//!
//! segment (jieba-rs + policy phrases) → candidates (part of speech, speech
//! filler, ordinals, numbers, placeholders) → scores (TF-IDF) → ranked list
//! with the reasons (weight, count, blocks) → marks per block for the view.
//! Same text and settings give the same list on any machine: ties are broken
//! by the term itself.

use std::collections::HashMap;

use jieba_rs::Jieba;
use serde::{Deserialize, Serialize};

use crate::document::Document;
use crate::text::char_len;

/// Policy phrases that jieba's dictionary splits but an analyst reads as one
/// term. They enter the dictionary so they are cut whole everywhere.
pub const POLICY_PHRASES: &[&str] = &[
    "外经贸",
    "招商引资",
    "利用外资",
    "增资扩股",
    "加工贸易",
    "一般贸易",
    "出口信用保险",
    "三多三少",
    "营商环境",
    "对外开放",
    "实体经济",
    "自主创新",
    "转型升级",
    "新兴市场",
    "骨干企业",
    "重点项目",
    "科技兴贸",
    "招大引强",
    "开放型经济",
    "政务服务",
    "行政监察",
    "拉闸限电",
    "融资担保",
    "县域经济",
    "产业链",
    "附加值",
    "中小企业",
];

/// Words a speech repeats without saying anything an analyst would code:
/// administrative filler, exhortation verbs, pronouns and connectives.
/// jieba-rs's default stop words are English only.
pub const FILLER: &[&str] = &[
    "工作",
    "部门",
    "加大",
    "力度",
    "抓好",
    "各级",
    "坚持",
    "我市",
    "全市",
    "同志",
    "问题",
    "方面",
    "进一步",
    "努力",
    "加强",
    "推进",
    "推动",
    "积极",
    "切实",
    "有关",
    "相关",
    "这些",
    "一些",
    "我们",
    "大家",
    "主要",
    "重要",
    "重点",
    "情况",
    "要求",
    "实现",
    "开展",
    "做好",
    "提高",
    "形成",
    "不断",
    "一定",
    "当前",
    "目前",
    "现在",
    "今年",
    "去年",
    "下步",
    "下一步",
    "会后",
    "近期",
    "同时",
    "以及",
    "进行",
    "通过",
    "作为",
    "没有",
    "不是",
    "就是",
    "还是",
    "这样",
    "那么",
    "一个",
    "一种",
    "一批",
    "一位",
    "一家",
    "一户",
    "多方面",
    "原因",
    "作用",
    "能力",
    "水平",
    "必须",
    "需要",
    "已经",
    "起来",
    "尽快",
    "确保",
    "力争",
    "全面",
    "充分",
    "及时",
    "主动",
    "继续",
    "特别",
    "更加",
    "更大",
    "更多",
    "比较",
    "很大",
    "十分",
    "高度",
    "多年",
    "市里",
    "各部门",
    "有的",
    "这方面",
    "这么",
    "几个",
    "引起",
    "注意",
    "开始",
    "发现",
    "过问",
    "负责",
    "同志们",
    "领导同志",
    "单子",
    "列出",
    "拉出",
    "时间",
    "讲话",
    "会议",
    "影响",
    "并重",
    "任务",
    "措施",
    "办法",
    "实际",
    "具有",
    "出来",
    "上来",
    "下去",
    "上去",
];

/// Parts of speech that can carry a key term: nouns of every kind, verbal
/// and adjectival nouns, idioms and abbreviations, verbs.
pub const DEFAULT_POS: &[&str] = &[
    "n", "nr", "ns", "nt", "nz", "nrt", "vn", "an", "v", "l", "i", "j", "eng",
];

/// `二要`, `三是`, `第四`, `(一)`: the ordinal scaffolding of a speech.
pub fn is_ordinal(word: &str) -> bool {
    const NUM: &str = "一二三四五六七八九十百零〇两";
    let core = word.trim_start_matches('第');
    let n = core.chars().take_while(|c| NUM.contains(*c)).count();
    if n == 0 {
        return word.starts_with('(') || word.starts_with('（');
    }
    let rest: String = core.chars().skip(n).collect();
    rest.is_empty() || ["要", "是", "个", "条", "点", "项", "来", "次", "、"].contains(&rest.as_str())
}

/// Numbers, percentages and the placeholders (`××`) of redacted figures.
pub fn is_number_or_placeholder(word: &str) -> bool {
    const NUMERIC: &str = "0123456789０１２３４５６７８９.%％一二三四五六七八九十百千万亿零〇两几";
    // A measure word after a number (六成, 三倍, 十个) still makes a number.
    const MEASURE: &[char] = &[
        '成', '倍', '年', '月', '日', '个', '位', '户', '家', '项', '次', '条', '名',
    ];
    let digits = word.strip_suffix(MEASURE).filter(|d| !d.is_empty()).unwrap_or(word);
    word.contains(['×', 'Ｘ', '*', '＊']) || digits.chars().all(|c| NUMERIC.contains(c) || c == 'x' || c == 'X')
}

/// Whether a segmented word may be a key term at all.
pub fn is_candidate(word: &str) -> bool {
    char_len(word) >= 2
        && !FILLER.contains(&word)
        && !is_ordinal(word)
        && !is_number_or_placeholder(word)
        && word.chars().any(|c| c.is_alphabetic())
}

/// What the user can set about the key-term list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermSettings {
    /// How many terms to keep.
    pub top_k: usize,
    /// Parts of speech that count (jieba tags).
    pub allowed_pos: Vec<String>,
}

impl Default for TermSettings {
    fn default() -> Self {
        TermSettings {
            top_k: 30,
            allowed_pos: DEFAULT_POS.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// One ranked key term with the reasons it is there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyTerm {
    pub term: String,
    /// 1-based rank.
    pub rank: usize,
    /// TF-IDF weight.
    pub weight: f64,
    /// Occurrences in the analysed blocks.
    pub count: usize,
    /// Indices of the blocks that hold it, in document order.
    pub blocks: Vec<usize>,
}

/// One highlighted occurrence inside a block (char offsets in the block).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub start: usize,
    pub end: usize,
    /// Index into [`Analysis::terms`].
    pub term: usize,
}

/// The key terms of a document and where they occur.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Analysis {
    pub terms: Vec<KeyTerm>,
    /// Marks per block, indexed like `Document::blocks`.
    pub marks: Vec<Vec<Mark>>,
}

/// The pruned jieba dictionary with IDF values (see `scripts/prune-dictionary.py`):
/// `word freq tag [idf]` per line, after a `#median-idf` header.
const DICT: &str = include_str!("../../assets/jieba/dict.txt");

/// A candidate word in a block: the word and its char range.
type Token<'a> = (&'a str, usize, usize);

/// jieba-rs with the embedded dictionary, the IDF table and the policy
/// phrases loaded. Building one takes a fraction of a second in the browser,
/// so the UI builds it after the text is on screen.
pub struct Segmenter {
    jieba: Jieba,
    idf: HashMap<String, f64>,
    /// IDF of words the table lacks: the full table's median, as jieba does.
    median_idf: f64,
}

impl Default for Segmenter {
    fn default() -> Self {
        Self::new()
    }
}

impl Segmenter {
    pub fn new() -> Self {
        let (header, body) = DICT.split_once('\n').unwrap_or(("", DICT));
        let median_idf = header
            .strip_prefix("#median-idf ")
            .and_then(|m| m.trim().parse().ok())
            .unwrap_or(11.95);
        let mut jieba = Jieba::with_dict(&mut body.as_bytes()).unwrap_or_else(|_| Jieba::empty());
        let mut idf = HashMap::with_capacity(110_000);
        for line in body.lines() {
            let mut parts = line.split(' ');
            if let (Some(word), Some(_), Some(_), Some(v)) = (parts.next(), parts.next(), parts.next(), parts.next()) {
                if let Ok(v) = v.parse::<f64>() {
                    idf.insert(word.to_string(), v);
                }
            }
        }
        for phrase in POLICY_PHRASES {
            if !jieba.has_word(phrase) {
                jieba.add_word(phrase, Some(2000), Some("nz"));
            }
        }
        Segmenter { jieba, idf, median_idf }
    }

    /// Cuts a text into words (no HMM, so the cut matches the ranking's).
    pub fn cut<'a>(&self, text: &'a str) -> Vec<&'a str> {
        self.jieba.cut(text, false).into_iter().map(|t| t.word).collect()
    }

    /// Ranks the document's key terms by TF-IDF and marks their occurrences,
    /// cutting each analysed block (title, headings, paragraphs) once. Meta
    /// lines and residue are left out.
    pub fn analyse(&self, doc: &Document, settings: &TermSettings) -> Analysis {
        let allowed = |tag: &str| settings.allowed_pos.is_empty() || settings.allowed_pos.iter().any(|p| p == tag);
        // Per block, the candidate tokens: (word, start, end) in chars.
        let mut tokens: Vec<(usize, Vec<Token>)> = Vec::new();
        let mut tf: HashMap<&str, usize> = HashMap::new();
        let mut total = 0usize;
        for block in doc.blocks.iter().filter(|b| b.kind.is_analysed()) {
            let mut kept = Vec::new();
            for t in self.jieba.tag(&block.text, false) {
                if allowed(t.tag) && is_candidate(t.word) {
                    *tf.entry(t.word).or_default() += 1;
                    total += 1;
                    kept.push((t.word, t.start, t.end));
                }
            }
            tokens.push((block.index, kept));
        }
        let mut ranked: Vec<(&str, f64)> = tf
            .iter()
            .map(|(w, n)| {
                (
                    *w,
                    *n as f64 * self.idf.get(*w).copied().unwrap_or(self.median_idf) / total as f64,
                )
            })
            .collect();
        // Highest weight first; equal weights in the order of the words, so
        // the list is the same on every machine.
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        ranked.truncate(settings.top_k);
        let mut terms: Vec<KeyTerm> = ranked
            .iter()
            .enumerate()
            .map(|(i, (w, weight))| KeyTerm {
                term: w.to_string(),
                rank: i + 1,
                weight: *weight,
                count: 0,
                blocks: Vec::new(),
            })
            .collect();
        let index: HashMap<&str, usize> = ranked.iter().enumerate().map(|(i, (w, _))| (*w, i)).collect();
        let mut marks = vec![Vec::new(); doc.blocks.len()];
        for (b, kept) in tokens {
            for (w, start, end) in kept {
                if let Some(&t) = index.get(w) {
                    marks[b].push(Mark { start, end, term: t });
                    let term = &mut terms[t];
                    term.count += 1;
                    if term.blocks.last() != Some(&b) {
                        term.blocks.push(b);
                    }
                }
            }
        }
        Analysis { terms, marks }
    }
}

/// Splits a block's text into plain runs and marked runs, for rendering.
///
/// ```
/// use annotator_core::terms::{split_marks, Mark};
/// let parts = split_marks("利用外资方面", &[Mark { start: 2, end: 4, term: 0 }]);
/// assert_eq!(parts, [("利用", None), ("外资", Some(0)), ("方面", None)]);
/// ```
pub fn split_marks<'a>(text: &'a str, marks: &[Mark]) -> Vec<(&'a str, Option<usize>)> {
    let bytes: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect();
    let at = |c: usize| bytes[c.min(bytes.len() - 1)];
    let mut out = Vec::with_capacity(marks.len() * 2 + 1);
    let mut pos = 0;
    for m in marks {
        if m.start < pos || m.end <= m.start {
            continue; // overlapping or empty marks are skipped, never panicked on
        }
        if m.start > pos {
            out.push((&text[at(pos)..at(m.start)], None));
        }
        out.push((&text[at(m.start)..at(m.end)], Some(m.term)));
        pos = m.end;
    }
    if at(pos) < text.len() {
        out.push((&text[at(pos)..], None));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    const SPEECH: &str = include_str!("../../assets/speech-foreign-trade-2022-07-14.txt");

    fn segmenter() -> &'static Segmenter {
        static S: OnceLock<Segmenter> = OnceLock::new();
        S.get_or_init(Segmenter::new)
    }

    fn speech_terms() -> Analysis {
        segmenter().analyse(&Document::parse(SPEECH), &TermSettings::default())
    }

    #[test]
    fn filler_ordinals_and_numbers_are_not_candidates() {
        for w in [
            "工作", "二要", "三是", "第四", "××", "2022", "六成", "部门", "抓好", "各级", "全市", "我市", "一", "要",
        ] {
            assert!(!is_candidate(w), "{w} should be filtered");
        }
        for w in ["外经贸", "招商引资", "园区", "外资", "加工贸易"] {
            assert!(is_candidate(w), "{w} should be a candidate");
        }
    }

    #[test]
    fn speech_key_terms_are_what_an_analyst_would_pick() {
        let a = speech_terms();
        let words: Vec<&str> = a.terms.iter().map(|t| t.term.as_str()).collect();
        assert_eq!(words.len(), 30, "{words:?}");
        assert_eq!(words[0], "外经贸", "{words:?}");
        for expected in ["招商引资", "园区", "利用外资", "外贸", "骨干企业", "中小企业"] {
            assert!(words.contains(&expected), "{expected} missing from {words:?}");
        }
        for filler in ["工作", "二要", "部门", "力度", "各级", "全市", "我市", "坚持", "加大"] {
            assert!(!words.contains(&filler), "{filler} ranked in {words:?}");
        }
        for (i, t) in a.terms.iter().enumerate() {
            assert_eq!(t.rank, i + 1);
            assert!(t.count > 0, "{} never marked", t.term);
            assert!(!t.blocks.is_empty());
        }
        assert!(a.terms.windows(2).all(|w| w[0].weight >= w[1].weight));
    }

    #[test]
    fn extraction_is_deterministic() {
        assert_eq!(speech_terms(), speech_terms());
    }

    #[test]
    fn marks_cover_the_term_text_and_skip_residue() {
        let doc = Document::parse(SPEECH);
        let a = segmenter().analyse(&doc, &TermSettings::default());
        for block in &doc.blocks {
            for m in &a.marks[block.index] {
                assert_eq!(
                    crate::text::char_slice(&block.text, m.start, m.end),
                    a.terms[m.term].term
                );
            }
            if !block.kind.is_analysed() {
                assert!(a.marks[block.index].is_empty());
            }
        }
        let total: usize = a.marks.iter().map(Vec::len).sum();
        assert_eq!(total, a.terms.iter().map(|t| t.count).sum::<usize>());
    }

    #[test]
    fn policy_phrases_are_cut_whole() {
        let words = segmenter().cut("稳步推进加工贸易企业转型升级，逐步提高一般贸易出口比重，千方百计推进增资扩股");
        for p in ["加工贸易", "一般贸易", "增资扩股", "转型升级"] {
            assert!(words.contains(&p), "{p} not whole in {words:?}");
        }
    }

    #[test]
    fn empty_document_has_no_terms() {
        let a = segmenter().analyse(&Document::parse(""), &TermSettings::default());
        assert!(a.terms.is_empty());
        assert!(a.marks.is_empty());
    }
}
