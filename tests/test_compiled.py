"""Compiled tree inference (detector/compiled.py): onnxruntime's float64 trees give the same
relevance as scikit-learn's, and the .onnx files are checked like the joblib."""

from __future__ import annotations

import gzip
import json
import shutil
import warnings

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from detector import Detector, ModelError, RawDoc
from detector.compiled import CompileError, CompiledBoosters, compile_boosters
from detector.features import featurize
from detector.model import card_path_for, compiled_path_for, load_model, shipped_model_path

pytest.importorskip("onnxruntime")

TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def toy():
    """Two small boosters with missing values in training (so both NaN directions occur)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 6))
    y = (X[:, 0] + X[:, 1] * X[:, 2] + rng.normal(scale=0.5, size=600) > 0).astype(int)
    X[rng.random(X.shape) < 0.1] = np.nan
    X[:100, 3] = np.nan  # a feature often missing: learnt missing directions differ
    params = {"max_iter": 30, "max_leaf_nodes": 15, "min_samples_leaf": 5}
    a = HistGradientBoostingClassifier(**params, random_state=0).fit(X, y)
    b = HistGradientBoostingClassifier(**params, learning_rate=0.3, random_state=1).fit(X[::2], y[::2])
    return a, b, rng


def _probe(boosters, rng, n=400):
    """Rows that hit every kind of branch: values exactly at thresholds (x <= t goes left),
    just above them, NaN, +-inf, and random values."""
    d = boosters[0].n_features_in_
    X = rng.normal(size=(n, d))
    thresholds = [
        (int(node["feature_idx"]), float(node["num_threshold"]))
        for est in boosters
        for (pred,) in est._predictors
        for node in pred.nodes
        if not node["is_leaf"]
    ]
    for i in range(n):
        for f, t in [thresholds[j] for j in rng.integers(0, len(thresholds), size=3)]:
            X[i, f] = t if i % 2 else np.nextafter(t, np.inf)
    X[rng.random(X.shape) < 0.1] = np.nan
    X[::17, 0] = np.inf
    X[::19, 1] = -np.inf
    return X


def test_raw_values_equal_sklearn_decision_function(toy):
    a, b, rng = toy
    compiled = CompiledBoosters(compile_boosters([a, b]))
    X = _probe([a, b], rng)
    raw = compiled.raw(X)
    assert raw.shape == (len(X), 2) and raw.dtype == np.float64
    np.testing.assert_allclose(raw[:, 0], a.decision_function(X), rtol=0, atol=1e-12)
    np.testing.assert_allclose(raw[:, 1], b.decision_function(X), rtol=0, atol=1e-12)
    # float32 input (the feature matrix's dtype) is widened exactly, as sklearn does
    X32 = X.astype(np.float32)
    np.testing.assert_allclose(compiled.raw(X32)[:, 0], a.decision_function(X32), rtol=0, atol=1e-12)


def test_one_leaf_trees_and_wrong_width(toy):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    y = np.r_[np.zeros(20, int), np.ones(20, int)]
    # min_samples_leaf > n/2: no split is allowed, every tree is a single leaf
    est = HistGradientBoostingClassifier(max_iter=5, min_samples_leaf=30).fit(X, y)
    assert all(pred.nodes["is_leaf"][0] for (pred,) in est._predictors)
    compiled = CompiledBoosters(compile_boosters([est]))
    np.testing.assert_allclose(compiled.raw(X)[:, 0], est.decision_function(X), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="expect 3 features, got 4"):
        compiled.raw(np.zeros((2, 4)))


def test_what_cannot_be_compiled_is_refused(toy):
    a, _, _ = toy
    rng = np.random.default_rng(2)
    X = np.column_stack([rng.integers(0, 4, 300), rng.normal(size=300)])
    y = (X[:, 0] > 1).astype(int)
    categorical = HistGradientBoostingClassifier(max_iter=5, categorical_features=[0]).fit(X, y)
    with pytest.raises(CompileError, match="categorical"):
        compile_boosters([categorical])
    with pytest.raises(CompileError, match="disagree on the number of features"):
        compile_boosters([a, HistGradientBoostingClassifier(max_iter=3).fit(X, y)])
    with pytest.raises(CompileError, match="not a fitted"):
        compile_boosters([HistGradientBoostingClassifier()])


def _pages(folder_pages, seeds_dir):
    for path in sorted(folder_pages.glob("*.html")) + sorted(seeds_dir.glob("*.html")):
        yield RawDoc(id=path.name, content=path.read_bytes(), format="html")
    for path in sorted(seeds_dir.glob("*.txt")):
        yield RawDoc(id=path.name, content=path.read_bytes(), format="text")


def _max_gap(raws):
    reference, compiled = load_model(compiled=False), load_model()
    assert reference.compiled is None and compiled.compiled is not None
    det = Detector(model=reference)
    gap, blocks = 0.0, 0
    for raw in raws:
        features = featurize(det.extract(raw))
        a, b = reference.predict_relevance(features), compiled.predict_relevance(features)
        gap, blocks = max(gap, float(np.max(np.abs(a - b), initial=0.0))), blocks + len(a)
    return gap, blocks


def test_shipped_compiled_trees_match_sklearn_on_test_pages_and_seeds(seeds_dir):
    from pathlib import Path

    gap, blocks = _max_gap(_pages(Path(__file__).parent / "pages", seeds_dir))
    assert blocks > 150 and gap <= TOLERANCE


@pytest.mark.aeb
@pytest.mark.slow
def test_shipped_compiled_trees_match_sklearn_on_every_aeb_page(aeb_dir):
    truth = json.loads((aeb_dir / "ground-truth.json").read_text("utf-8"))
    raws = (
        RawDoc(id=i, content=gzip.decompress((aeb_dir / "html" / f"{i}.html.gz").read_bytes()), format="html")
        for i in sorted(truth)
    )
    gap, blocks = _max_gap(raws)
    assert blocks > 20000 and gap <= TOLERANCE


def _copy_model(tmp_path):
    src = shipped_model_path()
    tmp_path.mkdir(parents=True, exist_ok=True)
    dst = tmp_path / src.name
    shutil.copy(src, dst)
    shutil.copy(card_path_for(src), card_path_for(dst))
    for stage in ("stage1", "stage2"):
        shutil.copy(compiled_path_for(src, stage), compiled_path_for(dst, stage))
    shutil.copy(compiled_path_for(src, "arrays", ".npz"), compiled_path_for(dst, "arrays", ".npz"))
    return dst


def test_compiled_files_are_hash_checked(tmp_path):
    copy = _copy_model(tmp_path)
    assert load_model(copy).compiled is not None
    with open(compiled_path_for(copy, "stage2"), "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ModelError, match=r"stage2\.onnx: SHA-256 .* does not match"):
        load_model(copy)
    assert load_model(copy, compiled=False).compiled is None  # the joblib alone still loads


def test_stale_or_missing_compiled_trees_fall_back_to_sklearn(tmp_path, monkeypatch):
    copy = _copy_model(tmp_path)
    card = json.loads(card_path_for(copy).read_text("utf-8"))
    card["compiled"]["model_sha256"] = "0" * 64  # compiled from another joblib
    card_path_for(copy).write_text(json.dumps(card), encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert load_model(copy).compiled is None
    assert any("compiled from another model file" in str(w.message) for w in caught)
    # onnxruntime not importable: scikit-learn predicts, silently
    copy = _copy_model(tmp_path / "again")
    monkeypatch.setitem(__import__("sys").modules, "onnxruntime", None)
    assert load_model(copy).compiled is None


def test_save_compiled_writes_files_and_card(tmp_path):
    copy = tmp_path / "m.joblib"
    shutil.copy(shipped_model_path(), copy)
    card = json.loads(card_path_for(shipped_model_path()).read_text("utf-8"))
    del card["compiled"]
    card_path_for(copy).write_text(json.dumps(card), encoding="utf-8")
    model = load_model(copy)
    assert model.compiled is None
    written = model.save_compiled(copy)
    assert written["compiled"]["model_sha256"] == written["sha256"]
    assert set(written["compiled"]["stages"]) == {"stage1", "stage2"}
    assert compiled_path_for(copy, "stage1").name == "m.stage1.onnx"
    assert load_model(copy).compiled is not None
