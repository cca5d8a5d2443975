"""The scikit-learn estimators of the paragraph model: what ``detector train`` fits and the
joblib file holds.

    lexical stage (``LexicalScorer``: hashed terms -> logistic SGD, stacked out of fold)
      -> ``FeatureMatrix`` (the block features and the lexical scores as one float32 matrix)
      -> ``TwoStageClassifier`` (calibrated gradient boosting, then context)

``build_pipeline`` strings them together. Scoring a document needs none of this module: the
shipped model's fitted state is also saved as plain arrays (``detector.model.ScoringArrays``)
and compiled trees, which ``detector.model`` runs without importing scikit-learn. This module
is imported when a model is trained, when a joblib file is unpickled, and when scikit-learn's
predict is asked for (``load_model(compiled=False)``, the reference of the tests).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline

from detector.compiled import CompileError, CompiledBoosters, compile_boosters
from detector.features import FEATURE_COLUMNS
from detector.lexical import (
    LEXICAL_COLUMNS,
    TEXT_REASONS,
    analyze,
    hash_terms,
    neighbour_scores,
    score_texts,
)
from detector.model import (
    MODEL_COLUMNS,
    CompiledStages,
    _first_seen_codes,
    _n_tokens,
    _split_keys,
    apply_stage_two,
    stage_two_context,
)

DEFAULT_PARAMS: dict[str, Any] = {
    "learning_rate": 0.12,
    "max_iter": 150,
    "max_leaf_nodes": 31,
    "min_samples_leaf": 30,
    "l2_regularization": 1.0,
}


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
        return score_texts(
            texts, self.n_features, self.max_chars, self.model_, getattr(self, "reason_model_", None),
            reasons=reasons, min_probability=min_probability,
        )  # fmt: skip

    def _hashed(self, texts: list[str]) -> sp.csr_matrix:
        """``self._vectorizer().transform(texts)``, bit-identical (``lexical.hash_terms``)."""
        return hash_terms(texts, self.n_features, self.max_chars)


def _texts(X: pd.DataFrame) -> list[str]:
    if "text" not in X.columns:
        raise ValueError("the feature table has no 'text' column (featurize adds it)")
    return X["text"].astype(str).tolist()


def _with_columns(X: pd.DataFrame, scores: np.ndarray) -> pd.DataFrame:
    """``X`` plus the score and its neighbours' within the same document (``doc`` column)."""
    doc = pd.factorize(X["doc"])[0] if "doc" in X.columns and len(scores) > 1 else None
    added = pd.DataFrame(dict(zip(LEXICAL_COLUMNS, neighbour_scores(scores, doc))), index=X.index)
    if added.columns.isin(X.columns).any():  # already scored: replace the columns
        X = X.drop(columns=list(LEXICAL_COLUMNS), errors="ignore")
    return pd.concat([X, added], axis=1)  # one concat costs half of three column insertions


class FeatureMatrix(BaseEstimator, TransformerMixin):
    """Selects the model's feature columns from ``features.featurize`` output as float32; with
    ``with_keys`` it appends integer codes of the document, the group, the element path and its
    parent (what the second stage needs to put a block in context)."""

    def __init__(self, columns: tuple[str, ...] = FEATURE_COLUMNS, with_keys: bool = False) -> None:
        self.columns = columns
        self.with_keys = with_keys

    def fit(self, X: pd.DataFrame, y: Any = None) -> "FeatureMatrix":
        missing = [c for c in self.columns if c not in X.columns]
        if missing:
            raise ValueError(f"feature table lacks columns {missing[:5]}")
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        values = _column_values(X, self.columns)
        if not getattr(self, "with_keys", False):
            return values
        n = len(X)
        doc = pd.factorize(X["doc"])[0] if "doc" in X.columns else np.zeros(n, dtype=np.int64)
        group = pd.factorize(X["group"])[0] if "group" in X.columns else doc
        # plain Python beats pandas' string methods on the few hundred paths of a page
        paths = X["path"].astype(str).tolist() if "path" in X.columns else [""] * n
        path = _first_seen_codes(paths)
        parent = _first_seen_codes([p.rsplit("/", 1)[0] for p in paths])
        return np.column_stack([values, doc, group, path, parent]).astype(np.float32)


def _column_values(X: pd.DataFrame, columns: tuple[str, ...]) -> np.ndarray:
    """``X[columns]`` as float32, shape (n_rows, len(columns)). The columns that lead the table
    in order (featurize's layout) are taken by position and the few after them (the lexical
    stage's, appended at the end) one by one, which spares pandas' label lookup and copy of the
    whole table. KeyError on a missing column."""
    names = X.columns.tolist()
    lead = 0
    while lead < min(len(columns), len(names)) and names[lead] == columns[lead]:
        lead += 1
    if lead == len(columns):
        return X.iloc[:, :lead].to_numpy(dtype=np.float32)
    if len(columns) - lead <= 8:
        rest = [X[c].to_numpy(dtype=np.float32) for c in columns[lead:]]
        return np.column_stack([X.iloc[:, :lead].to_numpy(dtype=np.float32), *rest])
    return X.loc[:, list(columns)].to_numpy(dtype=np.float32)


def _calibrated_boosting(params: dict[str, Any] | None, seed: int) -> CalibratedClassifierCV:
    """Stage one: gradient boosting fitted on all its rows, with an isotonic calibration fitted on
    the out-of-fold decision function of two folds (``ensemble=False``). One booster to evaluate
    per block instead of the two half-data boosters of ``ensemble=True``: stage one's trees cost
    half as much, and the out-of-fold F1 is level (AEB 0.9666 -> 0.968, WCXB-dev 0.8667 -> 0.868,
    ``scripts/evaluate.py --folds 3``; models/README.md)."""
    hgb = HistGradientBoostingClassifier(**{**DEFAULT_PARAMS, **(params or {})}, random_state=seed)
    return CalibratedClassifierCV(hgb, method="isotonic", cv=2, ensemble=False)


class TwoStageClassifier(BaseEstimator, ClassifierMixin):
    """Stage one scores each block on its own features. Stage two sees the same features plus
    each block's stage-one score in its document's context (``detector.context``) and may only
    lower the relevance of short blocks (< ``short_tokens``): junk lines among rejected
    neighbours go, while a long body paragraph that stands alone keeps its stage-one score.

    Stage two is trained on stage-one scores of blocks their own model did not see (grouped
    inner folds), so it learns how far to trust stage one on unseen pages. Input: the output of
    ``FeatureMatrix(with_keys=True)``."""

    # models pickled before ``n_jobs`` existed have no such attribute; they were fitted with one
    n_jobs: int = 1

    def __init__(
        self,
        params: dict[str, Any] | None = None,
        *,
        seed: int = 0,
        inner_folds: int = 3,
        short_tokens: int = 25,
        n_jobs: int = 1,
    ) -> None:
        self.params = params
        self.seed = seed
        self.inner_folds = inner_folds
        self.short_tokens = short_tokens
        self.n_jobs = n_jobs

    def fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> "TwoStageClassifier":
        """Fit stage one on every row, its inner-fold copies, then stage two.

        X : array of shape (n_blocks, n_features + n_keys), ``FeatureMatrix(with_keys=True)`` output
        y : array-like of shape (n_blocks,), 0/1 labels
        sample_weight : array-like of shape (n_blocks,), optional

        Stage one and its inner-fold copies are independent fits: with ``n_jobs`` > 1 they run
        in that many threads (the trees' histogram loops release the GIL), with the same seeds
        and so the same fitted model as with one."""
        features, keys = _split_keys(X)
        y = np.asarray(y)
        weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        self.classes_ = np.array([0, 1])
        groups = keys[:, 1]
        folds = min(self.inner_folds, len(np.unique(groups)))
        splits = list(GroupKFold(n_splits=folds).split(features, y, groups=groups)) if folds >= 2 else []

        def fit_one(task: int) -> CalibratedClassifierCV:
            if task == 0:
                return _calibrated_boosting(self.params, self.seed).fit(features, y, sample_weight=weight)
            train = splits[task - 1][0]
            inner = _calibrated_boosting(self.params, self.seed + 1000 + task - 1)
            return inner.fit(features[train], y[train], sample_weight=weight[train])

        tasks = range(1 + len(splits))
        if self.n_jobs > 1 and len(tasks) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=min(self.n_jobs, len(tasks))) as pool:
                fitted = list(pool.map(fit_one, tasks))
        else:
            fitted = [fit_one(task) for task in tasks]
        self.stage1_ = fitted[0]
        if not splits:
            self.stage2_ = None
            return self
        unseen = np.zeros(len(y))
        for inner, (_, test) in zip(fitted[1:], splits):
            unseen[test] = inner.predict_proba(features[test])[:, 1]
        stage2_input = np.hstack([features, self._context(unseen, features, keys)])
        # one uncalibrated model: its log-loss probabilities are close enough to compare with
        # stage one's, and a second calibrated pair would double the prediction time again
        stage2 = HistGradientBoostingClassifier(**{**DEFAULT_PARAMS, **(self.params or {})}, random_state=self.seed + 1)
        self.stage2_ = stage2.fit(stage2_input, y, sample_weight=weight)
        return self

    def predict_proba(self, X: np.ndarray, *, compiled: CompiledStages | None = None) -> np.ndarray:
        """(n_samples, 2) probabilities; with ``compiled`` (from ``compile_stages`` of this
        very model) the trees run in onnxruntime, equal to scikit-learn's within 1e-12."""
        features, keys = _split_keys(X)
        first = _positive_proba(self.stage1_, features, None if compiled is None else compiled.stage1)
        second = None
        if self.stage2_ is not None and compiled is not None and compiled.stage2 is not None:
            stage2 = compiled.stage2
            # HGB's predict_proba for a binary log-loss model: expit of the raw value
            second = lambda rows: expit(stage2.raw(rows)[:, 0])  # noqa: E731
        elif self.stage2_ is not None:
            second = lambda rows: self.stage2_.predict_proba(rows)[:, 1]  # noqa: E731
        relevance = apply_stage_two(first, features, keys, self.short_tokens, second)
        return np.column_stack([1.0 - relevance, relevance])

    @staticmethod
    def _context(relevance: np.ndarray, features: np.ndarray, keys: np.ndarray) -> np.ndarray:
        return stage_two_context(relevance, features, keys)


def _positive_proba(
    model: CalibratedClassifierCV, X: np.ndarray, compiled: CompiledBoosters | None = None
) -> np.ndarray:
    """``model.predict_proba(X)[:, 1]`` of a fitted binary calibrated classifier, computed as
    sklearn does (the mean over its folds of the calibrator applied to the decision function)
    without the per-fold response-method lookup and label encoding, a third of stage one's
    time on a page-sized X. ``compiled`` gives every fold's decision function in one
    onnxruntime call (column k = fold k). Other set-ups go through sklearn."""
    folds = model.calibrated_classifiers_
    if not all(_is_binary_pair(fold) for fold in folds):
        return model.predict_proba(X)[:, 1]
    raw = compiled.raw(X) if compiled is not None else None
    total = np.zeros(len(X))
    for k, fold in enumerate(folds):
        decision = raw[:, k] if raw is not None else fold.estimator.decision_function(X)
        total += _calibrate(fold.calibrators[0], decision)
    return total / len(folds)


def _calibrate(calibrator: Any, decision: np.ndarray) -> np.ndarray:
    """``calibrator.predict(decision)``; for a fitted ``IsotonicRegression`` the steps of its
    ``_transform`` (clip to the fitted range, its interpolating function ``f_``, cast back)
    without the input validation, which cost as much as the interpolation on a page."""
    if not (isinstance(calibrator, IsotonicRegression) and hasattr(calibrator, "f_")):
        return calibrator.predict(decision)
    T = np.asarray(decision, dtype=calibrator.X_thresholds_.dtype).reshape(-1)
    if calibrator.out_of_bounds == "clip":
        T = np.clip(T, calibrator.X_min_, calibrator.X_max_)
    return calibrator.f_(T).astype(T.dtype)


def _is_binary_pair(fold: Any) -> bool:
    """A calibrated fold of a 0/1 classifier with one sigmoid or isotonic calibrator."""
    return (
        getattr(fold, "method", None) in ("sigmoid", "isotonic")
        and len(getattr(fold, "calibrators", ())) == 1
        and list(getattr(fold, "classes", ())) == [0, 1]
        and list(getattr(fold.estimator, "classes_", ())) == [0, 1]
        and hasattr(fold.estimator, "decision_function")
    )


def compile_stages(classifier: TwoStageClassifier) -> dict[str, bytes]:
    """Serialized ONNX graphs of a fitted ``TwoStageClassifier``'s boosters, by stage name
    (``detector.compiled.compile_boosters``). Raises CompileError when a stage is not the
    binary calibrated HistGradientBoosting set-up the predict path expects."""
    folds = classifier.stage1_.calibrated_classifiers_
    if not all(_is_binary_pair(fold) for fold in folds):
        raise CompileError("stage 1 is not a binary calibrated classifier with one calibrator per fold")
    graphs = {"stage1": compile_boosters([fold.estimator for fold in folds], name="stage1")}
    if classifier.stage2_ is not None:
        graphs["stage2"] = compile_boosters([classifier.stage2_], name="stage2")
    return graphs


def is_shipped_shape(pipeline: Any) -> bool:
    """Whether ``pipeline`` is the set-up ``build_pipeline`` makes with the lexical stage:
    ``LexicalScorer`` -> ``FeatureMatrix(MODEL_COLUMNS, with_keys=True)`` -> ``TwoStageClassifier``
    (what ``model.direct_matrix`` and ``model.ScoringArrays`` stand in for)."""
    steps = getattr(pipeline, "steps", [])
    if [name for name, _ in steps] != ["lexical", "features", "classifier"]:
        return False
    lexical, matrix, classifier = (step for _, step in steps)
    return (
        type(lexical) is LexicalScorer
        and type(matrix) is FeatureMatrix
        and tuple(matrix.columns) == MODEL_COLUMNS
        and bool(getattr(matrix, "with_keys", False))
        and type(classifier) is TwoStageClassifier
    )


def build_pipeline(
    params: dict[str, Any] | None = None, *, seed: int = 0, lexical: bool = True, n_jobs: int = 1
) -> Pipeline:
    """lexical stage -> feature matrix -> two-stage gradient boosting.

    ``fit`` takes the featurize table (``MODEL_COLUMNS`` but the lexical ones, ``text`` and
    ``KEY_COLUMNS``) and ``lexical__sample_weight`` / ``classifier__sample_weight``. ``n_jobs``:
    threads for the boosting stage's independent fits (``TwoStageClassifier``); the fitted
    model is the same for any value."""
    steps: list[tuple[str, Any]] = []
    if lexical:
        steps.append(("lexical", LexicalScorer(seed=seed)))
    steps += [
        ("features", FeatureMatrix(MODEL_COLUMNS if lexical else FEATURE_COLUMNS, with_keys=True)),
        ("classifier", TwoStageClassifier(params, seed=seed, n_jobs=n_jobs)),
    ]
    return Pipeline(steps)
