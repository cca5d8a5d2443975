"""Blocks -> one feature row per block (a pandas DataFrame), all blocks of a document at once.

Features are language-neutral: shape of the text, stop-word density in the page's own
language, the HTML signals of the block and its neighbours, and how well the block fits the
topic of the rest of the document. Class and id names are matched against hint words because
markup vocabularies ("nav", "related", "footer") are English whatever the page's language.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, compress
from operator import itemgetter
from typing import TYPE_CHECKING

import numpy as np

from detector.document import Block, Document
from detector.extract.textutil import cached_folded_tokens, cached_tokens, tokens
from detector.language import stopwords

if TYPE_CHECKING:
    import pandas as pd

PATH_HINTS: dict[str, tuple[str, ...]] = {
    "nav": ("nav", "navigation", "menu", "breadcrumb", "breadcrumbs", "pagination", "pager", "skip", "topbar"),
    "footer": ("footer", "colophon", "copyright", "legal", "bottom"),
    "header": ("header", "masthead", "topnav", "branding", "logo"),
    "aside": ("sidebar", "aside", "widget", "rail", "secondary", "sidebox"),
    "related": ("related", "recommended", "recommendations", "more", "popular", "trending", "teaser",
                "teasers", "promo", "outbrain", "taboola", "readmore", "also", "next", "card", "cards", "list", "feed"),
    "share": ("share", "sharing", "social", "facebook", "twitter", "whatsapp", "print", "email", "tools", "toolbar"),
    "comment": ("comment", "comments", "reply", "respond", "disqus", "discussion"),
    "newsletter": ("newsletter", "subscribe", "subscription", "signup", "sign", "optin", "cta", "paywall", "register", "login"),
    "ad": ("ad", "ads", "advert", "advertisement", "sponsor", "sponsored", "banner", "dfp", "gpt", "rec", "commercial"),
    "meta": ("meta", "byline", "author", "date", "time", "dateline", "posted", "info", "tags", "tag", "category",
             "cat", "reading", "rt", "timestamp", "bio", "credit", "credits", "source"),
    "caption": ("caption", "figcaption", "figure", "image", "photo", "img", "media", "gallery", "video"),
    "cookie": ("cookie", "cookies", "consent", "gdpr", "privacy", "modal", "popup", "overlay", "alert"),
    "content": ("article", "content", "body", "post", "entry", "story", "text", "main", "prose", "richtext",
                "articlebody", "paragraph", "blog", "single"),
}  # fmt: skip
STRUCT_TAGS = ("article", "main", "header", "footer", "nav", "aside", "form", "li", "table", "figure", "section")
TAG_GROUPS = {
    "p": "p", "div": "div", "li": "li", "dt": "li", "dd": "li", "td": "td", "th": "td", "tr": "td", "caption": "td",
    "h1": "h1", "h2": "h", "h3": "h", "h4": "h", "h5": "h", "h6": "h", "blockquote": "quote", "pre": "pre",
    "figcaption": "figcaption", "span": "div", "a": "div",
}  # fmt: skip
TAG_NAMES = ("p", "div", "li", "td", "h1", "h", "quote", "pre", "figcaption", "other")
KIND_NAMES = ("title", "heading", "paragraph", "list", "quote", "table", "meta")

# whether an e-mail address occurs: the shortest form of "[\w.+-]+@[\w-]+\.[\w.]+" (same yes/no),
# anchored on the "@" so a long word before it is not rescanned from every start (linear, not quadratic)
_EMAIL = re.compile(r"(?<=[\w.+-])@[\w-]+\.[\w.]")
_URLISH = re.compile(r"https?://|www\.", re.I)
_SENT_PUNCT = re.compile(r"[.!?。！？;]")
_SEPARATORS = re.compile(r"[|•·»›/]")
_DIGIT = re.compile(r"\d")
_UPPER = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁΑ-Ω]")
_PUNCT = re.compile(r"[^\w\s]")
_FINAL = tuple(".!?。！？\"'”»)…:")


def _ascii_classes() -> dict[int, str]:
    """For ASCII text, each character's class among the ones ``_text_shape`` counts: "d" a digit
    (``_DIGIT``), "u" an upper-case letter (``_UPPER``), "s" a sentence mark (``_SENT_PUNCT``),
    "x" a separator (``_SEPARATORS``), "p" other punctuation (``_PUNCT``), "-" none, taken from
    the patterns themselves. Digits, capitals and punctuation are disjoint; sentence marks and
    separators are disjoint kinds of punctuation."""
    table = {}
    for code in range(128):
        ch = chr(code)
        for cls, pattern in (("d", _DIGIT), ("u", _UPPER), ("s", _SENT_PUNCT), ("x", _SEPARATORS), ("p", _PUNCT)):
            if pattern.fullmatch(ch):
                table[code] = cls
                break
        else:
            table[code] = "-"
        assert not (_SENT_PUNCT.fullmatch(ch) or _SEPARATORS.fullmatch(ch)) or _PUNCT.fullmatch(ch)
        assert sum(bool(p.fullmatch(ch)) for p in (_DIGIT, _UPPER, _PUNCT)) <= 1
    return table


_ASCII_CLASSES = _ascii_classes()


def _char_counts(text: str) -> tuple[int, int, int, int, int]:
    """How many characters of ``text`` match ``_DIGIT``, ``_UPPER``, ``_PUNCT``, ``_SENT_PUNCT``
    and ``_SEPARATORS``: for ASCII text (most blocks) by counting the classes of one
    translation, which costs less than five searches."""
    if not text.isascii():  # (a constant-time test)
        return (
            len(_DIGIT.findall(text)),
            len(_UPPER.findall(text)),
            len(_PUNCT.findall(text)),
            len(_SENT_PUNCT.findall(text)),
            len(_SEPARATORS.findall(text)),
        )
    classes = text.translate(_ASCII_CLASSES)
    n_sentence, n_separators = classes.count("s"), classes.count("x")
    return (
        classes.count("d"),
        classes.count("u"),
        classes.count("p") + n_sentence + n_separators,
        n_sentence,
        n_separators,
    )

FEATURE_COLUMNS: tuple[str, ...] = (
    "is_html", "log_chars", "log_tokens", "mean_token_len", "digit_ratio", "upper_ratio", "punct_ratio",
    "sentence_punct_per_token", "ends_with_punct", "title_case_ratio", "stopword_ratio", "has_stoplist",
    "has_copyright", "has_email", "has_url", "separator_ratio",
    "link_density", "depth_rel", "position", "index_rel", "index_from_end",
    *(f"tag_{t}" for t in TAG_NAMES), *(f"kind_{k}" for k in KIND_NAMES),
    *(f"path_{h}" for h in PATH_HINTS), *(f"in_{t}" for t in STRUCT_TAGS),
    "extractor_overlap", "overlap_prev", "overlap_next", "overlap_window", "overlap_same_path",
    "overlap_same_parent", "inside_extracted_span", "dist_to_extracted", "extracted_share_doc",
    "log_tokens_prev", "log_tokens_next", "link_density_window", "log_same_path_count",
    "same_text_count", "sim_to_title", "sim_to_doc", "sim_to_extracted", "doc_log_blocks",
    "in_main_container", "main_share_doc", "in_main_container_prev", "in_main_container_next",
    "in_hidden",
)  # fmt: skip


_STRUCT = frozenset(STRUCT_TAGS)
_HINT_COLUMNS = (*(f"path_{name}" for name in PATH_HINTS), *(f"in_{tag}" for tag in STRUCT_TAGS))
_HINT_POSITION = {name: j for j, name in enumerate(_HINT_COLUMNS)}
_HINTS_OF_WORD: dict[str, tuple[int, ...]] = {}
"""The ``_HINT_COLUMNS`` positions a class word sets."""
for _name, _words in PATH_HINTS.items():
    for _w in _words:
        _HINTS_OF_WORD[_w] = (*_HINTS_OF_WORD.get(_w, ()), _HINT_POSITION[f"path_{_name}"])
_TEXT_COLUMNS = (
    "log_chars", "log_tokens", "mean_token_len", "digit_ratio", "upper_ratio", "punct_ratio",
    "sentence_punct_per_token", "ends_with_punct", "title_case_ratio", "stopword_ratio", "has_stoplist",
    "has_copyright", "has_email", "has_url", "separator_ratio",
)  # fmt: skip
_COLUMN_INDEX = {name: j for j, name in enumerate(FEATURE_COLUMNS)}


@lru_cache(maxsize=1)
def _frame_columns() -> pd.Index:
    """The columns as a pandas Index, built once: pandas takes a noticeable part of a page's
    featurize time to infer it from a list. (pandas is imported only when a table is made:
    scoring reads ``FeatureArrays`` and never needs it.)"""
    import pandas as pd

    return pd.Index(list(FEATURE_COLUMNS))


@lru_cache(maxsize=4096)
def _segment_hints(segment: str) -> tuple[int, ...]:
    """Positions in ``_HINT_COLUMNS`` set by one lower-cased ``tag.class.words`` path segment."""
    tag, _, classes = segment.partition(".")
    hits = {_HINT_POSITION[f"in_{tag}"]} if tag in _STRUCT else set()
    if classes:
        hints_of_word = _HINTS_OF_WORD.get
        for word in classes.split("."):
            found = hints_of_word(word)
            if found:
                hits.update(found)
    return tuple(sorted(hits))


def _path_hints(path: str) -> list[float]:
    """The ``_HINT_COLUMNS`` values of a block with this tag/class path."""
    out = [0.0] * len(_HINT_COLUMNS)
    for segment in path.lower().split("/"):
        for j in _segment_hints(segment):
            out[j] = 1.0
    return out


def _content_words(folded: Sequence[str], stops: frozenset[str]) -> Counter[str]:
    """Content words of casefolded tokens."""
    return Counter(_content_word_list(folded, stops))


def _content_word_list(folded: Sequence[str], stops: frozenset[str]) -> list[str]:
    return [t for t in folded if len(t) > 2 and t not in stops and not t.isdigit()]


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    if not dot:
        return 0.0
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb)


def _norm2(counts: Counter[str]) -> float:
    return float(sum(v * v for v in counts.values()))


def _cosine_to_rest(
    block: Counter[str], block_norm2: float, whole: Counter[str], whole_norm2: float, included: bool
) -> float:
    """Cosine between ``block`` and ``whole`` minus ``block`` (when ``block`` is part of it),
    without materialising the difference."""
    if not block or not whole:
        return 0.0
    whole_get = whole.get
    dot = float(sum(v * whole_get(k, 0) for k, v in block.items()))
    b2 = block_norm2
    if included:
        dot -= b2
        rest2 = whole_norm2 - 2 * (dot + b2) + b2
    else:
        rest2 = whole_norm2
    if dot <= 0 or rest2 <= 0:
        return 0.0
    return dot / math.sqrt(b2 * rest2)


def _distance_to_nearest(mask: np.ndarray) -> np.ndarray:
    """For each position, the distance (in blocks) to the nearest True in ``mask``."""
    flags = mask.tolist()
    n = len(flags)
    dist = [n] * n
    last = None
    for i in range(n):
        if flags[i]:
            last = i
        if last is not None:
            dist[i] = i - last
    last = None
    for i in range(n - 1, -1, -1):
        if flags[i]:
            last = i
        if last is not None:
            dist[i] = min(dist[i], last - i)
    return np.array(dist, dtype=float)


_add_reduce = np.add.reduce


def _mean_at(values: np.ndarray, idx: list[int]) -> float:
    """``np.mean(values[idx])``, without its overhead: the mean of one value is that value, and
    np.mean of more is their ``np.add.reduce`` divided by their count (numpy's ``_methods._mean``:
    the same float64 sum and one IEEE division; 7.2 -> 3.5 us a group)."""
    return float(values[idx[0]]) if len(idx) == 1 else float(_add_reduce(values[idx])) / len(idx)


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else path


def _text_shape(text: str, toks: Sequence[str], folded: Sequence[str], stops: frozenset[str]) -> tuple[float, ...]:
    """The ``_TEXT_COLUMNS`` values of one block."""
    nchar = len(text)
    ntoks = len(toks)
    word_chars = sum(map(len, toks))
    n_digits, n_upper, n_punct, n_sentence, n_separators = _char_counts(text)
    # letters ([^\W\d_]) are the word characters (the tokens) that are neither digits nor "_"
    n_letters = word_chars - n_digits - text.count("_")
    # first characters of the tokens that start with a letter (tokens are never empty)
    initials = list(filter(str.isalpha, map(itemgetter(0), toks)))
    return (
        math.log1p(nchar),
        math.log1p(ntoks),
        (word_chars / ntoks) if ntoks else 0.0,
        n_digits / nchar if nchar else 0.0,
        n_upper / n_letters if n_letters else 0.0,
        n_punct / nchar if nchar else 0.0,
        n_sentence / ntoks if ntoks else 0.0,
        float(text.endswith(_FINAL)),
        (sum(map(str.isupper, initials)) / len(initials)) if initials else 0.0,
        (sum(map(stops.__contains__, folded)) / ntoks) if (stops and ntoks) else -1.0,
        float(bool(stops)),
        # ("(c)" and "w." in text.lower(): only "C" and "W" lower-case to "c" and "w", and no
        # character lower-cases to anything holding "(", ")" or ".")
        float("©" in text or "(c)" in text or "(C)" in text),
        # the substring tests are necessary for a match and much cheaper than the searches
        float("@" in text and bool(_EMAIL.search(text))),
        float(("://" in text or "w." in text or "W." in text) and bool(_URLISH.search(text))),
        n_separators / (ntoks + 1),
    )


def _tag_column(tag: str) -> str:
    group = TAG_GROUPS.get(tag)
    return f"tag_{group if group in TAG_NAMES else 'other'}"


def _shifted(values: np.ndarray, by: int) -> np.ndarray:
    """``values[i - by]`` at ``i`` (0.0 where that is outside the array)."""
    out = np.zeros_like(values)
    if by > 0:
        out[by:] = values[:-by]
    else:
        out[:by] = values[-by:]
    return out


@dataclass(frozen=True)
class FeatureArrays:
    """What ``featurize`` puts in its table, before the table is made: ``values`` of shape
    (n_blocks, len(FEATURE_COLUMNS)), float64, and each block's ``paths`` and ``texts``. The
    paragraph model reads these directly (``ParagraphModel.predict``), sparing a table per page."""

    values: np.ndarray
    paths: list[str]
    texts: list[str]

    def __len__(self) -> int:
        return len(self.texts)

    def frame(self) -> pd.DataFrame:
        """The ``featurize`` table: columns ``FEATURE_COLUMNS``, then ``path`` and ``text``."""
        import pandas as pd

        if not self.texts:
            return pd.DataFrame(columns=[*FEATURE_COLUMNS, "path", "text"])
        frame = pd.DataFrame(self.values, columns=_frame_columns(), copy=False)
        frame["path"] = self.paths
        frame["text"] = self.texts  # what the lexical stage reads
        return frame


def featurize(doc: Document) -> pd.DataFrame:
    """One row per block of ``doc``: columns ``FEATURE_COLUMNS``, then ``path`` and ``text``.

    Returns a DataFrame of shape (n_blocks, len(FEATURE_COLUMNS) + 2)."""
    return feature_arrays(doc).frame()


def feature_arrays(doc: Document) -> FeatureArrays:
    """``featurize(doc)`` as arrays (``FeatureArrays``), without making the table."""
    blocks: Sequence[Block] = doc.blocks
    n = len(blocks)
    if n == 0:
        return FeatureArrays(np.zeros((0, len(FEATURE_COLUMNS))), [], [])
    stops = stopwords(doc.language)
    texts = [b.text for b in blocks]
    toks = [cached_tokens(t) for t in texts]
    # what a block's text alone decides is worked out once per distinct text: a page repeats a
    # fifth of its blocks (menus, "Share", "Reply"); the lists and Counters are only read
    by_text: dict[str, tuple[tuple[float, ...], list[str], Counter[str], float]] = {}
    for text, t in zip(texts, toks):
        if text not in by_text:
            folded = cached_folded_tokens(text)
            word_list = _content_word_list(folded, stops)
            counts = Counter(word_list)
            by_text[text] = (_text_shape(text, t, folded, stops), word_list, counts, _norm2(counts))
    known = [by_text[t] for t in texts]
    word_lists = [k[1] for k in known]
    words = [k[2] for k in known]
    paths = [b.path for b in blocks]
    overlap = np.array([b.extractor_overlap for b in blocks], dtype=float)
    n_tok = np.array([len(t) for t in toks], dtype=float)
    link = np.array([b.link_density for b in blocks], dtype=float)
    in_main = np.array([float(b.in_main) for b in blocks])
    max_depth = max(b.depth for b in blocks) or 1
    index = np.arange(n)

    # one matrix, filled a column (or a run of columns) at a time
    X = np.zeros((n, len(FEATURE_COLUMNS)), order="F")

    def put(name: str, values: object) -> None:
        X[:, _COLUMN_INDEX[name]] = values

    put("is_html", float(doc.format == "html"))
    put("in_hidden", np.fromiter((b.hidden for b in blocks), dtype=float, count=n))
    first = _COLUMN_INDEX[_TEXT_COLUMNS[0]]
    X[:, first : first + len(_TEXT_COLUMNS)] = [k[0] for k in known]
    put("link_density", link)
    put("depth_rel", np.array([b.depth for b in blocks]) / max_depth)
    put("position", [b.position for b in blocks])
    put("index_rel", index / n)
    put("index_from_end", [math.log1p(n - 1 - i) for i in range(n)])
    for i, b in enumerate(blocks):
        X[i, _COLUMN_INDEX[_tag_column(b.tag)]] = 1.0
    for k in KIND_NAMES:
        put(f"kind_{k}", [float(b.kind == k) for b in blocks])
    row_of_path = {p: j for j, p in enumerate(dict.fromkeys(paths))}
    hints = np.array([_path_hints(p) for p in row_of_path], dtype=float)
    first = _COLUMN_INDEX[_HINT_COLUMNS[0]]
    X[:, first : first + len(_HINT_COLUMNS)] = hints[[row_of_path[p] for p in paths]]

    # trafilatura's extraction, around each block
    by_path: dict[str, list[int]] = {}
    by_parent: dict[str, list[int]] = {}
    for i, p in enumerate(paths):
        by_path.setdefault(p, []).append(i)
        by_parent.setdefault(_parent(p), []).append(i)
    path_mean = {p: _mean_at(overlap, idx) for p, idx in by_path.items()}
    parent_mean = {p: _mean_at(overlap, idx) for p, idx in by_parent.items()}
    is_extracted = overlap >= 0.5
    extracted = np.flatnonzero(is_extracted)
    first_ex, last_ex = (int(extracted[0]), int(extracted[-1])) if len(extracted) else (-1, -1)
    lo, hi = np.maximum(0, index - 3), np.minimum(n, index + 4)
    cum = np.concatenate([[0.0], np.cumsum(overlap)])
    cum_link = np.concatenate([[0.0], np.cumsum(link)])
    put("extractor_overlap", overlap)
    put("overlap_prev", _shifted(overlap, 1))
    put("overlap_next", _shifted(overlap, -1))
    put("overlap_window", (cum[hi] - cum[lo] - overlap) / np.maximum(1, hi - lo - 1))
    put("overlap_same_path", [path_mean[p] for p in paths])
    put("overlap_same_parent", [parent_mean[_parent(p)] for p in paths])
    put("inside_extracted_span", (first_ex <= index) & (index <= last_ex))
    put("dist_to_extracted", [math.log1p(d) for d in _distance_to_nearest(is_extracted)])
    put("extracted_share_doc", float((n_tok * overlap).sum() / n_tok.sum()) if n_tok.sum() else 0.0)
    log_tokens = np.array([math.log1p(x) for x in n_tok])
    put("log_tokens_prev", _shifted(log_tokens, 1))
    put("log_tokens_next", _shifted(log_tokens, -1))
    put("link_density_window", (cum_link[hi] - cum_link[lo]) / (hi - lo))
    path_counts = Counter(paths)
    put("log_same_path_count", [math.log1p(path_counts[p] - 1) for p in paths])
    keys = [b.text.casefold() for b in blocks]
    text_counts = Counter(keys)
    put("same_text_count", [float(text_counts[k] - 1) for k in keys])

    # topic fit
    # counted over the word streams in C, not by merging the per-block Counters (the
    # similarities below only sum integer counts, so key order does not matter)
    doc_words = Counter(chain.from_iterable(word_lists))
    extracted_words = Counter(chain.from_iterable(compress(word_lists, is_extracted.tolist())))
    title_words = _content_words([t.casefold() for t in tokens(doc.title or "")], stops)
    doc_norm2 = _norm2(doc_words)
    extracted_norm2 = _norm2(extracted_words)
    norms2 = [k[3] for k in known]
    # (each distinct text once, as above)
    to_title = {text: _cosine(k[2], title_words) for text, k in by_text.items()}
    to_doc = {text: _cosine_to_rest(k[2], k[3], doc_words, doc_norm2, True) for text, k in by_text.items()}
    put("sim_to_title", [to_title[t] for t in texts])
    put("sim_to_doc", [to_doc[t] for t in texts])
    put(
        "sim_to_extracted",
        [
            _cosine_to_rest(w, w2, extracted_words, extracted_norm2, ex)
            for w, w2, ex in zip(words, norms2, is_extracted.tolist())
        ],
    )
    put("doc_log_blocks", math.log1p(n))
    put("in_main_container", in_main)
    put("main_share_doc", float((n_tok * in_main).sum() / n_tok.sum()) if n_tok.sum() else 0.0)
    put("in_main_container_prev", _shifted(in_main, 1))
    put("in_main_container_next", _shifted(in_main, -1))

    return FeatureArrays(X, paths, [b.text for b in blocks])

assert len(set(FEATURE_COLUMNS)) == len(FEATURE_COLUMNS), "feature names must be unique"
