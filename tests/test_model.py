"""Loading a model is loading code: only checked files are opened."""

from __future__ import annotations

import json
import shutil
import warnings

import numpy as np
import pytest

from detector import Config, Detector, ModelError
from detector.features import featurize
from detector.model import card_path_for, load_model, sha256_of, shipped_model_path


def test_shipped_model_matches_its_card():
    model = load_model()
    card = json.loads(card_path_for(shipped_model_path()).read_text("utf-8"))
    assert model.info["sha256"] == card["sha256"] == sha256_of(shipped_model_path())
    assert hasattr(model.pipeline, "named_steps") and list(model.pipeline.named_steps) == ["lexical", "features", "classifier"]


def test_tampered_model_is_refused(tmp_path):
    copy = tmp_path / "paragraph-model.joblib"
    shutil.copy(shipped_model_path(), copy)
    shutil.copy(card_path_for(shipped_model_path()), card_path_for(copy))
    load_model(copy)  # the untouched copy loads
    with open(copy, "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ModelError, match="does not match"):
        load_model(copy)
    with pytest.raises(ModelError, match="does not match"):
        Detector(Config(model_path=copy))


def test_model_without_card_or_hash_is_refused(tmp_path):
    copy = tmp_path / "other.joblib"
    shutil.copy(shipped_model_path(), copy)
    with pytest.raises(ModelError, match=r"no SHA-256 .* put its card \(other\.card\.json, written by detector train\)"):
        load_model(copy)
    model = load_model(copy, sha256=sha256_of(copy))  # naming the hash is enough
    assert model.info["sha256"] == sha256_of(copy)


def test_missing_model_file_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        load_model(tmp_path / "nope.joblib")
    with pytest.raises(ModelError, match="is a directory; name the model file"):
        load_model(tmp_path)  # it said "model file not found" of a folder that is there


def test_version_mismatch_warns(tmp_path):
    copy = tmp_path / "m.joblib"
    shutil.copy(shipped_model_path(), copy)
    card = json.loads(card_path_for(shipped_model_path()).read_text("utf-8"))
    card["sklearn_version"] = "0.0.1"
    card_path_for(copy).write_text(json.dumps(card), encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_model(copy)
    assert any("scikit-learn 0.0.1" in str(w.message) for w in caught)


def test_probabilities_are_in_unit_interval_and_depend_on_the_document(detector, seeds_dir):
    doc = detector.extract(
        __import__("detector").RawDoc(id="s", content=(seeds_dir / "migrant-crisis-page.html").read_bytes())
    )
    table = featurize(doc)
    batch = detector.model.predict_relevance(table)
    assert batch.shape == (len(doc.blocks),)
    assert np.all((batch >= 0) & (batch <= 1))
    assert np.array_equal(detector.model.predict_relevance(table), batch)  # deterministic
    # a block is scored in its document: its neighbours' lexical scores and the context of stage 1
    # are features, so the same row alone scores differently
    single = np.array([detector.model.predict_relevance(table.iloc[[i]])[0] for i in range(0, len(table), 7)])
    assert not np.allclose(batch[::7], single)
