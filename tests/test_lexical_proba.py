"""The lexical stage's sparse prediction (``lexical.linear_proba``) gives scikit-learn's
``predict_proba`` bit for bit, for the shipped model's binary and reason models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp

from detector.features import featurize
from detector.lexical import _present_terms, linear_proba
from detector.document import RawDoc

PAGES = Path(__file__).resolve().parent / "pages"


def _stage(detector):
    return detector.model.pipeline.named_steps["lexical"]


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
            expected = model.predict_proba(terms)
            got = linear_proba(model, *present)
            assert got.shape == expected.shape
            assert np.array_equal(got, expected), page.name


def test_blocks_without_terms_get_the_intercept_alone(detector):
    lexical = _stage(detector)
    empty = sp.csr_matrix((3, lexical.n_features))
    for model in (lexical.model_, lexical.reason_model_):
        assert np.array_equal(linear_proba(model, *_present_terms(empty)), model.predict_proba(empty))
