//! Segmentation and the key-term pipeline.
//!
//! segment (jieba-rs + policy phrases + the user's added phrases) →
//! candidates (part of speech, speech filler, ordinals, numbers,
//! placeholders, the user's dropped terms) → scores (see [`Method`]: the
//! genre ranking of one document, keyness against the library, TF-IDF,
//! TextRank, or the last two fused) → curated ranked list with the reasons
//! (weight, the numbers behind it, a bilingual reason, count, blocks) →
//! marks per block for the view.
//! Same text and settings give the same list on any machine: ties are broken
//! by the term itself, and nothing depends on hash-map iteration order.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use jieba_rs::Jieba;
use serde::{Deserialize, Serialize};

use crate::document::Document;
use crate::text::char_len;
use crate::text::fold::fold_width;
use idf::IdfTable;
pub use keyness::{Counts, Reference};

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

/// How terms are scored.
///
/// TF-IDF favours words that are frequent here and rare in general Chinese;
/// TextRank favours words that co-occur with many other candidates, so it
/// finds the hubs of the argument even when the dictionary calls them common.
/// Neither knows what is ordinary *for government speeches*; [`Method::Genre`]
/// and [`Method::Keyness`] do; [`Method::Auto`] (the default) is the genre
/// ranking, which measured best on the evaluation in `tests/key-terms/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    TfIdf,
    TextRank,
    /// The mean of both normalised scores: a term needs support from both
    /// to lead the list, which keeps either method's quirks out of the top.
    Fused,
    /// One document read against its genre: TF-IDF × a dispersion factor
    /// (terms gathered in a few paragraphs are subjects, terms spread
    /// through all of them are register: Gries' DP, see [`dispersion`]) ×
    /// the share of its uses outside longer terms (利用外资 before 外资,
    /// see [`genre::part_shares`]) × [`score::REGISTER_WEIGHT`] for the
    /// genre's register words ([`genre::REGISTER`]).
    Genre,
    /// Log-likelihood keyness against a [`keyness::Reference`] (the
    /// library's other documents; Dunning 1993, Rayson & Garside 2000),
    /// positive keyness only, times the same compound preference. Without a
    /// reference it ranks as [`Method::Genre`].
    Keyness,
    /// The method the evaluation in `tests/key-terms/` measured best:
    /// today [`Method::Genre`], whether or not a reference is given
    /// (precision@20 0.75 / 0.45 / 0.30 against keyness's 0.60 / 0.25 /
    /// 0.30 with a library of the other two speeches). Stored settings say
    /// `auto`, so a better method found later reaches every user who did
    /// not choose one.
    #[default]
    Auto,
}

impl Method {
    /// The method that ranks: `Auto` is `Genre`, and `Keyness` becomes
    /// `Genre` when there is no (non-empty) reference.
    pub fn resolve(self, has_reference: bool) -> Method {
        match self {
            Method::Keyness if has_reference => Method::Keyness,
            Method::Auto | Method::Keyness => Method::Genre,
            m => m,
        }
    }

    /// What the method does, for the settings panel: `中文 · English`.
    pub fn description(self) -> &'static str {
        match self {
            Method::TfIdf => "TF-IDF：本文中多见、通用汉语中少见的词 · TF-IDF: words frequent here and rare in general Chinese (jieba's IDF)",
            Method::TextRank => "TextRank：与许多候选词共现的核心词 · TextRank: the hubs that co-occur with many other candidates",
            Method::Fused => "TF-IDF 与 TextRank 的平均 · The mean of TF-IDF and TextRank",
            Method::Genre => "文体排序：TF-IDF，集中于少数段落的词优先（Gries DP），复合词优先于其组成部分，政府讲话常用词降权 · Genre ranking: TF-IDF, favouring terms gathered in a few paragraphs (Gries' DP) and compounds over their parts, weighing down words ordinary in government speeches",
            Method::Keyness => "关键性：与文库中其他文档相比，本文显著多用的词（对数似然，Dunning 1993） · Keyness: words this document uses significantly more than the library's other documents (log-likelihood, Dunning 1993)",
            Method::Auto => "自动：评测中最准的方法，目前为文体排序 · Automatic: the method that measured best, today the genre ranking",
        }
    }
}

/// The analyst's corrections to the list, kept with the settings so the same
/// speech always gives the same curated list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Curation {
    /// Phrases cut as one word and always listed (see [`Segmenter::with_words`]).
    pub added: Vec<String>,
    /// Terms that never appear, whatever their score.
    pub dropped: Vec<String>,
    /// Terms listed first, in this order.
    pub pinned: Vec<String>,
}

/// What the user can set about the key-term list.
///
/// Fields missing from stored settings take their defaults, so settings
/// saved before a field existed still load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TermSettings {
    /// How many terms to keep by score (added and pinned terms come on top).
    pub top_k: usize,
    /// Parts of speech that count (jieba tags).
    pub allowed_pos: Vec<String>,
    pub method: Method,
    pub curation: Curation,
}

impl Default for TermSettings {
    fn default() -> Self {
        TermSettings {
            top_k: 30,
            allowed_pos: DEFAULT_POS.iter().map(|s| s.to_string()).collect(),
            method: Method::default(),
            curation: Curation::default(),
        }
    }
}

/// One ranked key term with the reasons it is there.
///
/// The numbers added after the first release (`dispersion`, `keyness`,
/// `register`, `reason`) read as their defaults from older JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyTerm {
    pub term: String,
    /// 1-based rank, after curation.
    pub rank: usize,
    /// The score the list is ranked by (see [`Method`]), in `0..=1`.
    pub weight: f64,
    /// TF-IDF normalised so the document's best term has 1.
    pub tfidf: f64,
    /// TextRank normalised so the document's best term has 1.
    pub textrank: f64,
    /// Gries' DPnorm over the analysed blocks, in `0..=1`: 0 spread as
    /// evenly as the blocks' sizes, 1 all in one block (see [`dispersion`]).
    #[serde(default)]
    pub dispersion: f64,
    /// Signed log-likelihood against the reference: positive when the
    /// document uses the term more than the reference does; 0 without one.
    #[serde(default)]
    pub keyness: f64,
    /// Whether the term is ordinary register for government speeches
    /// ([`genre::REGISTER`]).
    #[serde(default)]
    pub register: bool,
    /// Why it is listed, with the numbers the ranking used: `中文 · English`.
    #[serde(default)]
    pub reason: String,
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
    /// The method that ranked the list ([`Method::resolve`]d: never `Auto`
    /// in a fresh analysis; older JSON reads as `Auto`).
    #[serde(default)]
    pub method: Method,
    pub terms: Vec<KeyTerm>,
    /// Marks per block, indexed like `Document::blocks`.
    pub marks: Vec<Vec<Mark>>,
}

/// A candidate word in a block: the word and its char range.
type Token<'a> = (&'a str, usize, usize);

/// Why a dictionary text could not be loaded (see [`Segmenter::from_dictionary`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DictionaryError {
    /// The first line is not `#median-idf <number>`: not this app's
    /// dictionary (an error page served in its place, a truncated file).
    NoHeader,
    /// The header is there but no word follows it.
    Empty,
    /// jieba refused a line; its message.
    Unreadable(String),
}

impl DictionaryError {
    /// What went wrong, for the user: `中文 · English`.
    pub fn message(&self) -> String {
        match self {
            DictionaryError::NoHeader => {
                "词典文件不是本应用的词典（缺少 #median-idf 首行） · The dictionary file is not this app's dictionary (no #median-idf first line)".into()
            }
            DictionaryError::Empty => "词典文件没有词条 · The dictionary file holds no words".into(),
            DictionaryError::Unreadable(e) => format!("词典文件无法读取 · The dictionary file could not be read: {e}"),
        }
    }
}

/// jieba-rs with a dictionary, its IDF table and the policy phrases loaded.
/// Building one takes a fraction of a second, so the app builds it off the
/// page's thread, in the key-term worker (see [`job`]).
pub struct Segmenter {
    jieba: Jieba,
    idf: IdfTable,
    /// IDF of words the table lacks: the full table's median, as jieba does.
    median_idf: f64,
}

impl Segmenter {
    /// Builds a segmenter from the text of a pruned dictionary
    /// (`assets/jieba/dict.txt`, written by `scripts/prune-dictionary.py`):
    /// a `#median-idf <number>` first line, then one `word freq tag [idf]`
    /// per line. The dictionary is supplied at run time (the app's worker
    /// fetches it as its own file; tests read it with `include_str!`), so
    /// no wasm module carries it.
    ///
    /// Errors: [`DictionaryError::NoHeader`] when the first line is not the
    /// header (an HTML error page served instead of the file), `Empty` when
    /// no word follows, `Unreadable` when jieba refuses a line.
    pub fn from_dictionary(text: &str) -> Result<Segmenter, DictionaryError> {
        Segmenter::from_shared(Arc::from(text))
    }

    /// [`Segmenter::from_dictionary`] keeping the given text as its IDF
    /// table's (no copy): the worker's [`job::Engine`] shares one text
    /// between rebuilds.
    pub fn from_shared(text: Arc<str>) -> Result<Segmenter, DictionaryError> {
        let (header, body) = text.split_once('\n').unwrap_or((&text, ""));
        let median_idf = header
            .strip_prefix("#median-idf ")
            .and_then(|m| m.trim().parse::<f64>().ok())
            .filter(|m| m.is_finite())
            .ok_or(DictionaryError::NoHeader)?;
        if body.trim().is_empty() {
            return Err(DictionaryError::Empty);
        }
        let mut jieba =
            Jieba::with_dict(&mut body.as_bytes()).map_err(|e| DictionaryError::Unreadable(e.to_string()))?;
        let body_start = header.len() + 1;
        let idf = IdfTable::new(text.clone(), body_start)
            .ok_or_else(|| DictionaryError::Unreadable("the dictionary is over 4 GB".into()))?;
        for phrase in POLICY_PHRASES {
            if !jieba.has_word(phrase) {
                jieba.add_word(phrase, Some(2000), Some("nz"));
            }
        }
        Ok(Segmenter { jieba, idf, median_idf })
    }

    /// Adds the analyst's phrases to the dictionary so they are cut as one
    /// word everywhere, in `cut` and in `analyse` alike.
    ///
    /// The frequency is at least 2000 and at least what jieba needs for the
    /// phrase to beat its own pieces, so a phrase the dictionary already has
    /// with a higher frequency keeps it. Blank entries are ignored; words
    /// are folded to half-width forms, as the texts they are cut from are.
    pub fn with_words(&mut self, words: &[String]) {
        for word in words.iter().map(|w| curated(w)).filter(|w| !w.is_empty()) {
            let freq = self.jieba.suggest_freq(&word).max(2000);
            self.jieba.add_word(&word, Some(freq), Some("nz"));
        }
    }

    /// Cuts a text into words (no HMM, so the cut matches the ranking's).
    pub fn cut<'a>(&self, text: &'a str) -> Vec<&'a str> {
        self.jieba.cut(text, false).into_iter().map(|t| t.word).collect()
    }

    /// Ranks the document's key terms and marks their occurrences, cutting
    /// each analysed block (title, headings, paragraphs) once. Meta lines and
    /// residue are left out. No reference: `Auto` ranks by [`Method::Genre`].
    ///
    /// Curation: added and pinned terms are always candidates (whatever
    /// their part of speech, even filler) and always listed, with count 0 if
    /// the text lacks them, so the analyst sees the phrase did not occur;
    /// dropped terms are never candidates, so they neither appear nor shape
    /// TextRank's graph. Added phrases are only cut whole once
    /// [`Segmenter::with_words`] has been given them. Curated terms are
    /// read folded like the text (`ＧＤＰ` typed is the term `GDP`).
    pub fn analyse(&self, doc: &Document, settings: &TermSettings) -> Analysis {
        self.analyse_with(doc, settings, None)
    }

    /// [`Segmenter::analyse`] against a reference (the library's other
    /// documents): `Auto` and `Keyness` rank by keyness when `reference`
    /// is some and not empty.
    pub fn analyse_with(&self, doc: &Document, settings: &TermSettings, reference: Option<&Reference>) -> Analysis {
        let blocks = analysed_blocks(doc);
        self.analyse_blocks_with(&blocks, doc.blocks.len(), settings, reference)
    }

    /// [`Segmenter::analyse`] on blocks given as `(index, text)`: the
    /// analysed blocks of a document of `block_count` blocks, in document
    /// order (what the key-term worker receives instead of the document).
    /// `Analysis::marks` has `block_count` entries; a block whose index is
    /// at or past `block_count` gets no marks (never a panic).
    ///
    /// Block texts are read folded ([`crate::text::fold`]), so a term
    /// written in full-width forms counts with its ASCII form and is listed
    /// in that form (`ＧＤＰ` and `GDP` are the term `GDP`); marks keep
    /// their offsets in the text as written.
    pub fn analyse_blocks(&self, blocks: &[(usize, &str)], block_count: usize, settings: &TermSettings) -> Analysis {
        self.analyse_blocks_with(blocks, block_count, settings, None)
    }

    /// [`Segmenter::analyse_blocks`] against a reference (see
    /// [`Segmenter::analyse_with`]).
    pub fn analyse_blocks_with(
        &self,
        blocks: &[(usize, &str)],
        block_count: usize,
        settings: &TermSettings,
        reference: Option<&Reference>,
    ) -> Analysis {
        let cur = &settings.curation;
        let dropped: BTreeSet<String> = cur.dropped.iter().map(|w| curated(w)).collect();
        let pinned: Vec<String> = cur.pinned.iter().map(|w| curated(w)).collect();
        let added: Vec<String> = cur.added.iter().map(|w| curated(w)).collect();
        // Pinned first (in pinned order), then added; each once, none dropped.
        let mut forced: Vec<&str> = Vec::new();
        for w in pinned.iter().chain(&added).map(String::as_str) {
            if !w.is_empty() && !dropped.contains(w) && !forced.contains(&w) {
                forced.push(w);
            }
        }
        let allowed = |tag: &str| settings.allowed_pos.is_empty() || settings.allowed_pos.iter().any(|p| p == tag);
        // Per block, the candidate tokens: (word, start, end) in chars.
        let mut tokens: Vec<(usize, Vec<Token>)> = Vec::new();
        let mut tf: BTreeMap<&str, usize> = BTreeMap::new();
        let mut total = 0usize;
        // Full-width forms read as ASCII (ＧＤＰ is GDP); one char for one,
        // so the marks' offsets hold in the text as written.
        let folded: Vec<(usize, Cow<str>)> = blocks.iter().map(|&(i, t)| (i, fold_width(t))).collect();
        // Per block, where jieba left one-char pieces of longer words.
        let mut orphans: Vec<Vec<usize>> = Vec::new();
        for (index, text) in &folded {
            let index = *index;
            let mut kept = Vec::new();
            let mut glued = Vec::new();
            for t in self.jieba.tag(text, false) {
                if genre::is_orphan(t.word) {
                    glued.push(t.start);
                }
                let wanted = forced.contains(&t.word) || (allowed(t.tag) && is_candidate(t.word));
                if wanted && !dropped.contains(t.word) {
                    *tf.entry(t.word).or_default() += 1;
                    total += 1;
                    kept.push((t.word, t.start, t.end));
                }
            }
            tokens.push((index, kept));
            orphans.push(glued);
        }
        let reference = reference.filter(|r| !r.is_empty());
        let method = settings.method.resolve(reference.is_some());
        if matches!(method, Method::Genre | Method::Keyness) {
            let texts: Vec<&str> = folded.iter().map(|(_, t)| t.as_ref()).collect();
            genre::join_compounds(&mut tokens, &texts, &orphans, &forced, &dropped);
            tf = BTreeMap::new();
            for t in tokens.iter().flat_map(|(_, k)| k) {
                *tf.entry(t.0).or_default() += 1;
            }
            total = tokens.iter().map(|(_, k)| k.len()).sum();
        }
        let idf = |w: &str| self.idf.get(w).unwrap_or(self.median_idf);
        let measures = score::measure(&tokens, &tf, total, idf, reference);
        let measure = |w: &str| measures.get(w).copied().unwrap_or_default();
        let mut ranked: Vec<(&str, f64)> = tf.keys().map(|w| (*w, measure(w).weight(method))).collect();
        // Highest weight first; equal weights in the order of the words, so
        // the list is the same on every machine.
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        ranked.truncate(settings.top_k);
        for w in &forced {
            if !ranked.iter().any(|(r, _)| r == w) {
                ranked.push((w, measure(w).weight(method)));
            }
        }
        let pin = |w: &str| pinned.iter().position(|p| p == w).unwrap_or(usize::MAX);
        ranked.sort_by(|a, b| {
            pin(a.0)
                .cmp(&pin(b.0))
                .then_with(|| b.1.total_cmp(&a.1))
                .then_with(|| a.0.cmp(b.0))
        });
        let mut terms: Vec<KeyTerm> = ranked
            .iter()
            .enumerate()
            .map(|(i, (w, weight))| {
                let m = measure(w);
                KeyTerm {
                    term: w.to_string(),
                    rank: i + 1,
                    weight: *weight,
                    tfidf: m.tfidf,
                    textrank: m.textrank,
                    dispersion: m.dispersion,
                    keyness: m.keyness,
                    register: m.register,
                    reason: score::reason(method, &m, pin(w) != usize::MAX, added.iter().any(|a| a == w)),
                    count: 0,
                    blocks: Vec::new(),
                }
            })
            .collect();
        let index: HashMap<&str, usize> = ranked.iter().enumerate().map(|(i, (w, _))| (*w, i)).collect();
        let mut marks = vec![Vec::new(); block_count];
        for (b, kept) in tokens {
            for (w, start, end) in kept {
                if let (Some(&t), Some(block_marks)) = (index.get(w), marks.get_mut(b)) {
                    block_marks.push(Mark { start, end, term: t });
                    let term = &mut terms[t];
                    term.count += 1;
                    if term.blocks.last() != Some(&b) {
                        term.blocks.push(b);
                    }
                }
            }
        }
        Analysis { method, terms, marks }
    }

    /// One document's candidate words and their counts, for a
    /// [`Reference`]: the analysed blocks read folded and cut as
    /// [`Segmenter::analyse`] cuts them, keeping the words
    /// [`is_candidate`] accepts whose part of speech is in
    /// [`DEFAULT_POS`] (no curation).
    pub fn counts(&self, doc: &Document) -> Counts {
        let mut out = Counts::default();
        for (_, text) in analysed_blocks(doc) {
            for t in self.jieba.tag(&fold_width(text), false) {
                if DEFAULT_POS.contains(&t.tag) && is_candidate(t.word) {
                    *out.terms.entry(t.word.to_string()).or_default() += 1;
                    out.tokens += 1;
                }
            }
        }
        out
    }

    /// The reference made of the given texts (each parsed as a document,
    /// see [`Segmenter::counts`]). The shell can instead keep each library
    /// document's [`Counts`] and sum the others' with
    /// [`Reference::from_counts`].
    pub fn reference(&self, texts: &[&str]) -> Reference {
        let counts: Vec<Counts> = texts.iter().map(|t| self.counts(&Document::parse(t))).collect();
        Reference::from_counts(&counts)
    }
}

/// A document's analysed blocks (title, headings, paragraphs) as
/// `(index, text)`, in document order.
fn analysed_blocks(doc: &Document) -> Vec<(usize, &str)> {
    doc.blocks
        .iter()
        .filter(|b| b.kind.is_analysed())
        .map(|b| (b.index, b.text.as_str()))
        .collect()
}

/// A curated term as the analysis reads it: trimmed and folded to
/// half-width forms (`ＧＤＰ` typed is the term `GDP`).
fn curated(word: &str) -> String {
    fold_width(word.trim()).into_owned()
}

/// Scales scores so the largest is 1 (all zero stays zero), so TF-IDF and
/// TextRank, on different scales, can be shown side by side and averaged.
fn normalise(scores: BTreeMap<&str, f64>) -> BTreeMap<&str, f64> {
    let max = scores.values().copied().fold(0.0, f64::max);
    if max > 0.0 && max.is_finite() {
        scores.into_iter().map(|(w, v)| (w, v / max)).collect()
    } else {
        scores.into_keys().map(|w| (w, 0.0)).collect()
    }
}

/// Candidates at most this many positions apart (within one block) are linked.
const TEXTRANK_WINDOW: usize = 5;
const TEXTRANK_DAMPING: f64 = 0.85;
const TEXTRANK_MIN_ITERATIONS: usize = 20;
const TEXTRANK_MAX_ITERATIONS: usize = 200;
const TEXTRANK_EPSILON: f64 = 1e-9;

/// TextRank over the candidate tokens: an undirected graph whose edge
/// weights count how often two candidates fall within
/// [`TEXTRANK_WINDOW`] tokens of each other in a block, ranked by weighted
/// PageRank.
///
/// Blocks are never bridged, since the last word of one paragraph says
/// nothing about the first of the next. Nodes are numbered in word order
/// and neighbours kept sorted, so the floating-point sums run in the same
/// order on every machine.
fn text_rank<'a>(tokens: &[(usize, Vec<Token<'a>>)]) -> BTreeMap<&'a str, f64> {
    let words: BTreeSet<&str> = tokens.iter().flat_map(|(_, k)| k.iter().map(|t| t.0)).collect();
    let id: BTreeMap<&str, usize> = words.iter().enumerate().map(|(i, w)| (*w, i)).collect();
    let mut edges: Vec<BTreeMap<usize, f64>> = vec![BTreeMap::new(); words.len()];
    for (_, kept) in tokens {
        for (i, a) in kept.iter().enumerate() {
            for b in kept.iter().skip(i + 1).take(TEXTRANK_WINDOW - 1) {
                if let (Some(&x), Some(&y)) = (id.get(a.0), id.get(b.0)) {
                    if x != y {
                        *edges[x].entry(y).or_default() += 1.0;
                        *edges[y].entry(x).or_default() += 1.0;
                    }
                }
            }
        }
    }
    let out: Vec<f64> = edges.iter().map(|e| e.values().sum()).collect();
    let mut rank = vec![1.0; words.len()];
    for iteration in 0..TEXTRANK_MAX_ITERATIONS {
        let next: Vec<f64> = edges
            .iter()
            .map(|e| {
                let inflow: f64 = e.iter().map(|(&j, &w)| w / out[j] * rank[j]).sum();
                (1.0 - TEXTRANK_DAMPING) + TEXTRANK_DAMPING * inflow
            })
            .collect();
        let change = next.iter().zip(&rank).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        rank = next;
        if iteration + 1 >= TEXTRANK_MIN_ITERATIONS && change < TEXTRANK_EPSILON {
            break;
        }
    }
    words.into_iter().zip(rank).collect()
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

/// A run of a block's text as the view draws it: inside a key-term mark or
/// not, and underlined as a word that suggests a theme or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run<'a> {
    pub text: &'a str,
    pub term: Option<usize>,
    pub underlined: bool,
}

/// [`split_marks`] with a second layer: char ranges to underline (the
/// words behind a theme suggestion). Runs break wherever either layer
/// starts or ends; overlapping underline ranges are joined.
///
/// ```
/// use annotator_core::terms::{layer_runs, Mark};
/// let runs = layer_runs("利用外资方面", &[Mark { start: 2, end: 4, term: 0 }], &[(0, 4)]);
/// let parts: Vec<_> = runs.iter().map(|r| (r.text, r.term, r.underlined)).collect();
/// assert_eq!(parts, [("利用", None, true), ("外资", Some(0), true), ("方面", None, false)]);
/// ```
pub fn layer_runs<'a>(text: &'a str, marks: &[Mark], underline: &[(usize, usize)]) -> Vec<Run<'a>> {
    let mut ranges: Vec<(usize, usize)> = underline.iter().copied().filter(|(s, e)| e > s).collect();
    ranges.sort_unstable();
    let mut joined: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (s, e) in ranges {
        match joined.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => joined.push((s, e)),
        }
    }
    let mut out = Vec::new();
    let mut offset = 0;
    for (piece, term) in split_marks(text, marks) {
        let len = char_len(piece);
        let (start, end) = (offset, offset + len);
        // Cut points inside this piece, from the underline ranges.
        let mut cuts = vec![start, end];
        for &(s, e) in &joined {
            for c in [s, e] {
                if c > start && c < end {
                    cuts.push(c);
                }
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        let bytes: Vec<usize> = piece
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(piece.len()))
            .collect();
        for w in cuts.windows(2) {
            let (a, b) = (w[0], w[1]);
            out.push(Run {
                text: &piece[bytes[a - start]..bytes[b - start]],
                term,
                underlined: joined.iter().any(|&(s, e)| s <= a && b <= e),
            });
        }
        offset = end;
    }
    out
}

pub mod dispersion;
pub mod genre;
mod idf;
pub mod job;
pub mod keyness;
mod score;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod evaluation_tests;
