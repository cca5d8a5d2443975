"""Scoring without scikit-learn: the shipped model's compiled trees plus its fitted state as
plain arrays (``model.ScoringArrays``) give what the scikit-learn pipeline gives, bit for bit,
and a scoring process never imports scikit-learn or pandas."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from detector import Detector, RawDoc
from detector.compiled import CompileError
from detector.errors import ModelError
from detector.features import feature_arrays, featurize
from detector.lexical import hash_terms
from detector.model import (
    IsotonicCurve,
    ParagraphModel,
    ScoringArrays,
    card_path_for,
    compiled_path_for,
    load_model,
    shipped_model_path,
)

PAGES = Path(__file__).resolve().parent / "pages"
ROOT = Path(__file__).resolve().parents[1]


def _raws(seeds_dir):
    for path in sorted(PAGES.glob("*.html")) + sorted(seeds_dir.glob("*.html")):
        yield RawDoc(id=path.name, content=path.read_bytes(), format="html")
    for path in sorted(seeds_dir.glob("*.txt")):
        yield RawDoc(id=path.name, content=path.read_bytes(), format="text")


def test_the_shipped_model_scores_from_arrays_and_compiled_trees():
    model = load_model()
    assert model.arrays is not None and model.compiled is not None
    assert model._pipeline is None  # the joblib is not unpickled to score
    card = json.loads(card_path_for(shipped_model_path()).read_text("utf-8"))
    assert card["compiled"]["arrays"]["file"] == "paragraph-model.arrays.npz"


def test_arrays_give_the_pipelines_scores_reasons_and_lexical_bit_for_bit(seeds_dir):
    lean = load_model()
    reference = load_model(compiled=False)  # scikit-learn all the way
    with_trees = ParagraphModel(reference.pipeline, compiled=lean.compiled)  # the previous compiled path
    det = Detector(model=reference)
    blocks = 0
    for raw in _raws(seeds_dir):
        arrays = feature_arrays(det.extract(raw))
        a, b, c = lean.predict(arrays), with_trees.predict(arrays), reference.predict(arrays)
        assert np.array_equal(a.relevance, b.relevance), raw.id
        assert a.reasons == b.reasons == c.reasons, raw.id
        assert np.array_equal(a.lexical, b.lexical) and np.array_equal(a.lexical, c.lexical), raw.id
        assert np.max(np.abs(a.relevance - c.relevance), initial=0.0) <= 1e-9, raw.id
        assert np.array_equal(lean.predict_relevance(arrays), a.relevance), raw.id
        assert np.array_equal(lean.predict_relevance(arrays.frame()), a.relevance), raw.id
        blocks += len(a.relevance)
    assert blocks > 150


def test_hash_terms_equals_the_hashing_vectorizer_on_odd_text(detector):
    lexical = detector.model.pipeline.named_steps["lexical"]
    texts = [
        "",
        "   ",
        "Ünïcödé façade — naïve café 2024-11-30",
        "日本語の文章です。東京都",
        "ภาษาไทย ไม่มีช่องว่าง",
        "broken \ud800 surrogate and \udfff another",
        "x" * 5000,
        "Sign up for our newsletter! " * 40,
    ]
    expected, got = lexical._vectorizer().transform(texts), hash_terms(texts, lexical.n_features, lexical.max_chars)
    for attr in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(expected, attr), getattr(got, attr)), attr


def test_isotonic_curve_is_isotonic_regression_predict():
    from sklearn.isotonic import IsotonicRegression

    rng = np.random.default_rng(0)
    x = rng.normal(size=400)
    y = (rng.random(400) < 1 / (1 + np.exp(-2 * x))).astype(float)
    fitted = IsotonicRegression(out_of_bounds="clip").fit(x, y)
    curve = IsotonicCurve(fitted.X_thresholds_, fitted.y_thresholds_, fitted.X_min_, fitted.X_max_)
    probe = np.concatenate([rng.normal(scale=3, size=2000), fitted.X_thresholds_, [-1e9, 1e9]])
    assert np.array_equal(curve(probe), fitted.predict(probe))
    one = IsotonicRegression(out_of_bounds="clip").fit([0.0, 1.0], [0.5, 0.5])
    flat = IsotonicCurve(one.X_thresholds_, one.y_thresholds_, one.X_min_, one.X_max_)
    assert np.array_equal(flat(np.array([-3.0, 0.2, 7.0])), one.predict([-3.0, 0.2, 7.0]))


def test_arrays_survive_their_file_format(detector):
    arrays = load_model().arrays
    again = ScoringArrays.from_bytes(arrays.to_bytes())
    assert (again.n_features, again.max_chars, again.short_tokens, again.stage2) == (
        arrays.n_features, arrays.max_chars, arrays.short_tokens, arrays.stage2,
    )  # fmt: skip
    for mine, theirs in ((arrays.lexical, again.lexical), (arrays.reasons, again.reasons)):
        a = mine.coef_.toarray() if sp.issparse(mine.coef_) else mine.coef_
        b = theirs.coef_.toarray() if sp.issparse(theirs.coef_) else theirs.coef_
        assert np.array_equal(a, b) and np.array_equal(mine.intercept_, theirs.intercept_)
        assert list(mine.classes_) == list(theirs.classes_)
    # one calibration curve per calibrated fold of stage one (one since stage one is a single booster)
    stage1 = load_model(compiled=False).pipeline.named_steps["classifier"].stage1_
    assert len(again.calibrators) == len(arrays.calibrators) == len(stage1.calibrated_classifiers_) >= 1
    for mine, theirs in zip(arrays.calibrators, again.calibrators):
        assert np.array_equal(mine.x, theirs.x) and np.array_equal(mine.y, theirs.y)
        assert (mine.x_min, mine.x_max) == (theirs.x_min, theirs.x_max)
    with pytest.raises(ModelError, match="not a scoring-arrays file"):
        ScoringArrays.from_bytes(b"PK\x03\x04 not an npz", "bad.npz")


def test_other_pipelines_have_no_arrays():
    from detector.estimators import build_pipeline

    with pytest.raises(CompileError):
        ScoringArrays.from_pipeline(build_pipeline(lexical=False))


def _copy_model(tmp_path):
    src = shipped_model_path()
    tmp_path.mkdir(parents=True, exist_ok=True)
    dst = tmp_path / src.name
    for file in (src, card_path_for(src), compiled_path_for(src, "stage1"), compiled_path_for(src, "stage2"),
                 compiled_path_for(src, "arrays", ".npz")):  # fmt: skip
        shutil.copy(file, dst.with_name(file.name))
    return dst


def test_a_tampered_arrays_file_is_refused_and_a_missing_one_falls_back(tmp_path, seeds_dir):
    copy = _copy_model(tmp_path)
    assert load_model(copy).arrays is not None
    arrays_file = compiled_path_for(copy, "arrays", ".npz")
    data = arrays_file.read_bytes()
    arrays_file.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(ModelError, match=r"arrays\.npz: SHA-256 .* does not match"):
        load_model(copy)
    arrays_file.unlink()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fallback = load_model(copy)
    assert any("missing" in str(w.message) for w in caught)
    assert fallback.arrays is None and fallback.compiled is not None  # trees through the pipeline
    raw = next(_raws(seeds_dir))
    doc = Detector(model=fallback).extract(raw)
    assert np.array_equal(fallback.predict_relevance(featurize(doc)), load_model().predict_relevance(featurize(doc)))


def test_the_pipeline_loads_on_first_use_and_is_hash_checked_again(tmp_path):
    copy = _copy_model(tmp_path)
    model = load_model(copy)
    assert model._pipeline is None
    with open(copy, "ab") as fh:  # the joblib changed after the model was loaded
        fh.write(b"\0")
    with pytest.raises(ModelError, match="no longer"):
        model.pipeline
    fresh = load_model(_copy_model(tmp_path / "fresh"))
    assert list(fresh.pipeline.named_steps) == ["lexical", "features", "classifier"]


def test_joblib_files_naming_the_old_modules_still_resolve():
    import detector.estimators
    import detector.lexical
    import detector.model

    assert detector.model.TwoStageClassifier is detector.estimators.TwoStageClassifier
    assert detector.model.FeatureMatrix is detector.estimators.FeatureMatrix
    assert detector.lexical.LexicalScorer is detector.estimators.LexicalScorer
    with pytest.raises(AttributeError):
        detector.model.NoSuchThing  # noqa: B018


def test_scoring_imports_neither_scikit_learn_nor_pandas(seeds_dir):
    page = seeds_dir / "migrant-crisis-page.html"
    code = (
        "import sys\n"
        "from detector import Detector\n"
        f"r = Detector().score_html(open({str(page)!r}, 'rb').read())\n"
        "assert r.text, 'nothing kept'\n"
        "heavy = sorted(m for m in ('sklearn', 'pandas', 'pyarrow', 'scipy.stats') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "", f"scoring imported {done.stdout.strip()}"


def test_no_hashed_term_holds_a_lone_surrogate():
    """``mmh3`` cannot take a lone surrogate (it crashes the process), so ``hash_terms`` relies on
    ``analyze`` never producing one, whatever the text holds."""
    from detector.lexical import analyze

    text = " ".join(f"a{chr(cp)}b {chr(cp)}{chr(cp)}" for cp in range(0xD800, 0xE000, 7))
    terms = analyze(text, max_chars=len(text))
    assert terms and not any(0xD800 <= ord(ch) < 0xE000 for term in terms for ch in term)


def _card(copy):
    return json.loads(card_path_for(copy).read_text("utf-8"))


def _write_card(copy, card):
    card_path_for(copy).write_text(json.dumps(card), encoding="utf-8")


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c["compiled"]["arrays"].update(file="sub/x.npz"),
        lambda c: c["compiled"]["arrays"].update(file=None),
        lambda c: c["compiled"]["arrays"].pop("sha256"),
        lambda c: c["compiled"].update(arrays="yes"),
        lambda c: c.update(compiled=[1, 2]),
        lambda c: c["compiled"].update(stages=None),
    ],
)
def test_a_malformed_compiled_entry_is_a_model_error_naming_the_card(tmp_path, change):
    copy = _copy_model(tmp_path)
    card = _card(copy)
    change(card)
    _write_card(copy, card)
    with pytest.raises(ModelError, match=r"card\.json|not a file name"):
        load_model(copy)


def _rewrite_arrays(copy, data: bytes):
    """Replace the copy's arrays file and update its hash in the card (a consistent tamper)."""
    import hashlib

    compiled_path_for(copy, "arrays", ".npz").write_bytes(data)
    card = _card(copy)
    card["compiled"]["arrays"]["sha256"] = hashlib.sha256(data).hexdigest()
    _write_card(copy, card)


def test_arrays_must_come_from_this_joblib_and_fit_together(tmp_path):
    import dataclasses
    import io

    shipped = load_model().arrays
    copy = _copy_model(tmp_path)
    _rewrite_arrays(copy, shipped.to_bytes("0" * 64))  # taken from another joblib
    with pytest.raises(ModelError, match="arrays.npz.*another|taken from joblib 0{64}"):
        load_model(copy)
    sha = _card(copy)["sha256"]
    broken = [
        dataclasses.replace(shipped, calibrators=()),
        dataclasses.replace(shipped, n_features=1024),
        dataclasses.replace(shipped, max_chars=0),
        dataclasses.replace(shipped, calibrators=(IsotonicCurve(shipped.calibrators[0].x, shipped.calibrators[0].y[:-1], 0.0, 1.0),)),
        dataclasses.replace(shipped, calibrators=(IsotonicCurve(shipped.calibrators[0].x[::-1], shipped.calibrators[0].y, 0.0, 1.0),)),
    ]
    for arrays in broken:
        _rewrite_arrays(copy, arrays.to_bytes(sha))
        with pytest.raises(ModelError, match="not a scoring-arrays file of this model"):
            load_model(copy)
    npy = io.BytesIO()
    np.save(npy, np.zeros(3))
    _rewrite_arrays(copy, npy.getvalue())
    with pytest.raises(ModelError, match="not a scoring-arrays file"):
        load_model(copy)
    _rewrite_arrays(copy, shipped.to_bytes(sha))  # the same arrays, re-written: load and score
    assert load_model(copy).arrays is not None


def test_a_compiled_graph_onnxruntime_cannot_read_is_a_model_error(tmp_path):
    import hashlib

    copy = _copy_model(tmp_path)
    compiled_path_for(copy, "stage2").write_bytes(b"garbage")
    card = _card(copy)
    card["compiled"]["stages"]["stage2"]["sha256"] = hashlib.sha256(b"garbage").hexdigest()
    _write_card(copy, card)
    with pytest.raises(ModelError, match=r"stage2\.onnx: not a compiled tree graph"):
        load_model(copy)
