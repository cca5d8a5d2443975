"""The paragraph relevance model: a scikit-learn Pipeline (feature matrix -> calibrated
gradient boosting), saved with joblib beside a model card that records its SHA-256.

A joblib file is code: ``load_model`` only opens the shipped file or one the caller names,
and refuses it unless its SHA-256 matches the card (or the hash the caller gives).
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline
from threadpoolctl import ThreadpoolController

from detector.errors import ModelError
from detector.features import FEATURE_COLUMNS

MODEL_FILENAME = "paragraph-model.joblib"
CARD_FILENAME = "paragraph-model.card.json"
DEFAULT_PARAMS: dict[str, Any] = {
    "learning_rate": 0.12,
    "max_iter": 150,
    "max_leaf_nodes": 31,
    "min_samples_leaf": 30,
    "l2_regularization": 1.0,
}


class FeatureMatrix(BaseEstimator, TransformerMixin):
    """Selects the model's feature columns from ``features.featurize`` output as float32."""

    def __init__(self, columns: tuple[str, ...] = FEATURE_COLUMNS) -> None:
        self.columns = columns

    def fit(self, X: pd.DataFrame, y: Any = None) -> "FeatureMatrix":
        missing = [c for c in self.columns if c not in X.columns]
        if missing:
            raise ValueError(f"feature table lacks columns {missing[:5]}")
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        return X.loc[:, list(self.columns)].to_numpy(dtype=np.float32)


def build_pipeline(params: dict[str, Any] | None = None, *, seed: int = 0) -> Pipeline:
    hgb = HistGradientBoostingClassifier(**{**DEFAULT_PARAMS, **(params or {})}, random_state=seed)
    return Pipeline(
        [
            ("features", FeatureMatrix()),
            ("classifier", CalibratedClassifierCV(hgb, method="isotonic", cv=2)),
        ]
    )


@dataclass
class ParagraphModel:
    """A fitted pipeline plus what the card says about it."""

    pipeline: Pipeline
    info: dict[str, Any] = field(default_factory=dict)
    _threads: ThreadpoolController | None = field(default=None, init=False, repr=False, compare=False)

    def predict_relevance(self, features: pd.DataFrame) -> np.ndarray:
        """Probability that each block belongs to the article (one call for all blocks)."""
        if len(features) == 0:
            return np.zeros(0)
        # A page is a few hundred rows: OpenMP threads cost far more than they save there,
        # and on a busy machine (or inside a worker pool) they made predict 25x slower.
        if self._threads is None:
            self._threads = ThreadpoolController()
        with self._threads.limit(limits=1, user_api="openmp"):
            return self.pipeline.predict_proba(features)[:, 1]

    def save(self, path: Path, card: dict[str, Any]) -> dict[str, Any]:
        """Write the model atomically and its machine-readable card beside it."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        joblib.dump(self.pipeline, tmp, compress=3)
        digest = sha256_of(tmp)
        tmp.replace(path)
        card = {
            **card,
            "file": path.name,
            "sha256": digest,
            "sklearn_version": sklearn.__version__,
            "features": list(FEATURE_COLUMNS),
        }
        card_path = card_path_for(path)
        tmp_card = card_path.with_name(card_path.name + ".tmp")
        tmp_card.write_text(json.dumps(card, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        tmp_card.replace(card_path)
        self.info = card
        return card


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def card_path_for(model_path: Path) -> Path:
    return Path(model_path).with_name(Path(model_path).name.removesuffix(".joblib") + ".card.json")


def shipped_model_path() -> Path:
    return Path(str(resources.files("detector.models").joinpath(MODEL_FILENAME)))


def load_model(path: Path | str | None = None, *, sha256: str | None = None) -> ParagraphModel:
    """Load the shipped model (``path=None``) or the file the caller names, after checking
    its SHA-256 against ``sha256`` or the card beside it."""
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
    if not hasattr(pipeline, "predict_proba"):
        raise ModelError(f"{model_path} does not hold a classifier pipeline")
    return ParagraphModel(pipeline, {**card, "path": str(model_path), "sha256": actual})
