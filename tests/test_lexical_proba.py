"""The lexical stage's sparse prediction (``lexical.linear_proba``) gives scikit-learn's
``predict_proba`` (with the dense coefficients it was fitted with) bit for bit, for the shipped
model's binary and reason models, before and after ``LexicalScorer.compact``."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from detector.features import featurize
from detector.lexical import _present_terms, linear_proba
from detector.document import RawDoc

PAGES = Path(__file__).resolve().parent / "pages"


def _stage(detector):
    return detector.model.pipeline.named_steps["lexical"]


def _dense(model):
    """A copy of ``model`` with its coefficients as fitted (dense), scikit-learn's reference."""
    out = copy.copy(model)
    out.coef_ = model.coef_.toarray() if sp.issparse(model.coef_) else model.coef_
    return out


def test_sparse_prediction_equals_sklearn_on_the_test_pages(detector):
    lexical = _stage(detector)
    assert lexical.reason_model_ is not None and len(lexical.reason_model_.classes_) > 2
    pages = sorted(PAGES.glob("*.html"))
    assert pages
    for page in pages:
        doc = detector.extract(RawDoc(id=page.stem, content=page.read_bytes(), format="html"))
        terms = lexical._vectorizer().transform(featurize(doc)["text"].astype(str).tolist())
        present = _present_terms(terms)
        assert present[0].shape == (terms.shape[0], len(np.unique(terms.indices)))
        for model in (lexical.model_, lexical.reason_model_):
            expected = _dense(model).predict_proba(terms)
            got = linear_proba(model, *present)
            assert got.shape == expected.shape
            assert np.array_equal(got, expected), page.name


def test_blocks_without_terms_get_the_intercept_alone(detector):
    lexical = _stage(detector)
    empty = sp.csr_matrix((3, lexical.n_features))
    for model in (lexical.model_, lexical.reason_model_):
        assert np.array_equal(linear_proba(model, *_present_terms(empty)), _dense(model).predict_proba(empty))


def test_compact_holds_the_reason_model_sparse_with_the_same_predictions(detector):
    lexical = _stage(detector)
    assert sp.issparse(lexical.reason_model_.coef_)  # load_model compacts
    dense = copy.deepcopy(lexical)
    for model in (dense.model_, dense.reason_model_):
        model.coef_ = model.coef_.toarray() if sp.issparse(model.coef_) else model.coef_
    compacted = copy.deepcopy(dense).compact()
    assert sp.issparse(compacted.reason_model_.coef_)
    assert not sp.issparse(compacted.model_.coef_)  # 62% non-zero: dense is smaller
    sparse = compacted.reason_model_.coef_
    assert sparse.data.nbytes + sparse.indices.nbytes + sparse.indptr.nbytes < dense.reason_model_.coef_.nbytes / 2
    doc = detector.extract(RawDoc(id="n", content=(PAGES / "newsletter.html").read_bytes(), format="html"))
    features = featurize(doc)
    for a, b in zip(dense.transform_with_reasons(features), compacted.transform_with_reasons(features)):
        assert a.equals(b) if hasattr(a, "equals") else a == b


def test_direct_hashing_and_model_input_equal_the_pipeline_steps(detector):
    """``LexicalScorer._hashed`` is the vectorizer's transform bit for bit, and the model's
    direct input (``ParagraphModel._direct_matrix``) is what the lexical stage then the
    feature matrix give, on every test page."""
    lexical = _stage(detector)
    model = detector.model
    matrix = model.pipeline.named_steps["features"]
    for page in sorted(PAGES.glob("*.html")):
        doc = detector.extract(RawDoc(id=page.stem, content=page.read_bytes(), format="html"))
        features = featurize(doc)
        texts = features["text"].astype(str).tolist()
        expected, got = lexical._vectorizer().transform(texts), lexical._hashed(texts)
        for attr in ("indptr", "indices", "data"):
            assert np.array_equal(getattr(expected, attr), getattr(got, attr)), page.name
        direct = model._direct_matrix(features)
        assert direct is not None
        reference = matrix.transform(lexical.transform(features))
        scores, _ = lexical.score_texts(texts)
        got_matrix = direct(scores)
        assert got_matrix.dtype == reference.dtype and np.array_equal(got_matrix, reference), page.name


def test_prediction_from_the_feature_arrays_equals_the_table(detector):
    """``Detector`` hands the model ``feature_arrays`` (no table): the same scores as from
    ``featurize``'s table, with compiled trees and with scikit-learn."""
    from detector.features import feature_arrays
    from detector.model import load_model

    for model in (detector.model, load_model(compiled=False)):
        for page in sorted(PAGES.glob("*.html")):
            doc = detector.extract(RawDoc(id=page.stem, content=page.read_bytes(), format="html"))
            arrays = feature_arrays(doc)
            assert arrays.frame().equals(featurize(doc))
            a, b = model.predict(arrays), model.predict(featurize(doc))
            assert np.array_equal(a.relevance, b.relevance) and a.reasons == b.reasons, page.name
            assert np.array_equal(a.lexical, b.lexical), page.name
            assert np.array_equal(model.predict_relevance(arrays), b.relevance), page.name
