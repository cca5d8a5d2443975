"""The paragraph relevance model: a scikit-learn Pipeline (lexical stage -> feature matrix ->
calibrated two-stage gradient boosting, ``detector.estimators``), saved with joblib beside a
model card that records its SHA-256, and the same fitted model in a form that scores without
scikit-learn: its trees compiled for onnxruntime (``detector.compiled``) and the rest of its
fitted state as plain arrays (``ScoringArrays``, an ``.npz`` file read without pickle).

A joblib file is code: ``load_model`` only opens the shipped file or one the caller names,
and refuses it unless its SHA-256 matches the card (or the hash the caller gives). The
compiled files are checked against the SHA-256 the card records for each. When they are
there, scoring never unpickles the joblib and never imports scikit-learn (nor pandas): a
worker holds ~130 MB less (``README.md``, speed and memory); ``ParagraphModel.pipeline``
loads the scikit-learn estimators on first use (training, the reference predict).
"""

from __future__ import annotations

import hashlib
import io
import json
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import expit
from threadpoolctl import ThreadpoolController

from detector.compiled import CompileError, CompiledBoosters, onnxruntime_available
from detector.context import context_for_documents
from detector.errors import ModelError
from detector.features import FEATURE_COLUMNS, FeatureArrays
from detector.lexical import LEXICAL_COLUMNS, neighbour_scores, score_texts

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.pipeline import Pipeline

MODEL_FILENAME = "paragraph-model.joblib"
CARD_FILENAME = "paragraph-model.card.json"

MODEL_COLUMNS: tuple[str, ...] = (*FEATURE_COLUMNS, *LEXICAL_COLUMNS)
"""What the gradient-boosting stages read: the block features and the lexical stage's scores."""

KEY_COLUMNS: tuple[str, ...] = ("doc", "group", "path")
"""Columns that say where a row belongs: its document, its training group (a page and its
text versions) and its element path. Absent at inference (one document): all rows share one."""

_MOVED = {  # fitted-estimator names that live in detector.estimators (scikit-learn)
    "DEFAULT_PARAMS", "FeatureMatrix", "TwoStageClassifier", "build_pipeline", "compile_stages",
    "_calibrated_boosting", "_positive_proba", "_calibrate", "_is_binary_pair", "_column_values",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    """The estimators moved to ``detector.estimators``; joblib files and older code name them
    here (``detector.model.TwoStageClassifier``), which imports scikit-learn on first use."""
    if name in _MOVED:
        import detector.estimators

        return getattr(detector.estimators, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _texts_of(features: pd.DataFrame | FeatureArrays) -> list[str]:
    """The block texts the lexical stage reads, of a featurize table or its arrays."""
    if isinstance(features, FeatureArrays):
        return features.texts
    return features["text"].astype(str).tolist()


def _first_seen_codes(values: list[str]) -> np.ndarray:
    """``pd.factorize(values)[0]``: each distinct value's rank of first appearance."""
    codes = {v: k for k, v in enumerate(dict.fromkeys(values))}
    return np.fromiter(map(codes.__getitem__, values), dtype=np.int64, count=len(values))


_LOG_TOKENS = FEATURE_COLUMNS.index("log_tokens")


def _n_tokens(features: np.ndarray) -> np.ndarray:
    return np.expm1(features[:, _LOG_TOKENS].astype(float))


def _split_keys(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(features, keys): the last four columns are FeatureMatrix(with_keys=True)'s codes."""
    if X.ndim != 2 or X.shape[1] <= len(FEATURE_COLUMNS):
        raise ValueError(f"expected >= {len(FEATURE_COLUMNS)} features and 4 key columns, got shape {X.shape}")
    return X[:, :-4], X[:, -4:]


def stage_two_context(relevance: np.ndarray, features: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Stage two's context columns (``detector.context``) of stage-one ``relevance``, shape
    (n_blocks,), for ``features`` and ``keys`` of ``FeatureMatrix(with_keys=True)`` output."""
    codes = keys.astype(np.int64)
    return context_for_documents(relevance, codes[:, 0], codes[:, 2], codes[:, 3], _n_tokens(features))


def apply_stage_two(
    first: np.ndarray,
    features: np.ndarray,
    keys: np.ndarray,
    short_tokens: int,
    second: Callable[[np.ndarray], np.ndarray] | None,
) -> np.ndarray:
    """Relevance, shape (n_blocks,): stage one's (``first``) where a block has at least
    ``short_tokens`` tokens, else the lower of stage one's and stage two's. ``second`` maps
    stage two's input rows (features + context of the short blocks) to probabilities; None
    (no stage two) keeps ``first``. Stage two only ever lowers short blocks, so only they are
    predicted."""
    short = _n_tokens(features) < short_tokens
    if second is None or not short.any():
        return first
    context = stage_two_context(first, features, keys)
    rows = np.hstack([features[short], context[short]])
    relevance = first.copy()
    relevance[short] = np.minimum(first[short], second(rows))
    return relevance


@dataclass(frozen=True)
class CompiledStages:
    """The two stages' trees in onnxruntime: ``stage1`` gives the decision function of every
    calibration fold of stage 1 (column k = fold k), ``stage2`` stage 2's (or None)."""

    stage1: CompiledBoosters
    stage2: CompiledBoosters | None


COMPILED_STAGES: tuple[str, ...] = ("stage1", "stage2")


@dataclass(frozen=True)
class LinearTerms:
    """A fitted linear model over hashed terms as arrays, what ``lexical.linear_proba`` reads.

    coef_ : ndarray or scipy.sparse CSC matrix of shape (n_classes or 1, n_features)
    intercept_ : ndarray of shape (n_classes or 1,)
    classes_ : ndarray of shape (n_classes,)
    """

    coef_: Any
    intercept_: np.ndarray
    classes_: np.ndarray


@dataclass(frozen=True)
class IsotonicCurve:
    """A fitted ``sklearn.isotonic.IsotonicRegression`` (``out_of_bounds="clip"``) as its
    thresholds: ``x`` and ``y`` of shape (n_thresholds,), float64, ``x`` ascending.

    Calling it on decision values of shape (n,) gives what the regressor's ``predict`` gives
    bit for bit: clip to [``x_min``, ``x_max``], then linear interpolation, which
    scikit-learn 1.9 does with ``scipy.interpolate.interp1d(kind="linear")`` and scipy (>= 1.10,
    float64 data) with ``numpy.interp``; one threshold gives a constant."""

    x: np.ndarray
    y: np.ndarray
    x_min: float
    x_max: float

    def __call__(self, decision: np.ndarray) -> np.ndarray:
        T = np.clip(np.asarray(decision, dtype=np.float64).reshape(-1), self.x_min, self.x_max)
        if len(self.y) == 1:
            return self.y.repeat(T.shape)
        return np.interp(T, self.x, self.y).astype(T.dtype)


@dataclass(frozen=True)
class ScoringArrays:
    """The fitted state the compiled scoring path reads besides the trees: the lexical stage's
    two linear models, stage one's calibration curves (one per calibration fold, in fold
    order) and stage two's short-block limit. Written as an ``.npz`` of plain arrays (no
    pickle) by ``ParagraphModel.save_compiled``; ``from_pipeline`` takes them from a fitted
    shipped-shape pipeline and raises ``CompileError`` for any other."""

    n_features: int
    max_chars: int
    lexical: LinearTerms
    reasons: LinearTerms | None
    calibrators: tuple[IsotonicCurve, ...]
    short_tokens: int
    stage2: bool

    @classmethod
    def from_pipeline(cls, pipeline: Pipeline) -> "ScoringArrays":
        from sklearn.isotonic import IsotonicRegression

        from detector.estimators import _is_binary_pair, is_shipped_shape

        if not is_shipped_shape(pipeline):
            raise CompileError("the pipeline is not the shipped lexical -> features -> classifier set-up")
        lexical, _, classifier = (step for _, step in pipeline.steps)
        curves = []
        for fold in classifier.stage1_.calibrated_classifiers_:
            calibrator = fold.calibrators[0] if _is_binary_pair(fold) else None
            if not (
                isinstance(calibrator, IsotonicRegression)
                and calibrator.out_of_bounds == "clip"
                and calibrator.X_thresholds_.dtype == np.float64
                and calibrator.y_thresholds_.dtype == np.float64
                and np.all(np.diff(calibrator.X_thresholds_) >= 0)
            ):
                raise CompileError("stage 1 is not calibrated by isotonic regression (clip, float64)")
            curves.append(
                IsotonicCurve(calibrator.X_thresholds_, calibrator.y_thresholds_, calibrator.X_min_, calibrator.X_max_)
            )
        lexical.compact()
        reason_model = getattr(lexical, "reason_model_", None)
        return cls(
            n_features=int(lexical.n_features),
            max_chars=int(lexical.max_chars),
            lexical=LinearTerms(lexical.model_.coef_, lexical.model_.intercept_, lexical.model_.classes_),
            reasons=None
            if reason_model is None
            else LinearTerms(reason_model.coef_, reason_model.intercept_, reason_model.classes_),
            calibrators=tuple(curves),
            short_tokens=int(classifier.short_tokens),
            stage2=classifier.stage2_ is not None,
        )

    def to_bytes(self, model_sha256: str = "") -> bytes:
        """The arrays as a compressed ``.npz`` (``numpy.savez_compressed``), with the SHA-256 of
        the joblib they were taken from (``from_bytes`` checks it)."""
        arrays: dict[str, np.ndarray] = {
            "meta": np.array(
                [self.n_features, self.max_chars, self.short_tokens, int(self.stage2), len(self.calibrators)],
                dtype=np.int64,
            ),
            "model_sha256": np.array(model_sha256),
        }
        for name, linear in (("lexical", self.lexical), ("reasons", self.reasons)):
            if linear is None:
                continue
            coef = linear.coef_
            if hasattr(coef, "tocsc"):
                coef = coef.tocsc()
                arrays.update({f"{name}.data": coef.data, f"{name}.indices": coef.indices, f"{name}.indptr": coef.indptr})
                arrays[f"{name}.shape"] = np.array(coef.shape, dtype=np.int64)
            else:
                arrays[f"{name}.coef"] = np.asarray(coef)
            arrays[f"{name}.intercept"] = np.asarray(linear.intercept_)
            arrays[f"{name}.classes"] = np.asarray(linear.classes_)
        for k, curve in enumerate(self.calibrators):
            arrays[f"curve{k}.x"], arrays[f"curve{k}.y"] = curve.x, curve.y
            arrays[f"curve{k}.bounds"] = np.array([curve.x_min, curve.x_max], dtype=np.float64)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes, source: str = "<arrays>", *, model_sha256: str | None = None) -> "ScoringArrays":
        """Read ``to_bytes`` output without pickle. ModelError (naming ``source``) when it is
        not such a file, when its arrays do not fit together (coefficient widths, calibration
        curves), or when ``model_sha256`` is given and the arrays were taken from another joblib."""
        import scipy.sparse as sp

        try:
            loaded = np.load(io.BytesIO(data), allow_pickle=False)
            if not isinstance(loaded, np.lib.npyio.NpzFile):
                raise ValueError("not an .npz archive")
            with loaded as npz:
                files = {name: npz[name] for name in npz.files}
            if files["meta"].dtype.kind not in "iu" or files["meta"].shape != (5,):
                raise ValueError("meta is not five integers")
            n_features, max_chars, short_tokens, stage2, n_curves = (int(v) for v in files["meta"])
            taken_from = str(files["model_sha256"]) if "model_sha256" in files else ""
            if model_sha256 is not None and taken_from != model_sha256:
                raise ValueError(f"taken from joblib {taken_from or '(unrecorded)'}, not this one ({model_sha256})")

            def linear(name: str) -> LinearTerms | None:
                if f"{name}.intercept" not in files:
                    return None
                if f"{name}.coef" in files:
                    coef: Any = files[f"{name}.coef"]
                else:
                    shape = tuple(int(v) for v in files[f"{name}.shape"])
                    coef = sp.csc_matrix(
                        (files[f"{name}.data"], files[f"{name}.indices"], files[f"{name}.indptr"]), shape=shape
                    )
                return LinearTerms(coef, files[f"{name}.intercept"], files[f"{name}.classes"])

            lexical = linear("lexical")
            if lexical is None:
                raise KeyError("lexical.intercept")
            curves = tuple(
                IsotonicCurve(files[f"curve{k}.x"], files[f"curve{k}.y"], *(float(v) for v in files[f"curve{k}.bounds"]))
                for k in range(n_curves)
            )
            reasons = linear("reasons")
            _check_arrays(n_features, max_chars, short_tokens, lexical, reasons, curves)
        except (KeyError, ValueError, TypeError, OSError, EOFError, zipfile.BadZipFile) as exc:
            raise ModelError(f"{source} is not a scoring-arrays file of this model: {exc}") from exc
        return cls(n_features, max_chars, lexical, reasons, curves, short_tokens, bool(stage2))

    def predict(self, X: np.ndarray, compiled: CompiledStages) -> np.ndarray:
        """Relevance, shape (n_blocks,), of the classifier input ``X`` (``direct_matrix``
        output, lexical columns filled) through the compiled trees: what
        ``TwoStageClassifier.predict_proba(X, compiled=compiled)[:, 1]`` gives, bit for bit."""
        features, keys = _split_keys(X)
        raw = compiled.stage1.raw(features)
        total = np.zeros(len(features))
        for k, curve in enumerate(self.calibrators):
            total += curve(raw[:, k])
        first = total / len(self.calibrators)
        if not self.stage2 or compiled.stage2 is None:
            return first
        stage2 = compiled.stage2
        return apply_stage_two(
            first, features, keys, self.short_tokens, lambda rows: expit(stage2.raw(rows)[:, 0])
        )  # fmt: skip


def _check_arrays(
    n_features: int,
    max_chars: int,
    short_tokens: int,
    lexical: LinearTerms,
    reasons: LinearTerms | None,
    curves: tuple[IsotonicCurve, ...],
) -> None:
    """ValueError when the scoring arrays do not fit together."""
    if n_features < 1 or max_chars < 1 or short_tokens < 0:
        raise ValueError("meta holds a non-positive size")
    for name, linear in (("lexical", lexical), ("reasons", reasons)):
        if linear is None:
            continue
        rows, width = linear.coef_.shape
        if width != n_features or len(linear.intercept_) != rows or rows != (1 if len(linear.classes_) == 2 else len(linear.classes_)):
            raise ValueError(f"{name} coefficients of shape {linear.coef_.shape} do not fit {n_features} hashed terms")
    if len(lexical.classes_) != 2:
        raise ValueError("the lexical model is not binary")
    if not curves:
        raise ValueError("no calibration curve")
    for curve in curves:
        if curve.x.ndim != 1 or curve.x.shape != curve.y.shape or len(curve.x) == 0 or np.any(np.diff(curve.x) < 0):
            raise ValueError("a calibration curve is not two ascending arrays of one length")


def direct_matrix(features: pd.DataFrame | FeatureArrays) -> Callable[[np.ndarray], np.ndarray] | None:
    """For one document's ``featurize`` table or its arrays: a function of the lexical scores
    (shape (n_blocks,)) returning the classifier's input of shape (n_blocks,
    len(MODEL_COLUMNS) + 4), float32, equal to what ``LexicalScorer.transform`` then
    ``FeatureMatrix(MODEL_COLUMNS, with_keys=True).transform`` give, built straight into one
    array (no table with the lexical columns added, no second column lookup: those two pandas
    round trips were a quarter of the model's time on a page). None when the table is of
    another shape (the general path handles those)."""
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


@dataclass(frozen=True)
class BlockScores:
    """What the model says of a document's blocks: ``relevance`` of shape (n_blocks,), and from
    the lexical stage (None without one) the drop reason each block's words point to and the
    lexical score of shape (n_blocks,)."""

    relevance: np.ndarray
    reasons: list[str | None] | None = None
    lexical: np.ndarray | None = None


class ParagraphModel:
    """A fitted model plus what the card says about it.

    Parameters
    ----------
    pipeline : sklearn Pipeline or None
        The fitted estimators (``detector.estimators.build_pipeline``). None when ``arrays``
        and ``compiled`` score and ``source`` names the joblib to load them from on first use
        of ``pipeline``.
    info : dict
        The model card (plus ``path`` and ``sha256`` once loaded).
    compiled : CompiledStages or None
        The trees in onnxruntime.
    arrays : ScoringArrays or None
        With ``compiled``: scoring without scikit-learn.
    source : (Path, str) or None
        The joblib and its checked SHA-256.
    """

    def __init__(
        self,
        pipeline: Pipeline | None = None,
        info: dict[str, Any] | None = None,
        compiled: CompiledStages | None = None,
        *,
        arrays: ScoringArrays | None = None,
        source: tuple[Path, str] | None = None,
    ) -> None:
        if pipeline is None and (arrays is None or compiled is None or source is None):
            raise ValueError("ParagraphModel needs a pipeline, or compiled trees, scoring arrays and the joblib's path")
        self._pipeline = pipeline
        self.info: dict[str, Any] = dict(info or {})
        self.compiled = compiled
        self.arrays = arrays if compiled is not None else None
        self._source = source
        self._threads: ThreadpoolController | None = None

    def __repr__(self) -> str:
        how = "compiled" if self.arrays is not None else "scikit-learn"
        return f"ParagraphModel({self.info.get('path', '<unsaved>')!r}, {how})"

    @property
    def pipeline(self) -> Pipeline:
        """The scikit-learn estimators; loaded from the joblib (SHA-256 checked again) on first
        use when the model was loaded to score with compiled trees and arrays."""
        if self._pipeline is None:
            assert self._source is not None
            self._pipeline = _load_pipeline(*self._source)
        return self._pipeline

    def predict_relevance(self, features: pd.DataFrame | FeatureArrays) -> np.ndarray:
        """Probability that each block belongs to the article (one call for all blocks):
        shape (n_blocks,). Through the compiled trees when ``compiled`` is set (same values
        within 1e-12), else scikit-learn's. ``features``: ``featurize``'s table or its arrays
        (``features.feature_arrays``)."""
        if len(features) == 0:
            return np.zeros(0)
        if self.arrays is not None:
            scored = self._predict_arrays(features, reasons=False)
            if scored is not None:
                return scored.relevance
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

    def predict(self, features: pd.DataFrame | FeatureArrays) -> BlockScores:
        """Relevance, and what the lexical stage read in each block's words (its score and the
        drop reason it points to), from one pass of the lexical stage. A model without a lexical
        stage gives relevance only. ``features``: ``featurize``'s table or its arrays
        (``features.feature_arrays``)."""
        if self.arrays is not None and len(features):
            scored = self._predict_arrays(features, reasons=True)
            if scored is not None:
                return scored
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

    def _predict_arrays(self, features: pd.DataFrame | FeatureArrays, *, reasons: bool) -> BlockScores | None:
        """``predict`` through ``arrays`` and ``compiled`` alone (no scikit-learn); None for a
        table of another shape."""
        arrays, compiled = self.arrays, self.compiled
        direct = direct_matrix(features)
        if arrays is None or compiled is None or direct is None:
            return None
        lexical, named = score_texts(
            _texts_of(features), arrays.n_features, arrays.max_chars, arrays.lexical, arrays.reasons, reasons=reasons
        )
        relevance = arrays.predict(direct(lexical), compiled)
        return BlockScores(relevance, named, lexical)

    def _direct_matrix(self, features: pd.DataFrame | FeatureArrays) -> Callable[[np.ndarray], np.ndarray] | None:
        """``direct_matrix(features)`` when the pipeline is the shipped set-up (lexical stage ->
        ``FeatureMatrix(MODEL_COLUMNS, with_keys=True)`` -> classifier), else None."""
        from detector.estimators import is_shipped_shape

        return direct_matrix(features) if is_shipped_shape(self.pipeline) else None

    def save(self, path: Path, card: dict[str, Any]) -> dict[str, Any]:
        """Write the model atomically and its machine-readable card beside it."""
        import joblib
        import sklearn

        from detector.atomic import atomic_path, atomic_write_json  # noqa: PLC0415 - the save path only

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
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
        """Compile the trees (``estimators.compile_stages``) into ``.onnx`` files beside the
        joblib at ``path`` and the rest of the fitted state into ``MODEL.arrays.npz``
        (``ScoringArrays``; not written for a pipeline of another shape, which then scores
        through scikit-learn with the compiled trees), all written atomically, and record each
        file's SHA-256 in the card, with the SHA-256 of the joblib they were compiled from. The
        model must already be saved at ``path`` with its card. Returns the updated card."""
        path = Path(path)
        card_path = card_path_for(path)
        card = json.loads(card_path.read_text("utf-8"))
        if card.get("sha256") != sha256_of(path):
            raise ModelError(f"{path} does not match its card: save the model before compiling it")
        import onnx

        from detector.atomic import atomic_write_bytes, atomic_write_json  # noqa: PLC0415 - the save path only
        from detector.estimators import compile_stages

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
        try:
            data = ScoringArrays.from_pipeline(self.pipeline).to_bytes(card["sha256"])
        except CompileError:
            compiled_path_for(path, "arrays", ".npz").unlink(missing_ok=True)
        else:
            target = compiled_path_for(path, "arrays", ".npz")
            atomic_write_bytes(target, data)
            card["compiled"]["arrays"] = {"file": target.name, "sha256": hashlib.sha256(data).hexdigest()}
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


def compiled_path_for(model_path: Path, stage: str, suffix: str = ".onnx") -> Path:
    """``paragraph-model.joblib`` -> ``paragraph-model.<stage>.onnx`` (or another ``suffix``)."""
    return Path(model_path).with_name(Path(model_path).name.removesuffix(".joblib") + f".{stage}{suffix}")


def shipped_model_path() -> Path:
    return Path(str(resources.files("detector.models").joinpath(MODEL_FILENAME)))


def load_model(
    path: Path | str | None = None, *, sha256: str | None = None, compiled: bool = True
) -> ParagraphModel:
    """Load the shipped model (``path=None``) or the file the caller names, after checking
    its SHA-256 against ``sha256`` or the card beside it.

    With ``compiled`` (the default), the compiled trees the card lists (``.onnx`` files beside
    the joblib, see ``ParagraphModel.save_compiled``) are used when onnxruntime is importable,
    each checked against its SHA-256 in the card (ModelError when one does not match); when the
    card also lists the scoring arrays, the joblib is not unpickled until ``pipeline`` is used
    (its SHA-256 is checked here all the same). Without compiled files, or when they were
    compiled from another joblib (a warning), scikit-learn predicts. Raises ModelError for a
    missing file, an unreadable or malformed card, or a hash that does not match."""
    model_path = Path(path) if path is not None else shipped_model_path()
    if model_path.is_dir():
        raise ModelError(f"{model_path}: is a directory; name the model file (a .joblib beside its .card.json)")
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
            f"no SHA-256 to check {model_path} against: put its card ({card_file.name}, written by detector train) "
            "beside it, or in Python pass load_model(path, sha256=...)"
        )
    actual = sha256_of(model_path)
    if actual != expected.lower():
        raise ModelError(f"{model_path}: SHA-256 {actual} does not match the expected {expected}; refusing to load it")
    info = {**card, "path": str(model_path), "sha256": actual}
    try:
        stages = _load_compiled(model_path, card, actual) if compiled else None
        arrays = _load_arrays(model_path, card, actual) if stages is not None else None
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        if isinstance(exc, ModelError):
            raise
        raise ModelError(f"model card {card_file}: malformed 'compiled' entry ({type(exc).__name__}: {exc})") from exc
    if arrays is not None:
        return ParagraphModel(None, info, compiled=stages, arrays=arrays, source=(model_path, actual))
    return ParagraphModel(_load_pipeline(model_path, actual, card), info, compiled=stages)


def _load_pipeline(model_path: Path, sha256: str, card: dict[str, Any] | None = None) -> Pipeline:
    """Unpickle the joblib at ``model_path`` after checking it still has ``sha256``; warn when
    the card says it was trained with another scikit-learn."""
    import joblib
    import sklearn

    import detector.estimators  # noqa: F401 - the classes the pickle names

    actual = sha256_of(model_path)
    if actual != sha256:
        raise ModelError(f"{model_path}: SHA-256 {actual} is no longer the {sha256} checked at load; refusing to load it")
    if card is None:
        card_file = card_path_for(model_path)
        card = json.loads(card_file.read_text("utf-8")) if card_file.is_file() else {}
    trained_with = card.get("sklearn_version")
    if trained_with and trained_with != sklearn.__version__:
        warnings.warn(
            f"model {model_path.name} was trained with scikit-learn {trained_with}, "
            f"this is {sklearn.__version__}; predictions may differ",
            stacklevel=3,
        )
    pipeline = joblib.load(model_path)
    lexical = getattr(pipeline, "named_steps", {}).get("lexical")
    if hasattr(lexical, "compact"):  # sparse coefficients: ~34 MB less per process, same predictions
        lexical.compact()
    if not hasattr(pipeline, "predict_proba"):
        raise ModelError(f"{model_path} does not hold a classifier pipeline")
    return pipeline


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
        file = _beside(model_path, info["file"])
        data = _checked_bytes(file, info["sha256"])
        if data is None:
            return None
        try:
            sessions[stage] = CompiledBoosters(data)
        except Exception as exc:  # onnxruntime raises its own types for a graph it cannot read
            raise ModelError(f"{file}: not a compiled tree graph onnxruntime can load ({type(exc).__name__})") from exc
    if "stage1" not in sessions:
        return None
    return CompiledStages(sessions["stage1"], sessions.get("stage2"))


def _load_arrays(model_path: Path, card: dict[str, Any], model_sha256: str) -> ScoringArrays | None:
    """The card's scoring arrays, hash-checked and taken from the joblib with ``model_sha256``,
    or None (not listed, or the file missing)."""
    info = card["compiled"].get("arrays")
    if not info:
        return None
    file = _beside(model_path, info["file"])
    data = _checked_bytes(file, info["sha256"])
    return None if data is None else ScoringArrays.from_bytes(data, str(file), model_sha256=model_sha256)


def _beside(model_path: Path, name: Any) -> Path:
    """The file ``name`` beside the joblib; ValueError unless it is a plain file name."""
    if not isinstance(name, str) or not name or Path(name).name != name or name in (".", ".."):
        raise ValueError(f"file {name!r} is not a file name beside the model")
    return model_path.with_name(name)


def _checked_bytes(file: Path, sha256: str) -> bytes | None:
    """The bytes of ``file`` when its SHA-256 is ``sha256``; None (a warning) when it is
    missing; ModelError when it does not match."""
    if not isinstance(sha256, str):
        raise ValueError(f"no SHA-256 for {file.name}")
    if not file.is_file():
        warnings.warn(f"compiled model file {file} missing; using scikit-learn's predict", stacklevel=4)
        return None
    data = file.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise ModelError(f"{file}: SHA-256 {actual} does not match the card's {sha256}; refusing to load it")
    return data
