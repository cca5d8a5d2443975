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
from functools import lru_cache, reduce
from itertools import chain
from operator import itemgetter, or_
from typing import TYPE_CHECKING

import numpy as np

from detector.document import Block, Document
from detector.extract.textutil import cached_tokens, tokens
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


_CLASS_CODES = "-dusxp_"
"""The classes of ASCII characters ``_class_counts`` counts: "d" a digit (``_DIGIT``), "u" an
upper-case letter (``_UPPER``), "s" a sentence mark (``_SENT_PUNCT``), "x" a separator
(``_SEPARATORS``), "p" other punctuation (``_PUNCT``), "_" itself, "-" none."""


def _ascii_class_codes() -> np.ndarray:
    """Each ASCII character's class as its index in ``_CLASS_CODES``, taken from the patterns
    themselves. Digits, capitals and punctuation are disjoint; sentence marks and separators
    are disjoint kinds of punctuation."""
    table = []
    for code in range(128):
        ch = chr(code)
        for cls, pattern in (("d", _DIGIT), ("u", _UPPER), ("s", _SENT_PUNCT), ("x", _SEPARATORS), ("p", _PUNCT)):
            if pattern.fullmatch(ch):
                break
        else:
            cls = "_" if ch == "_" else "-"
        table.append(_CLASS_CODES.index(cls))
        assert not (_SENT_PUNCT.fullmatch(ch) or _SEPARATORS.fullmatch(ch)) or _PUNCT.fullmatch(ch)
        assert sum(bool(p.fullmatch(ch)) for p in (_DIGIT, _UPPER, _PUNCT)) <= 1
    return np.array(table, dtype=np.intp)


_ASCII_CLASS_CODE = _ascii_class_codes()
_COUNTED = (_DIGIT, _UPPER, _PUNCT, _SENT_PUNCT, _SEPARATORS)
"""The one-character patterns whose characters ``_class_counts`` counts, in its order."""


def _class_counts(texts: Sequence[str]) -> np.ndarray:
    """Per text, how many of its characters match ``_DIGIT``, ``_UPPER``, ``_PUNCT``,
    ``_SENT_PUNCT`` and ``_SEPARATORS``, and how many are "_": an array of
    shape (len(texts), 6), float64 (exact counts). All the texts at once, one code point per
    character: ASCII characters by ``_ASCII_CLASS_CODE``, the others by the patterns
    themselves, each distinct one once."""
    m = len(texts)
    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    rows = np.repeat(np.arange(m), np.fromiter(map(len, texts), dtype=np.intp, count=m))
    narrow = codes < 128
    k = len(_CLASS_CODES)
    by_class = np.bincount(rows[narrow] * k + _ASCII_CLASS_CODE[codes[narrow]], minlength=m * k).reshape(m, k)
    digits, capitals, sentence, separators, other, underscores = by_class[:, 1:].T
    # (sentence marks and separators are punctuation too)
    counts = np.stack([digits, capitals, sentence + separators + other, sentence, separators, underscores], axis=1)
    counts = counts.astype(float)
    if not narrow.all():
        wide, wide_rows = codes[~narrow], rows[~narrow]
        chars, which = np.unique(wide, return_inverse=True)
        matches = np.array([[p.fullmatch(chr(c)) is not None for p in _COUNTED] for c in chars.tolist()], dtype=float)
        for j in range(len(_COUNTED)):
            counts[:, j] += np.bincount(wide_rows, weights=matches[which, j], minlength=m)
    return counts


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
def _segment_hints(segment: str) -> int:
    """The positions in ``_HINT_COLUMNS`` set by one lower-cased ``tag.class.words`` path
    segment, as the bits of an int (bit j: position j)."""
    tag, _, classes = segment.partition(".")
    hits = 1 << _HINT_POSITION[f"in_{tag}"] if tag in _STRUCT else 0
    if classes:
        hints_of_word = _HINTS_OF_WORD.get
        for word in classes.split("."):
            for j in hints_of_word(word, ()):
                hits |= 1 << j
    return hits


def _path_hints(paths: Sequence[str]) -> np.ndarray:
    """The ``_HINT_COLUMNS`` values of blocks with these tag/class paths, shape (len(paths),
    len(_HINT_COLUMNS))."""
    masks = np.fromiter(
        (reduce(or_, map(_segment_hints, path.lower().split("/")), 0) for path in paths), dtype=np.int64, count=len(paths)
    )
    return ((masks[:, None] >> np.arange(len(_HINT_COLUMNS))) & 1).astype(float)


def _is_content_word(folded: str, stops: frozenset[str]) -> bool:
    """Whether a casefolded token is a content word (over two characters, no stop word, not a
    number): the words whose counts the topic features compare."""
    return len(folded) > 2 and folded not in stops and not folded.isdigit()


@dataclass(frozen=True)
class _PageTokens:
    """The tokens of a page's distinct texts as integer codes, counted with numpy: the same
    words recur across the blocks of a page, so each distinct token is looked at once.

    ``vocabulary``: the distinct tokens in order of first appearance; ``codes``: each token's
    index in it, the texts' tokens one after the other; ``rows``: each token's text."""

    vocabulary: list[str]
    codes: np.ndarray
    rows: np.ndarray

    @classmethod
    def of(cls, toks: Sequence[Sequence[str]]) -> _PageTokens:
        stream = list(chain.from_iterable(toks))
        ids = {tok: k for k, tok in enumerate(dict.fromkeys(stream))}
        codes = np.fromiter(map(ids.__getitem__, stream), dtype=np.intp, count=len(stream))
        lengths = np.fromiter(map(len, toks), dtype=np.intp, count=len(toks))
        return cls(list(ids), codes, np.repeat(np.arange(len(toks)), lengths))

    def per_text(self, of_token: np.ndarray, n_texts: int) -> np.ndarray:
        """Per text, the sum of ``of_token`` (one number per vocabulary entry) over its tokens,
        float64 (exact: the sums are of small integers)."""
        return np.bincount(self.rows, weights=of_token[self.codes], minlength=n_texts)


def _ratio(num: np.ndarray, den: np.ndarray, default: float = 0.0) -> np.ndarray:
    """``num / den`` elementwise (float64: the quotient Python computes of the same integers),
    ``default`` where ``den`` is 0."""
    out = np.full(len(den), default)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _cosine_to_rest(
    dot: np.ndarray, block_norm2: np.ndarray, whole_norm2: float, included: np.ndarray | bool
) -> np.ndarray:
    """Cosine between each block's content-word counts and a ``whole`` (counts of a set of
    blocks) minus the block where it is ``included``, without materialising the difference;
    ``dot`` is each block's dot product with ``whole``. 0 where either side has no words or
    they share none. (The counts are integers: every step but the last division is exact.)"""
    rest_dot = np.where(included, dot - block_norm2, dot)
    rest2 = np.where(included, whole_norm2 - 2 * (rest_dot + block_norm2) + block_norm2, whole_norm2)
    fits = (block_norm2 > 0) & (rest_dot > 0) & (rest2 > 0) if whole_norm2 else np.zeros(len(dot), dtype=bool)
    out = np.zeros(len(dot))
    np.divide(rest_dot, np.sqrt(block_norm2 * rest2, where=fits, out=np.ones(len(dot))), out=out, where=fits)
    return out


def _distance_to_nearest(mask: np.ndarray) -> np.ndarray:
    """For each position, the distance (in blocks) to the nearest True in ``mask`` (its length
    where there is none), float64."""
    n = len(mask)
    at = np.flatnonzero(mask)
    if not len(at):
        return np.full(n, float(n))
    index = np.arange(n)
    after = np.searchsorted(at, index)  # the first True at or after each position, if any
    following = np.where(after < len(at), at[np.minimum(after, len(at) - 1)] - index, n)
    preceding = np.where(after > 0, index - at[np.maximum(after - 1, 0)], n)
    return np.minimum(following, preceding).astype(float)


_add_reduce = np.add.reduce


def _mean_at(values: np.ndarray, idx: list[int]) -> float:
    """``np.mean(values[idx])``, without its overhead: the mean of one value is that value, and
    np.mean of more is their ``np.add.reduce`` divided by their count (numpy's ``_methods._mean``:
    the same float64 sum and one IEEE division; 7.2 -> 3.5 us a group)."""
    return float(values[idx[0]]) if len(idx) == 1 else float(_add_reduce(values[idx])) / len(idx)


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else path


def _text_shapes(texts: Sequence[str], tokens: _PageTokens, folded: Sequence[str], stops: frozenset[str]) -> np.ndarray:
    """The ``_TEXT_COLUMNS`` values of each of ``texts`` (distinct), shape (len(texts),
    len(_TEXT_COLUMNS)); ``tokens`` are their tokens, ``folded`` each vocabulary entry casefolded."""
    m = len(texts)
    vocabulary, n_vocabulary = tokens.vocabulary, len(tokens.vocabulary)
    shape = np.empty((m, len(_TEXT_COLUMNS)))
    nchar = np.fromiter(map(len, texts), dtype=float, count=m)
    ntoks = np.bincount(tokens.rows, minlength=m).astype(float)
    word_chars = tokens.per_text(np.fromiter(map(len, vocabulary), dtype=float, count=n_vocabulary), m)
    n_digits, n_upper, n_punct, n_sentence, n_separators, n_underscores = _class_counts(texts).T
    # first characters of the tokens, the ones that are letters (tokens are never empty)
    first = "".join(map(itemgetter(0), vocabulary))
    initial = np.fromiter(map(str.isalpha, first), dtype=bool, count=n_vocabulary)
    capital = initial & np.fromiter(map(str.isupper, first), dtype=bool, count=n_vocabulary)
    shape[:, 0] = np.fromiter(map(math.log1p, map(len, texts)), dtype=float, count=m)
    shape[:, 1] = np.fromiter(map(math.log1p, ntoks.tolist()), dtype=float, count=m)
    shape[:, 2] = _ratio(word_chars, ntoks)
    shape[:, 3] = _ratio(n_digits, nchar)
    # letters ([^\W\d_]) are the word characters (the tokens) that are neither digits nor "_"
    shape[:, 4] = _ratio(n_upper, word_chars - n_digits - n_underscores)
    shape[:, 5] = _ratio(n_punct, nchar)
    shape[:, 6] = _ratio(n_sentence, ntoks)
    shape[:, 7] = [text.endswith(_FINAL) for text in texts]
    shape[:, 8] = _ratio(tokens.per_text(capital, m), tokens.per_text(initial, m))
    if stops:
        is_stop = np.fromiter(map(stops.__contains__, folded), dtype=bool, count=n_vocabulary)
        shape[:, 9] = _ratio(tokens.per_text(is_stop, m), ntoks, -1.0)
    else:
        shape[:, 9] = -1.0
    shape[:, 10] = float(bool(stops))
    # the substring tests are necessary for a match and much cheaper than the searches; tried
    # on all the texts at once first (no needle holds the "\n" between them)
    joined = "\n".join(texts)
    # ("(c)" and "w." in text.lower(): only "C" and "W" lower-case to "c" and "w", and no
    # character lower-cases to anything holding "(", ")" or ".")
    shape[:, 11] = (
        [("©" in text or "(c)" in text or "(C)" in text) for text in texts]
        if ("©" in joined or "(c)" in joined or "(C)" in joined)
        else 0.0
    )
    shape[:, 12] = [("@" in text and bool(_EMAIL.search(text))) for text in texts] if "@" in joined else 0.0
    shape[:, 13] = (
        [(("://" in text or "w." in text or "W." in text) and bool(_URLISH.search(text))) for text in texts]
        if ("://" in joined or "w." in joined or "W." in joined)
        else 0.0
    )
    shape[:, 14] = n_separators / (ntoks + 1)
    return shape


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
    # what a block's text alone decides is worked out once per distinct text (a page repeats a
    # fifth of its blocks: menus, "Share", "Reply"), for all of them at once
    row_of_text: dict[str, int] = {}
    text_row = np.fromiter((row_of_text.setdefault(t, len(row_of_text)) for t in texts), dtype=np.intp, count=n)
    distinct = list(row_of_text)
    m = len(distinct)
    page_tokens = _PageTokens.of([cached_tokens(t) for t in distinct])
    # (casefolding a token on its own is casefolding it in its text: see ``cached_folded_tokens``)
    folded = list(map(str.casefold, page_tokens.vocabulary))
    paths = [b.path for b in blocks]
    overlap = np.array([b.extractor_overlap for b in blocks], dtype=float)
    n_tok = np.bincount(page_tokens.rows, minlength=m).astype(float)[text_row]
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
    X[:, first : first + len(_TEXT_COLUMNS)] = _text_shapes(distinct, page_tokens, folded, stops)[text_row]
    put("link_density", link)
    put("depth_rel", np.array([b.depth for b in blocks]) / max_depth)
    put("position", [b.position for b in blocks])
    put("index_rel", index / n)
    put("index_from_end", np.fromiter(map(math.log1p, range(n - 1, -1, -1)), dtype=float, count=n))
    tag_columns: dict[str, int] = {}
    for tag in {b.tag for b in blocks}:
        tag_columns[tag] = _COLUMN_INDEX[_tag_column(tag)]
    X[index, [tag_columns[b.tag] for b in blocks]] = 1.0
    kind_columns = {k: _COLUMN_INDEX[f"kind_{k}"] for k in KIND_NAMES}
    kinds = [(i, kind_columns[b.kind]) for i, b in enumerate(blocks) if b.kind in kind_columns]
    if kinds:
        X[tuple(zip(*kinds))] = 1.0
    row_of_path = {p: j for j, p in enumerate(dict.fromkeys(paths))}
    first = _COLUMN_INDEX[_HINT_COLUMNS[0]]
    X[:, first : first + len(_HINT_COLUMNS)] = _path_hints(list(row_of_path))[[row_of_path[p] for p in paths]]

    # trafilatura's extraction, around each block
    by_path: dict[str, list[int]] = {}
    for i, p in enumerate(paths):
        by_path.setdefault(p, []).append(i)
    parent_of = {p: _parent(p) for p in by_path}
    by_parent: dict[str, list[int]] = {}
    for i, p in enumerate(paths):
        by_parent.setdefault(parent_of[p], []).append(i)
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
    put("overlap_same_parent", [parent_mean[parent_of[p]] for p in paths])
    put("inside_extracted_span", (first_ex <= index) & (index <= last_ex))
    put("dist_to_extracted", np.fromiter(map(math.log1p, _distance_to_nearest(is_extracted).tolist()), dtype=float, count=n))
    put("extracted_share_doc", float((n_tok * overlap).sum() / n_tok.sum()) if n_tok.sum() else 0.0)
    log_tokens = X[:, _COLUMN_INDEX["log_tokens"]].copy()
    put("log_tokens_prev", _shifted(log_tokens, 1))
    put("log_tokens_next", _shifted(log_tokens, -1))
    put("link_density_window", (cum_link[hi] - cum_link[lo]) / (hi - lo))
    path_counts = Counter(paths)
    put("log_same_path_count", [math.log1p(path_counts[p] - 1) for p in paths])
    keys = [t.casefold() for t in distinct]
    key_counts: Counter[str] = Counter()
    for key, count in zip(keys, np.bincount(text_row, minlength=m).tolist()):
        key_counts[key] += count
    put("same_text_count", np.array([key_counts[key] - 1 for key in keys], dtype=float)[text_row])

    # topic fit: content-word counts of each distinct text, the whole document's (each block
    # counts), the extracted blocks' and the title's, as integer vectors over the page's words
    content = [k for k, w in enumerate(folded) if _is_content_word(w, stops)]
    word_ids = {w: j for j, w in enumerate(dict.fromkeys(folded[k] for k in content))}
    n_words = max(len(word_ids), 1)
    word_of = np.full(len(folded), -1, dtype=np.intp)
    word_of[content] = [word_ids[folded[k]] for k in content]
    token_words = word_of[page_tokens.codes]
    has_word = token_words >= 0
    pairs, counts = np.unique(page_tokens.rows[has_word] * n_words + token_words[has_word], return_counts=True)
    pair_rows, pair_words = pairs // n_words, pairs % n_words
    norms2 = np.bincount(pair_rows, weights=counts * counts, minlength=m)
    blocks_of_text = np.bincount(text_row, minlength=m)
    extracted_of_text = np.bincount(text_row, weights=is_extracted, minlength=m)
    doc_words = np.bincount(pair_words, weights=counts * blocks_of_text[pair_rows], minlength=n_words)
    extracted_words = np.bincount(pair_words, weights=counts * extracted_of_text[pair_rows], minlength=n_words)
    title_list = [w for w in (t.casefold() for t in tokens(doc.title or "")) if _is_content_word(w, stops)]
    title_words = np.zeros(n_words)
    title_norm2 = 0.0
    for w, c in Counter(title_list).items():
        title_norm2 += c * c
        if w in word_ids:
            title_words[word_ids[w]] = c

    def dots(whole: np.ndarray) -> np.ndarray:
        """Each distinct text's dot product with word counts ``whole``."""
        return np.bincount(pair_rows, weights=counts * whole[pair_words], minlength=m)

    to_title = np.zeros(m)
    title_dots = dots(title_words)
    shares = title_dots != 0
    np.divide(title_dots, np.sqrt(norms2) * math.sqrt(title_norm2), out=to_title, where=shares)
    put("sim_to_title", to_title[text_row])
    to_doc = _cosine_to_rest(dots(doc_words), norms2, float((doc_words * doc_words).sum()), True)
    put("sim_to_doc", to_doc[text_row])
    extracted_norm2 = float((extracted_words * extracted_words).sum())
    to_extracted = _cosine_to_rest(dots(extracted_words)[text_row], norms2[text_row], extracted_norm2, is_extracted)
    put("sim_to_extracted", to_extracted)
    put("doc_log_blocks", math.log1p(n))
    put("in_main_container", in_main)
    put("main_share_doc", float((n_tok * in_main).sum() / n_tok.sum()) if n_tok.sum() else 0.0)
    put("in_main_container_prev", _shifted(in_main, 1))
    put("in_main_container_next", _shifted(in_main, -1))

    return FeatureArrays(X, paths, [b.text for b in blocks])

assert len(set(FEATURE_COLUMNS)) == len(FEATURE_COLUMNS), "feature names must be unique"
