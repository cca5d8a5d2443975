"""The lexical stage: what a block *says*, as one more feature of the paragraph model.

Every block's text (its first ``max_chars`` characters, lower-cased, digits folded to ``0``) is
hashed into word unigrams and bigrams plus character bigrams of runs of scripts written without
spaces (CJK, kana, hangul, Thai), with scikit-learn's ``HashingVectorizer`` when fitting and ``hash_terms`` (the same
MurmurHash3 buckets through the ``mmh3`` library) when scoring (no vocabulary to ship, any
language). A linear model (``SGDClassifier``, logistic loss) turns that into the
probability that the block belongs to the main content. Cookie-consent prose, newsletter
pitches and "Thanks for reading" lines look like body by shape; by their words they do not.

Stacking (Wolpert 1992, "Stacked generalization"): the gradient-boosting stages downstream
must learn how far to trust this score on pages the linear model did not see, so ``fit_transform``
returns *out-of-fold* scores (grouped folds: a site's pages never score each other), while
``transform`` uses the model fitted on everything. Inside ``Pipeline.fit`` that is exactly what
happens, so an outer cross-validation around the whole pipeline stays nested.

This module scores with fitted coefficients and needs no scikit-learn: the estimator that fits
them, ``LexicalScorer``, lives in ``detector.estimators`` (``detector.lexical.LexicalScorer``
still resolves to it, for joblib files that name it here).
"""

from __future__ import annotations

import re
from itertools import chain
from typing import Any

import mmh3
import numpy as np
import scipy.sparse as sp
from scipy.special import expit

LEXICAL_COLUMNS: tuple[str, ...] = ("lexical", "lexical_prev", "lexical_next")
"""Columns the stage adds: the block's score and its neighbours' (0.5 where there is none)."""

TEXT_REASONS: tuple[str, ...] = ("consent", "comment", "caption", "legal", "promo", "navigation", "page-meta")
"""The drop reasons a line's words can name (the others are structural: duplicate, template ...)."""

_TOKEN = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]{2,}")
_SHORT_TOKENS = 6


def analyze(text: str, max_chars: int = 300) -> list[str]:
    """The hashed terms of one block: word 1- and 2-grams, character bigrams of unspaced
    scripts, and a ``#short`` marker for blocks of at most six words."""
    s = _DIGIT.sub("0", text[:max_chars].lower())
    toks = _TOKEN.findall(s)
    terms = toks + list(map(" ".join, zip(toks, toks[1:])))
    if not s.isascii():  # (a constant-time test) the unspaced scripts are not ASCII
        for run in _UNSPACED.findall(s):
            terms += [run[i : i + 2] for i in range(len(run) - 1)]
    if len(toks) <= _SHORT_TOKENS:
        terms.append("#short")
    return terms


def hash_terms(texts: list[str], n_features: int, max_chars: int = 300) -> sp.csr_matrix:
    """The l2-normalised term counts of each text: shape (n_texts, n_features), CSR with sorted
    indices; equal bit for bit to ``HashingVectorizer(analyzer=lambda t: analyze(t, max_chars),
    n_features=n_features, alternate_sign=False, norm="l2").transform(texts)``.

    A term goes to bucket ``abs(h) % n_features`` where ``h`` is the signed 32-bit MurmurHash3
    (x86, seed 0) of its UTF-8 bytes, computed by ``mmh3`` as scikit-learn's
    ``feature_extraction/_hashing_fast.pyx`` computes it with its own MurmurHash3
    (``abs(-2**31) % n_features`` included). Counts of a bucket are summed and each row divided
    by its l2 norm; counts are whole numbers, so the sums of squares are exact and the result
    does not depend on summation order. ``analyze``'s terms are word characters and CJK/Thai
    runs, never lone surrogates (which ``mmh3`` cannot take)."""
    terms_of = {text: analyze(text, max_chars) for text in dict.fromkeys(texts)}  # a page repeats blocks
    analyzed = [terms_of[text] for text in texts]
    counts = np.fromiter(map(len, analyzed), dtype=np.int64, count=len(analyzed))
    flat = list(chain.from_iterable(analyzed))
    hashes = np.fromiter(map(mmh3.hash, flat), dtype=np.int64, count=len(flat))
    indices = (np.abs(hashes) % n_features).astype(np.int32)
    indptr = np.zeros(len(texts) + 1, dtype=np.int32)
    np.cumsum(counts, out=indptr[1:])
    terms = sp.csr_matrix((np.ones(len(flat)), indices, indptr), shape=(len(texts), n_features))
    terms.sum_duplicates()  # also sorts the indices, as FeatureHasher does
    rows = np.repeat(np.arange(len(texts)), np.diff(terms.indptr))
    norms = np.sqrt(np.bincount(rows, weights=terms.data * terms.data, minlength=len(texts)))
    norms[norms == 0] = 1.0  # a row without terms stays zero
    terms.data /= norms[rows]
    return terms


def score_texts(
    texts: list[str],
    n_features: int,
    max_chars: int,
    model: Any,
    reason_model: Any = None,
    *,
    reasons: bool = True,
    min_probability: float = 0.5,
) -> tuple[np.ndarray, list[str | None]]:
    """The lexical score of each text, shape (n_texts,), and the drop reason its words point to
    (None where no reason reaches ``min_probability``, or without ``reasons`` or a
    ``reason_model``). ``model`` and ``reason_model``: fitted linear models over the hashed
    terms, anything with ``coef_`` of shape (n_classes or 1, n_features), ``intercept_`` and
    ``classes_`` (a scikit-learn ``SGDClassifier`` or ``LinearTerms``)."""
    if not texts:
        return np.zeros(0), []
    present = present_terms(hash_terms(texts, n_features, max_chars))
    scores = linear_proba(model, *present)[:, 1]
    if not reasons or reason_model is None:
        return scores, [None] * len(texts)
    proba = linear_proba(reason_model, *present)
    best = proba.argmax(axis=1)
    top = proba[np.arange(len(best)), best]
    names = [str(c) for c in reason_model.classes_]
    return scores, [names[b] if p >= min_probability else None for b, p in zip(best.tolist(), top.tolist())]


def present_terms(terms: sp.csr_matrix) -> tuple[sp.csr_matrix, np.ndarray]:
    """``terms`` (shape (n_blocks, n_features)) restricted to the columns some block uses: the
    restricted matrix (shape (n_blocks, n_present), same rows, same order of entries in each row)
    and the original index of each of its columns (shape (n_present,))."""
    columns, local = np.unique(terms.indices, return_inverse=True)
    restricted = sp.csr_matrix(
        (terms.data, local.astype(terms.indices.dtype), terms.indptr), shape=(terms.shape[0], len(columns))
    )
    return restricted, columns


def linear_proba(model: Any, terms: sp.csr_matrix, columns: np.ndarray) -> np.ndarray:
    """``model.predict_proba`` on hashed terms, reading only the coefficients of the terms present.

    ``terms``: shape (n_blocks, len(columns)), the hashed terms restricted to ``columns`` (see
    ``present_terms``). Returns shape (n_blocks, n_classes), bit-identical to scikit-learn's
    ``LinearClassifierMixin._predict_proba_lr`` (1.9): the same sparse products over the same
    entries in the same order, plus the intercept, the logistic function and, with more than two
    classes, one-vs-rest normalisation. scikit-learn multiplies by the whole ``coef_.T`` (2**20
    rows), which for the 7-class reason model copies 58 MB per call."""
    coef = model.coef_[:, columns]  # (n_classes, n_present); CSC after ``compact``
    coef = (coef.toarray() if sp.issparse(coef) else coef).T  # (n_present, n_classes)
    scores = terms @ coef + model.intercept_
    prob = expit(scores.reshape(-1) if scores.shape[1] == 1 else scores)
    if prob.ndim == 1:
        return np.stack([1 - prob, prob], axis=1)
    total = prob.sum(axis=1)
    zero = total == 0
    if zero.any():  # every class at probability 0: uniform, as scikit-learn does
        prob[zero, :] = 1
        total[zero] = prob.shape[1]
    prob /= total.reshape((prob.shape[0], -1))
    return prob


_present_terms = present_terms  # the name the tests and older scripts use


def neighbour_scores(scores: np.ndarray, doc: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``LEXICAL_COLUMNS`` values: each block's score, its previous and its next block's
    within the same document (``doc``: integer document codes; None: one document), 0.5
    where there is none."""
    prev = np.full(len(scores), 0.5)
    nxt = np.full(len(scores), 0.5)
    if len(scores) > 1:
        prev[1:] = scores[:-1]
        nxt[:-1] = scores[1:]
        if doc is not None:
            starts = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]])
            ends = np.r_[starts[1:], len(doc)] - 1
            prev[starts] = 0.5
            nxt[ends] = 0.5
    return scores, prev, nxt


def __getattr__(name: str) -> Any:
    """``LexicalScorer`` moved to ``detector.estimators``; joblib files name it here."""
    if name == "LexicalScorer":
        from detector.estimators import LexicalScorer

        return LexicalScorer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
