"""The paragraph relevance model: a scikit-learn Pipeline (feature matrix -> calibrated
gradient boosting), saved with joblib beside a model card that records its SHA-256.

A joblib file is code: ``load_model`` only opens the shipped file or one the caller names,
and refuses it unless its SHA-256 matches the card (or the hash the caller gives).
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import sklearn
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline
from threadpoolctl import ThreadpoolController

from detector.compiled import CompileError, CompiledBoosters, compile_boosters, onnxruntime_available
from detector.context import context_for_documents
from detector.errors import ModelError
from detector.features import FEATURE_COLUMNS, FeatureArrays
from detector.lexical import LEXICAL_COLUMNS, LexicalScorer, neighbour_scores

MODEL_FILENAME = "paragraph-model.joblib"
CARD_FILENAME = "paragraph-model.card.json"
DEFAULT_PARAMS: dict[str, Any] = {
    "learning_rate": 0.12,
    "max_iter": 150,
    "max_leaf_nodes": 31,
    "min_samples_leaf": 30,
    "l2_regularization": 1.0,
}


MODEL_COLUMNS: tuple[str, ...] = (*FEATURE_COLUMNS, *LEXICAL_COLUMNS)
"""What the gradient-boosting stages read: the block features and the lexical stage's scores."""

KEY_COLUMNS: tuple[str, ...] = ("doc", "group", "path")
"""Columns that say where a row belongs: its document, its training group (a page and its
text versions) and its element path. Absent at inference (one document): all rows share one."""


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


def _texts_of(features: pd.DataFrame | FeatureArrays) -> list[str]:
    """The block texts the lexical stage reads, of a featurize table or its arrays."""
    if isinstance(features, FeatureArrays):
        return features.texts
    return features["text"].astype(str).tolist()


def _first_seen_codes(values: list[str]) -> np.ndarray:
    """``pd.factorize(values)[0]``: each distinct value's rank of first appearance."""
    codes: dict[str, int] = {}
    return np.array([codes.setdefault(v, len(codes)) for v in values], dtype=np.int64)


def _calibrated_boosting(params: dict[str, Any] | None, seed: int) -> CalibratedClassifierCV:
    hgb = HistGradientBoostingClassifier(**{**DEFAULT_PARAMS, **(params or {})}, random_state=seed)
    return CalibratedClassifierCV(hgb, method="isotonic", cv=2)


class TwoStageClassifier(BaseEstimator, ClassifierMixin):
    """Stage one scores each block on its own features. Stage two sees the same features plus
    each block's stage-one score in its document's context (``detector.context``) and may only
    lower the relevance of short blocks (< ``short_tokens``): junk lines among rejected
    neighbours go, while a long body paragraph that stands alone keeps its stage-one score.

    Stage two is trained on stage-one scores of blocks their own model did not see (grouped
    inner folds), so it learns how far to trust stage one on unseen pages. Input: the output of
    ``FeatureMatrix(with_keys=True)``."""

    def __init__(
        self, params: dict[str, Any] | None = None, *, seed: int = 0, inner_folds: int = 3, short_tokens: int = 25
    ) -> None:
        self.params = params
        self.seed = seed
        self.inner_folds = inner_folds
        self.short_tokens = short_tokens

    def fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> "TwoStageClassifier":
        features, keys = _split_keys(X)
        y = np.asarray(y)
        weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        self.classes_ = np.array([0, 1])
        self.stage1_ = _calibrated_boosting(self.params, self.seed).fit(features, y, sample_weight=weight)
        groups = keys[:, 1]
        folds = min(self.inner_folds, len(np.unique(groups)))
        if folds < 2:
            self.stage2_ = None
            return self
        unseen = np.zeros(len(y))
        for k, (train, test) in enumerate(GroupKFold(n_splits=folds).split(features, y, groups=groups)):
            inner = _calibrated_boosting(self.params, self.seed + 1000 + k)
            inner.fit(features[train], y[train], sample_weight=weight[train])
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
        relevance = first
        short = _n_tokens(features) < self.short_tokens
        if self.stage2_ is not None and short.any():
            # stage two only ever lowers short blocks: predict (row by row) just those
            context = self._context(first, features, keys)
            rows = np.hstack([features[short], context[short]])
            if compiled is not None and compiled.stage2 is not None:
                # HGB's predict_proba for a binary log-loss model: expit of the raw value
                second = expit(compiled.stage2.raw(rows)[:, 0])
            else:
                second = self.stage2_.predict_proba(rows)[:, 1]
            relevance = first.copy()
            relevance[short] = np.minimum(first[short], second)
        return np.column_stack([1.0 - relevance, relevance])

    @staticmethod
    def _context(relevance: np.ndarray, features: np.ndarray, keys: np.ndarray) -> np.ndarray:
        codes = keys.astype(np.int64)
        return context_for_documents(relevance, codes[:, 0], codes[:, 2], codes[:, 3], _n_tokens(features))


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


_LOG_TOKENS = FEATURE_COLUMNS.index("log_tokens")


def _n_tokens(features: np.ndarray) -> np.ndarray:
    return np.expm1(features[:, _LOG_TOKENS].astype(float))


def _split_keys(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(features, keys): the last four columns are FeatureMatrix(with_keys=True)'s codes."""
    if X.ndim != 2 or X.shape[1] <= len(FEATURE_COLUMNS):
        raise ValueError(f"expected >= {len(FEATURE_COLUMNS)} features and 4 key columns, got shape {X.shape}")
    return X[:, :-4], X[:, -4:]


@dataclass(frozen=True)
class CompiledStages:
    """The two stages' trees in onnxruntime: ``stage1`` gives the decision function of every
    calibration fold of stage 1 (column k = fold k), ``stage2`` stage 2's (or None)."""

    stage1: CompiledBoosters
    stage2: CompiledBoosters | None


COMPILED_STAGES: tuple[str, ...] = ("stage1", "stage2")


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


def build_pipeline(params: dict[str, Any] | None = None, *, seed: int = 0, lexical: bool = True) -> Pipeline:
    """lexical stage -> feature matrix -> two-stage gradient boosting.

    ``fit`` takes the featurize table (``MODEL_COLUMNS`` but the lexical ones, ``text`` and
    ``KEY_COLUMNS``) and ``lexical__sample_weight`` / ``classifier__sample_weight``."""
    steps: list[tuple[str, Any]] = []
    if lexical:
        steps.append(("lexical", LexicalScorer(seed=seed)))
    steps += [
        ("features", FeatureMatrix(MODEL_COLUMNS if lexical else FEATURE_COLUMNS, with_keys=True)),
        ("classifier", TwoStageClassifier(params, seed=seed)),
    ]
    return Pipeline(steps)


@dataclass(frozen=True)
class BlockScores:
    """What the model says of a document's blocks: ``relevance`` of shape (n_blocks,), and from
    the lexical stage (None without one) the drop reason each block's words point to and the
    lexical score of shape (n_blocks,)."""

    relevance: np.ndarray
    reasons: list[str | None] | None = None
    lexical: np.ndarray | None = None


@dataclass
class ParagraphModel:
    """A fitted pipeline plus what the card says about it."""

    pipeline: Pipeline
    info: dict[str, Any] = field(default_factory=dict)
    compiled: CompiledStages | None = field(default=None, repr=False, compare=False)
    _threads: ThreadpoolController | None = field(default=None, init=False, repr=False, compare=False)

    def predict_relevance(self, features: pd.DataFrame | FeatureArrays) -> np.ndarray:
        """Probability that each block belongs to the article (one call for all blocks):
        shape (n_blocks,). Through the compiled trees when ``compiled`` is set (same values
        within 1e-12), else scikit-learn's. ``features``: ``featurize``'s table or its arrays
        (``features.feature_arrays``)."""
        if len(features) == 0:
            return np.zeros(0)
        if self.compiled is not None:
            direct = self._direct_matrix(features)
            if direct is not None:
                lexical, _ = self.pipeline.steps[0][1].score_texts(_texts_of(features), reasons=False)
                return self.pipeline.steps[-1][1].predict_proba(direct(lexical), compiled=self.compiled)[:, 1]
        if isinstance(features, FeatureArrays):
            features = features.frame()
            X = features
            for _, step in self.pipeline.steps[:-1]:
                X = step.transform(X)
            return self.pipeline.steps[-1][1].predict_proba(X, compiled=self.compiled)[:, 1]
        # A page is a few hundred rows: OpenMP threads cost far more than they save there,
        # and on a busy machine (or inside a worker pool) they made predict 25x slower.
        if self._threads is None:
            self._threads = ThreadpoolController()
        with self._threads.limit(limits=1, user_api="openmp"):
            return self.pipeline.predict_proba(features)[:, 1]

    def predict(self, features: pd.DataFrame | FeatureArrays) -> "BlockScores":
        """Relevance, and what the lexical stage read in each block's words (its score and the
        drop reason it points to), from one pass of the lexical stage. A model without a lexical
        stage gives relevance only. ``features``: ``featurize``'s table or its arrays
        (``features.feature_arrays``)."""
        steps = getattr(self.pipeline, "named_steps", {})
        if "lexical" not in steps or len(features) == 0:
            return BlockScores(self.predict_relevance(features))
        if self.compiled is not None:
            direct = self._direct_matrix(features)
            if direct is not None:
                lexical, reasons = steps["lexical"].score_texts(_texts_of(features))
                X = direct(lexical)
                relevance = self.pipeline.steps[-1][1].predict_proba(X, compiled=self.compiled)[:, 1]
                return BlockScores(relevance, reasons, lexical)
        if isinstance(features, FeatureArrays):
            features = features.frame()
        X, reasons = steps["lexical"].transform_with_reasons(features)
        lexical = X["lexical"].to_numpy()
        if self.compiled is not None:
            for _, step in self.pipeline.steps[1:-1]:
                X = step.transform(X)
            relevance = self.pipeline.steps[-1][1].predict_proba(X, compiled=self.compiled)[:, 1]
            return BlockScores(relevance, reasons, lexical)
        if self._threads is None:
            self._threads = ThreadpoolController()
        with self._threads.limit(limits=1, user_api="openmp"):
            return BlockScores(self.pipeline[1:].predict_proba(X)[:, 1], reasons, lexical)

    def _direct_matrix(self, features: pd.DataFrame | FeatureArrays) -> Callable[[np.ndarray], np.ndarray] | None:
        """For the shipped set-up (lexical stage -> ``FeatureMatrix(MODEL_COLUMNS, with_keys=True)``
        -> classifier) on one document's featurize table: a function of the lexical scores
        (shape (n_blocks,)) returning the classifier's input, equal to what
        ``LexicalScorer.transform`` then ``FeatureMatrix.transform`` give, built straight into
        one float32 array (no table with the lexical columns added, no second column lookup:
        those two pandas round trips were a quarter of the model's time on a page). None when
        the pipeline or the table is of another shape (the general path handles those)."""
        steps = self.pipeline.steps
        if [name for name, _ in steps] != ["lexical", "features", "classifier"]:
            return None
        matrix = steps[1][1]
        if not (
            type(matrix) is FeatureMatrix
            and tuple(matrix.columns) == MODEL_COLUMNS
            and getattr(matrix, "with_keys", False)
            and type(steps[0][1]) is LexicalScorer
        ):
            return None
        n_features = len(FEATURE_COLUMNS)
        if isinstance(features, FeatureArrays):
            values, paths = features.values, features.paths
        else:
            names = features.columns
            if (
                len(names) < n_features
                or tuple(names[:n_features]) != FEATURE_COLUMNS
                or any(c in names for c in (*LEXICAL_COLUMNS, *KEY_COLUMNS[:2]))
                or "path" not in names
                or "text" not in names
            ):
                return None
            values = features.iloc[:, :n_features].to_numpy(dtype=np.float32)
            paths = features["path"].astype(str).tolist()
        n = len(features)
        X = np.empty((n, len(MODEL_COLUMNS) + 4), dtype=np.float32)
        X[:, :n_features] = values  # float64 -> float32 as pandas' to_numpy(dtype=float32) casts
        X[:, len(MODEL_COLUMNS)] = 0.0  # doc: one document
        X[:, len(MODEL_COLUMNS) + 1] = 0.0  # group: the document's
        X[:, len(MODEL_COLUMNS) + 2] = _first_seen_codes(paths)
        X[:, len(MODEL_COLUMNS) + 3] = _first_seen_codes([p.rsplit("/", 1)[0] for p in paths])

        def fill(lexical: np.ndarray) -> np.ndarray:
            X[:, n_features : len(MODEL_COLUMNS)] = np.column_stack(neighbour_scores(lexical))
            return X

        return fill

    def save(self, path: Path, card: dict[str, Any]) -> dict[str, Any]:
        """Write the model atomically and its machine-readable card beside it."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        from detector.atomic import atomic_path, atomic_write_json  # noqa: PLC0415 - the save path only

        with atomic_path(path) as tmp:
            joblib.dump(self.pipeline, tmp, compress=3)
            digest = sha256_of(Path(tmp))
        card = {
            **card,
            "file": path.name,
            "sha256": digest,
            "sklearn_version": sklearn.__version__,
            "features": list(self.pipeline.named_steps["features"].columns)
            if "features" in self.pipeline.named_steps
            else list(FEATURE_COLUMNS),
        }
        atomic_write_json(card_path_for(path), card, sort_keys=True)
        self.info = card
        return card

    def save_compiled(self, path: Path) -> dict[str, Any]:
        """Compile the trees (``compile_stages``) into ``.onnx`` files beside the joblib at
        ``path`` (written atomically) and record each file's SHA-256 in the card, with the
        SHA-256 of the joblib they were compiled from. The model must already be saved at
        ``path`` with its card. Returns the updated card."""
        path = Path(path)
        card_path = card_path_for(path)
        card = json.loads(card_path.read_text("utf-8"))
        if card.get("sha256") != sha256_of(path):
            raise ModelError(f"{path} does not match its card: save the model before compiling it")
        import onnx

        from detector.atomic import atomic_write_bytes, atomic_write_json  # noqa: PLC0415 - the save path only

        files: dict[str, Any] = {}
        for stage, graph in compile_stages(self.pipeline.steps[-1][1]).items():
            target = compiled_path_for(path, stage)
            atomic_write_bytes(target, graph)
            files[stage] = {"file": target.name, "sha256": hashlib.sha256(graph).hexdigest()}
        card["compiled"] = {
            "model_sha256": card["sha256"],
            "runtime": "onnxruntime, ai.onnx.ml TreeEnsemble (opset 5), float64, one intra-op thread",
            "onnx_version": onnx.__version__,
            "stages": files,
        }
        atomic_write_json(card_path, card, sort_keys=True)
        self.info = {**self.info, **card}
        return card


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def card_path_for(model_path: Path) -> Path:
    return Path(model_path).with_name(Path(model_path).name.removesuffix(".joblib") + ".card.json")


def compiled_path_for(model_path: Path, stage: str) -> Path:
    """``paragraph-model.joblib`` -> ``paragraph-model.<stage>.onnx``."""
    return Path(model_path).with_name(Path(model_path).name.removesuffix(".joblib") + f".{stage}.onnx")


def shipped_model_path() -> Path:
    return Path(str(resources.files("detector.models").joinpath(MODEL_FILENAME)))


def load_model(
    path: Path | str | None = None, *, sha256: str | None = None, compiled: bool = True
) -> ParagraphModel:
    """Load the shipped model (``path=None``) or the file the caller names, after checking
    its SHA-256 against ``sha256`` or the card beside it.

    With ``compiled`` (the default), the compiled trees the card lists (``.onnx`` files beside
    the joblib, see ``ParagraphModel.save_compiled``) are used when onnxruntime is importable,
    each checked against its SHA-256 in the card (ModelError when one does not match); without
    them, or when they were compiled from another joblib (a warning), scikit-learn predicts."""
    model_path = Path(path) if path is not None else shipped_model_path()
    if not model_path.is_file():
        raise ModelError(f"model file not found: {model_path}")
    card_file = card_path_for(model_path)
    card: dict[str, Any] = {}
    if card_file.is_file():
        try:
            card = json.loads(card_file.read_text("utf-8"))
        except ValueError as exc:
            raise ModelError(f"model card {card_file} is not valid JSON: {exc}") from exc
        except OSError as exc:
            raise ModelError(f"model card {card_file} cannot be read: {exc.strerror or exc}") from exc
        if not isinstance(card, dict) or not isinstance(card.get("sha256", ""), str):
            raise ModelError(f"model card {card_file} is malformed: expected a JSON object with a string 'sha256'")
    expected = sha256 or card.get("sha256")
    if not expected:
        raise ModelError(
            f"no SHA-256 to check {model_path} against: pass sha256= or put its card ({card_file.name}) beside it"
        )
    actual = sha256_of(model_path)
    if actual != expected.lower():
        raise ModelError(f"{model_path}: SHA-256 {actual} does not match the expected {expected}; refusing to load it")
    trained_with = card.get("sklearn_version")
    if trained_with and trained_with != sklearn.__version__:
        warnings.warn(
            f"model {model_path.name} was trained with scikit-learn {trained_with}, "
            f"this is {sklearn.__version__}; predictions may differ",
            stacklevel=2,
        )
    pipeline = joblib.load(model_path)
    lexical = getattr(pipeline, "named_steps", {}).get("lexical")
    if hasattr(lexical, "compact"):  # sparse coefficients: ~34 MB less per process, same predictions
        lexical.compact()
    if not hasattr(pipeline, "predict_proba"):
        raise ModelError(f"{model_path} does not hold a classifier pipeline")
    stages = _load_compiled(model_path, card, actual) if compiled else None
    return ParagraphModel(pipeline, {**card, "path": str(model_path), "sha256": actual}, compiled=stages)


def _load_compiled(model_path: Path, card: dict[str, Any], model_sha256: str) -> CompiledStages | None:
    """The card's compiled stages, hash-checked, or None (nothing compiled, onnxruntime
    missing, compiled from another joblib, a file missing)."""
    entry = card.get("compiled")
    if not entry or not onnxruntime_available():
        return None
    if entry.get("model_sha256") != model_sha256:
        warnings.warn(
            f"the compiled trees beside {model_path.name} were compiled from another model file; "
            "using scikit-learn's predict (rerun scripts/compile_model.py)",
            stacklevel=3,
        )
        return None
    sessions: dict[str, CompiledBoosters] = {}
    for stage, info in entry.get("stages", {}).items():
        file = model_path.with_name(info["file"])
        if not file.is_file():
            warnings.warn(f"compiled trees {file} missing; using scikit-learn's predict", stacklevel=3)
            return None
        data = file.read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != info["sha256"]:
            raise ModelError(f"{file}: SHA-256 {actual} does not match the card's {info['sha256']}; refusing to load it")
        sessions[stage] = CompiledBoosters(data)
    if "stage1" not in sessions:
        return None
    return CompiledStages(sessions["stage1"], sessions.get("stage2"))
