"""The lexical stage: what a block *says*, as one more feature of the paragraph model.

Every block's text (its first ``max_chars`` characters, lower-cased, digits folded to ``0``) is
hashed into word unigrams and bigrams plus character bigrams of runs of scripts written without
spaces (CJK, kana, hangul, Thai), with scikit-learn's ``HashingVectorizer`` (no vocabulary to
ship, any language). A linear model (``SGDClassifier``, logistic loss) turns that into the
probability that the block belongs to the main content. Cookie-consent prose, newsletter
pitches and "Thanks for reading" lines look like body by shape; by their words they do not.

Stacking (Wolpert 1992, "Stacked generalization"): the gradient-boosting stages downstream
must learn how far to trust this score on pages the linear model did not see, so ``fit_transform``
returns *out-of-fold* scores (grouped folds: a site's pages never score each other), while
``transform`` uses the model fitted on everything. Inside ``Pipeline.fit`` that is exactly what
happens, so an outer cross-validation around the whole pipeline stays nested.
"""

from __future__ import annotations

import re
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import expit
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import normalize

try:  # the Cython core of FeatureHasher.transform (sklearn.feature_extraction._hash)
    from sklearn.feature_extraction._hashing_fast import transform as _hashing_transform
except ImportError:  # pragma: no cover - a scikit-learn that moved it: use the public class
    _hashing_transform = None
try:
    from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2 as _normalize_rows_l2
except ImportError:  # pragma: no cover
    _normalize_rows_l2 = None

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
    terms = toks + [f"{a} {b}" for a, b in zip(toks, toks[1:])]
    for run in _UNSPACED.findall(s):
        terms += [run[i : i + 2] for i in range(len(run) - 1)]
    if len(toks) <= _SHORT_TOKENS:
        terms.append("#short")
    return terms


class LexicalScorer(BaseEstimator, TransformerMixin):
    """Adds ``LEXICAL_COLUMNS`` to a feature table that has a ``text`` column.

    Parameters
    ----------
    n_features : int
        Hashing space (2**20 buckets).
    alpha : float
        L2 penalty of the SGD logistic regression.
    inner_folds : int
        Grouped folds for the out-of-fold scores ``fit_transform`` returns (groups: the
        ``group`` column, one per site; without it every row is its own group).
    max_chars : int
        Only a block's first ``max_chars`` characters are read (boilerplate says what it is
        early; it also bounds the cost of long paragraphs).
    seed : int

    Attributes
    ----------
    model_ : SGDClassifier
        Fitted on every training row.
    reason_model_ : SGDClassifier or None
        Multi-class: which kind of boilerplate a line is by its words (``consent``, ``promo``,
        ``legal`` ...), fitted on the junk rows whose markup said so (``reasons`` in ``fit``).
        It names the reason where the markup says nothing, as in plain text.
    """

    def __init__(
        self, *, n_features: int = 2**20, alpha: float = 2e-6, inner_folds: int = 3, max_chars: int = 300, seed: int = 0
    ) -> None:
        self.n_features = n_features
        self.alpha = alpha
        self.inner_folds = inner_folds
        self.max_chars = max_chars
        self.seed = seed

    # --- fitting ---------------------------------------------------------------------
    def _vectorizer(self) -> HashingVectorizer:
        max_chars = self.max_chars
        return HashingVectorizer(
            analyzer=lambda text: analyze(text, max_chars),
            n_features=self.n_features,
            alternate_sign=False,
            norm="l2",
        )

    def _new_model(self, k: int) -> SGDClassifier:
        return SGDClassifier(
            loss="log_loss", alpha=self.alpha, max_iter=15, tol=None, random_state=self.seed + k
        )

    def _new_reason_model(self) -> SGDClassifier:
        # balanced: menus and link lists outnumber every other kind of boilerplate ten to one
        return SGDClassifier(
            loss="log_loss", alpha=self.alpha * 5, max_iter=15, tol=None, random_state=self.seed,
            class_weight="balanced",
        )

    def fit(
        self, X: pd.DataFrame, y: Any, sample_weight: np.ndarray | None = None, reasons: Any = None
    ) -> "LexicalScorer":
        self.fit_transform(X, y, sample_weight=sample_weight, reasons=reasons)
        return self

    def fit_transform(
        self, X: pd.DataFrame, y: Any = None, sample_weight: np.ndarray | None = None, reasons: Any = None, **_: Any
    ) -> pd.DataFrame:
        """Fit on every row; return ``X`` with out-of-fold lexical scores.

        X : DataFrame of shape (n_blocks, n_columns) with ``text`` (and ``group``, ``doc``)
        y : array-like of shape (n_blocks,), 0/1 labels
        sample_weight : array-like of shape (n_blocks,), optional
        reasons : array-like of shape (n_blocks,) of str, optional: the drop reason of junk rows
            ("" where unknown), for ``reason_model_``
        """
        if y is None:
            raise ValueError("LexicalScorer.fit needs labels")
        y = np.asarray(y)
        weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        terms = self._vectorizer().transform(_texts(X))
        trainable = weight > 0
        self.model_ = self._new_model(0).fit(terms[trainable], y[trainable], sample_weight=weight[trainable])
        self.reason_model_ = None
        if reasons is not None:
            reasons = np.asarray(reasons, dtype=object)
            named = np.flatnonzero(np.isin(reasons, TEXT_REASONS) & (y == 0))
            if len(np.unique(reasons[named])) >= 2:
                self.reason_model_ = self._new_reason_model().fit(terms[named], reasons[named].astype(str))
        groups = X["group"].to_numpy() if "group" in X.columns else np.arange(len(y))
        folds = min(self.inner_folds, len(np.unique(groups)))
        scores = np.full(len(y), 0.5)
        if folds >= 2:
            for k, (train, test) in enumerate(GroupKFold(n_splits=folds).split(terms, y, groups=groups)):
                train = train[trainable[train]]
                if len(np.unique(y[train])) < 2:
                    continue
                inner = self._new_model(k + 1).fit(terms[train], y[train], sample_weight=weight[train])
                scores[test] = inner.predict_proba(terms[test])[:, 1]
        else:
            scores = self.model_.predict_proba(terms)[:, 1]
        return _with_columns(X, scores)

    # --- inference ---------------------------------------------------------------------
    def compact(self, max_density: float = 0.5) -> "LexicalScorer":
        """Hold each fitted linear model's ``coef_`` as a CSC sparse matrix when at most
        ``max_density`` of it is non-zero (hashed buckets no training line reached stay exactly
        0: the shipped 7-class reason model is 23% non-zero, 59 MB dense, 25 MB sparse). The
        predictions do not change (``linear_proba`` reads the same values), and scikit-learn's
        own ``predict_proba`` accepts a sparse ``coef_`` (``SparseCoefMixin.sparsify``). Returns
        ``self``; refitting makes ``coef_`` dense again."""
        for model in (getattr(self, "model_", None), getattr(self, "reason_model_", None)):
            coef = getattr(model, "coef_", None)
            if isinstance(coef, np.ndarray) and np.count_nonzero(coef) <= max_density * coef.size:
                model.coef_ = sp.csc_matrix(coef)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """``X`` with ``LEXICAL_COLUMNS`` from the model fitted on every training row."""
        return self.transform_with_reasons(X, reasons=False)[0]

    def transform_with_reasons(
        self, X: pd.DataFrame, *, reasons: bool = True, min_probability: float = 0.5
    ) -> tuple[pd.DataFrame, list[str | None]]:
        """``transform(X)`` and, from the same hashed terms, the reason each block's words
        point to (None where no reason reaches ``min_probability``)."""
        if len(X) == 0:
            return _with_columns(X, np.zeros(0)), []
        scores, named = self.score_texts(_texts(X), reasons=reasons, min_probability=min_probability)
        return _with_columns(X, scores), named

    def score_texts(
        self, texts: list[str], *, reasons: bool = True, min_probability: float = 0.5
    ) -> tuple[np.ndarray, list[str | None]]:
        """The lexical score of each text (shape (n_texts,)) and the reason its words point to
        (None where no reason reaches ``min_probability``, or without ``reasons``): what
        ``transform_with_reasons`` adds to a table, from the texts alone."""
        if not texts:
            return np.zeros(0), []
        present = _present_terms(self._hashed(texts))
        scores = linear_proba(self.model_, *present)[:, 1]
        model = getattr(self, "reason_model_", None)
        if not reasons or model is None:
            return scores, [None] * len(texts)
        proba = linear_proba(model, *present)
        best = proba.argmax(axis=1)
        top = proba[np.arange(len(best)), best]
        names = [str(c) for c in model.classes_]
        return scores, [names[b] if p >= min_probability else None for b, p in zip(best.tolist(), top.tolist())]

    def _hashed(self, texts: list[str]) -> sp.csr_matrix:
        """``self._vectorizer().transform(texts)``, bit-identical (the same hashing core, the
        same duplicate summing and the same l2 normalisation), without the vectorizer's
        per-call set-up and validation and with the (term, 1) pairs made in C: a third of the
        lexical stage's time on a page."""
        if _hashing_transform is None:  # pragma: no cover
            return self._vectorizer().transform(texts)
        max_chars = self.max_chars
        indices, indptr, values = _hashing_transform(
            (zip(analyze(text, max_chars), repeat(1)) for text in texts), self.n_features, np.float64, False, seed=0
        )
        terms = sp.csr_matrix((values, indices, indptr), dtype=np.float64, shape=(len(texts), self.n_features))
        terms.sum_duplicates()  # also sorts the indices, as FeatureHasher does
        if _normalize_rows_l2 is None:  # pragma: no cover
            return normalize(terms, norm="l2", copy=False)
        _normalize_rows_l2(terms)  # what normalize(norm="l2") runs on a CSR matrix, minus its validation
        return terms


def _present_terms(terms: sp.csr_matrix) -> tuple[sp.csr_matrix, np.ndarray]:
    """``terms`` (shape (n_blocks, n_features)) restricted to the columns some block uses: the
    restricted matrix (shape (n_blocks, n_present), same rows, same order of entries in each row)
    and the original index of each of its columns (shape (n_present,))."""
    columns, local = np.unique(terms.indices, return_inverse=True)
    restricted = sp.csr_matrix(
        (terms.data, local.astype(terms.indices.dtype), terms.indptr), shape=(terms.shape[0], len(columns))
    )
    return restricted, columns


def linear_proba(model: SGDClassifier, terms: sp.csr_matrix, columns: np.ndarray) -> np.ndarray:
    """``model.predict_proba`` on hashed terms, reading only the coefficients of the terms present.

    ``terms``: shape (n_blocks, len(columns)), the hashed terms restricted to ``columns`` (see
    ``_present_terms``). Returns shape (n_blocks, n_classes), bit-identical to scikit-learn's
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


def _texts(X: pd.DataFrame) -> list[str]:
    if "text" not in X.columns:
        raise ValueError("the feature table has no 'text' column (featurize adds it)")
    return X["text"].astype(str).tolist()


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


def _with_columns(X: pd.DataFrame, scores: np.ndarray) -> pd.DataFrame:
    """``X`` plus the score and its neighbours' within the same document (``doc`` column)."""
    doc = pd.factorize(X["doc"])[0] if "doc" in X.columns and len(scores) > 1 else None
    added = pd.DataFrame(dict(zip(LEXICAL_COLUMNS, neighbour_scores(scores, doc))), index=X.index)
    if added.columns.isin(X.columns).any():  # already scored: replace the columns
        X = X.drop(columns=list(LEXICAL_COLUMNS), errors="ignore")
    return pd.concat([X, added], axis=1)  # one concat costs half of three column insertions
