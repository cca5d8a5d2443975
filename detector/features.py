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

import numpy as np
import pandas as pd

from detector.document import Block, Document
from detector.extract.textutil import tokens
from detector.language import stopwords

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

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_URLISH = re.compile(r"https?://|www\.", re.I)
_SENT_PUNCT = re.compile(r"[.!?。！？;]")
_SEPARATORS = re.compile(r"[|•·»›/]")
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")
_UPPER = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁΑ-Ω]")
_PUNCT = re.compile(r"[^\w\s]")
_FINAL = tuple(".!?。！？\"'”»)…:")

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
)  # fmt: skip


_HINTS_OF_WORD: dict[str, tuple[str, ...]] = {}
for _name, _words in PATH_HINTS.items():
    for _w in _words:
        _HINTS_OF_WORD[_w] = (*_HINTS_OF_WORD.get(_w, ()), f"path_{_name}")
_STRUCT = frozenset(STRUCT_TAGS)


def _path_hints(path: str) -> dict[str, float]:
    out = dict.fromkeys((f"path_{name}" for name in PATH_HINTS), 0.0)
    out.update(dict.fromkeys((f"in_{tag}" for tag in STRUCT_TAGS), 0.0))
    for segment in path.lower().split("/"):
        tag, _, classes = segment.partition(".")
        if tag in _STRUCT:
            out[f"in_{tag}"] = 1.0
        for word in classes.split(".") if classes else ():
            for hint in _HINTS_OF_WORD.get(word, ()):
                out[hint] = 1.0
    return out


def _content_words(toks: Sequence[str], stops: frozenset[str]) -> Counter[str]:
    return Counter(t for t in (w.casefold() for w in toks) if len(t) > 2 and t not in stops and not t.isdigit())


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


def _cosine_to_rest(block: Counter[str], whole: Counter[str], whole_norm2: float, included: bool) -> float:
    """Cosine between ``block`` and ``whole`` minus ``block`` (when ``block`` is part of it),
    without materialising the difference."""
    if not block or not whole:
        return 0.0
    dot = float(sum(v * whole.get(k, 0) for k, v in block.items()))
    b2 = float(sum(v * v for v in block.values()))
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
    n = len(mask)
    dist = np.full(n, float(n))
    last = None
    for i in range(n):
        if mask[i]:
            last = i
        if last is not None:
            dist[i] = i - last
    last = None
    for i in range(n - 1, -1, -1):
        if mask[i]:
            last = i
        if last is not None:
            dist[i] = min(dist[i], last - i)
    return dist


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else path


def featurize(doc: Document) -> pd.DataFrame:
    """One row per block of ``doc``, columns ``FEATURE_COLUMNS`` (plus ``path``)."""
    blocks: Sequence[Block] = doc.blocks
    n = len(blocks)
    if n == 0:
        return pd.DataFrame(columns=[*FEATURE_COLUMNS, "path"])
    stops = stopwords(doc.language)
    is_html = float(doc.format == "html")
    toks = [tokens(b.text) for b in blocks]
    words = [_content_words(t, stops) for t in toks]
    overlap = np.array([b.extractor_overlap for b in blocks], dtype=float)
    n_tok = np.array([len(t) for t in toks], dtype=float)
    link = np.array([b.link_density for b in blocks], dtype=float)
    max_depth = max(b.depth for b in blocks) or 1

    path_counts = Counter(b.path for b in blocks)
    text_counts = Counter(b.text.casefold() for b in blocks)
    by_path: dict[str, list[int]] = {}
    by_parent: dict[str, list[int]] = {}
    for i, b in enumerate(blocks):
        by_path.setdefault(b.path, []).append(i)
        by_parent.setdefault(_parent(b.path), []).append(i)
    hints_cache: dict[str, dict[str, float]] = {}

    path_mean = {p: float(np.mean(overlap[idx])) for p, idx in by_path.items()}
    parent_mean = {p: float(np.mean(overlap[idx])) for p, idx in by_parent.items()}
    extracted = np.flatnonzero(overlap >= 0.5)
    dist_to_extracted = _distance_to_nearest(overlap >= 0.5)
    first_ex, last_ex = (int(extracted[0]), int(extracted[-1])) if len(extracted) else (-1, -1)
    weights = n_tok * overlap
    extracted_share = float(weights.sum() / n_tok.sum()) if n_tok.sum() else 0.0
    doc_words: Counter[str] = Counter()
    extracted_words: Counter[str] = Counter()
    for i, w in enumerate(words):
        doc_words.update(w)
        if overlap[i] >= 0.5:
            extracted_words.update(w)
    title_words = _content_words(tokens(doc.title or ""), stops)
    doc_norm2 = float(sum(v * v for v in doc_words.values()))
    extracted_norm2 = float(sum(v * v for v in extracted_words.values()))

    in_main = np.array([float(b.in_main) for b in blocks])
    main_share = float((n_tok * in_main).sum() / n_tok.sum()) if n_tok.sum() else 0.0
    # windowed neighbour signals
    cum = np.concatenate([[0.0], np.cumsum(overlap)])
    cum_link = np.concatenate([[0.0], np.cumsum(link)])
    rows: list[dict[str, float]] = []
    for i, b in enumerate(blocks):
        text = b.text
        t = toks[i]
        nchar = len(text)
        n_letters = len(_LETTER.findall(text))
        ntoks = len(t)
        alpha_words = [w for w in t if w[:1].isalpha()]
        lo, hi = max(0, i - 3), min(n, i + 4)
        if b.path not in hints_cache:
            hints_cache[b.path] = _path_hints(b.path)
        row = {
            "is_html": is_html,
            "log_chars": math.log1p(nchar),
            "log_tokens": math.log1p(ntoks),
            "mean_token_len": (sum(len(w) for w in t) / ntoks) if ntoks else 0.0,
            "digit_ratio": len(_DIGIT.findall(text)) / nchar if nchar else 0.0,
            "upper_ratio": len(_UPPER.findall(text)) / n_letters if n_letters else 0.0,
            "punct_ratio": len(_PUNCT.findall(text)) / nchar if nchar else 0.0,
            "sentence_punct_per_token": len(_SENT_PUNCT.findall(text)) / ntoks if ntoks else 0.0,
            "ends_with_punct": float(text.endswith(_FINAL)),
            "title_case_ratio": (sum(w[0].isupper() for w in alpha_words) / len(alpha_words)) if alpha_words else 0.0,
            "stopword_ratio": (sum(1 for w in t if w.casefold() in stops) / ntoks) if (stops and ntoks) else -1.0,
            "has_stoplist": float(bool(stops)),
            "has_copyright": float("©" in text or "(c)" in text.lower()),
            "has_email": float(bool(_EMAIL.search(text))),
            "has_url": float(bool(_URLISH.search(text))),
            "separator_ratio": len(_SEPARATORS.findall(text)) / (ntoks + 1),
            "link_density": b.link_density,
            "depth_rel": b.depth / max_depth,
            "position": b.position,
            "index_rel": i / n,
            "index_from_end": math.log1p(n - 1 - i),
            **{f"tag_{g}": 0.0 for g in TAG_NAMES},
            **{f"kind_{k}": float(b.kind == k) for k in KIND_NAMES},
            **hints_cache[b.path],
            "extractor_overlap": overlap[i],
            "overlap_prev": overlap[i - 1] if i > 0 else 0.0,
            "overlap_next": overlap[i + 1] if i + 1 < n else 0.0,
            "overlap_window": (cum[hi] - cum[lo] - overlap[i]) / max(1, hi - lo - 1),
            "overlap_same_path": path_mean[b.path],
            "overlap_same_parent": parent_mean[_parent(b.path)],
            "inside_extracted_span": float(first_ex <= i <= last_ex),
            "dist_to_extracted": math.log1p(dist_to_extracted[i]),
            "extracted_share_doc": extracted_share,
            "log_tokens_prev": math.log1p(n_tok[i - 1]) if i > 0 else 0.0,
            "log_tokens_next": math.log1p(n_tok[i + 1]) if i + 1 < n else 0.0,
            "link_density_window": (cum_link[hi] - cum_link[lo]) / (hi - lo),
            "log_same_path_count": math.log1p(path_counts[b.path] - 1),
            "same_text_count": float(text_counts[text.casefold()] - 1),
            "sim_to_title": _cosine(words[i], title_words),
            "sim_to_doc": _cosine_to_rest(words[i], doc_words, doc_norm2, True),
            "sim_to_extracted": _cosine_to_rest(words[i], extracted_words, extracted_norm2, overlap[i] >= 0.5),
            "doc_log_blocks": math.log1p(n),
            "in_main_container": in_main[i],
            "main_share_doc": main_share,
            "in_main_container_prev": in_main[i - 1] if i > 0 else 0.0,
            "in_main_container_next": in_main[i + 1] if i + 1 < n else 0.0,
            "path": b.path,
        }
        row[f"tag_{TAG_GROUPS.get(b.tag, 'other') if TAG_GROUPS.get(b.tag) in TAG_NAMES else 'other'}"] = 1.0
        rows.append(row)
    return pd.DataFrame(rows, columns=[*FEATURE_COLUMNS, "path"])

assert len(set(FEATURE_COLUMNS)) == len(FEATURE_COLUMNS), "feature names must be unique"
