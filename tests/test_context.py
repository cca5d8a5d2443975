"""The second stage: context features of first-stage scores, and the two-stage classifier."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from detector.context import CONTEXT_COLUMNS, context_features, context_for_documents
from detector.features import FEATURE_COLUMNS
from detector.estimators import FeatureMatrix, TwoStageClassifier


def column(table: np.ndarray, name: str) -> np.ndarray:
    return table[:, CONTEXT_COLUMNS.index(name)]


def test_context_of_one_document():
    r = np.array([0.1, 0.9, 0.95, 0.2, 0.8, 0.05])
    path = np.array([0, 1, 1, 2, 1, 3])
    parent = np.array([0, 1, 1, 1, 1, 2])
    table = context_features(r, path, parent, n_tokens=np.array([2, 40, 60, 5, 30, 3]))
    assert table.shape == (6, len(CONTEXT_COLUMNS))
    assert list(column(table, "r_prev")) == [-1.0, 0.1, 0.9, 0.95, 0.2, 0.8]
    assert list(column(table, "r_next2")) == [0.95, 0.2, 0.8, 0.05, -1.0, -1.0]
    # mean of the *other* blocks on the same path, -1 when a block is alone on its path
    assert column(table, "r_same_path")[1] == pytest.approx((0.95 + 0.8) / 2)
    assert column(table, "r_same_path")[0] == -1.0
    # inside the span of confident blocks (>= 0.5): positions 1..4
    assert list(column(table, "r_inside_span")) == [0, 1, 1, 1, 1, 0]
    # distance to the nearest *other* confident block
    assert list(np.expm1(column(table, "r_dist_confident")).round(6)) == [1, 1, 1, 1, 2, 1]
    # share of the confident tokens after each block: 130 confident tokens in all
    assert column(table, "r_confident_after")[2] == pytest.approx(30 / 130)
    assert column(table, "r_confident_before")[2] == pytest.approx(40 / 130)
    # the run of low blocks (< 0.3) just after the last confident block
    assert np.expm1(column(table, "r_low_run_next")[4]) == pytest.approx(1)


def test_context_keeps_documents_apart():
    r = np.array([0.9, 0.1, 0.9, 0.1])
    docs = np.array([0, 1, 0, 1])
    table = context_for_documents(r, docs, np.zeros(4, int), np.zeros(4, int), np.full(4, 10.0))
    # within document 0 (rows 0 and 2) the neighbour of row 2 is row 0, not row 1
    assert column(table, "r_prev")[2] == 0.9 and column(table, "r_prev")[0] == -1.0
    assert column(table, "r_doc_mean")[1] == pytest.approx(0.1)


def _documents(rng: np.random.Generator, n_docs: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Synthetic feature rows. The body (blocks 8-19) alternates long paragraphs and short
    lines; two short junk lines (22, 24) after it have the same own features as the short body
    lines, so only their neighbours (rejected blocks) tell them apart."""
    rows, labels = [], []
    for d in range(n_docs):
        for i in range(30):
            body = 8 <= i < 20
            short_bodyish = (body and i % 2) or i in (22, 24)
            row = dict.fromkeys(FEATURE_COLUMNS, 0.0)
            row["log_tokens"] = np.log1p(6 if (short_bodyish or not body) else 60)
            row["extractor_overlap"] = 1.0 if (body or short_bodyish) else 0.0
            row["stopword_ratio"] = rng.uniform(0.3, 0.5) if (body or short_bodyish) else rng.uniform(0, 0.1)
            row["doc"], row["group"], row["path"] = f"d{d}", f"d{d}", "body/p" if body else f"box/div{i % 3}"
            rows.append(row)
            labels.append(int(body))
    return pd.DataFrame(rows), np.array(labels)


def test_two_stage_lowers_short_junk_among_rejected_blocks():
    rng = np.random.default_rng(0)
    train, y = _documents(rng, 40)
    matrix = FeatureMatrix(with_keys=True)
    X = matrix.fit(train).transform(train)
    assert X.shape == (len(train), len(FEATURE_COLUMNS) + 4)
    model = TwoStageClassifier({"max_iter": 30, "min_samples_leaf": 5}, inner_folds=4).fit(X, y)
    test, y_test = _documents(rng, 5)
    proba = model.predict_proba(matrix.transform(test.drop(columns=["doc", "group"]).iloc[:30]))[:, 1]
    first = model.stage1_.predict_proba(matrix.transform(test.iloc[:30])[:, : len(FEATURE_COLUMNS)])[:, 1]
    assert proba.shape == (30,) and np.all(proba <= first + 1e-12)  # stage two only lowers
    long_body = slice(8, 20, 2)
    assert np.all(proba[long_body] == first[long_body])  # long blocks keep their first-stage score
    assert first[22] > 0.5 and first[24] > 0.5  # on its own, a short junk line looks like body
    assert proba[22] < 0.3 and proba[24] < 0.3  # among rejected neighbours it does not
    assert np.all(proba[9:20:2] > 0.5)  # short lines inside the body stay


def test_two_stage_needs_the_key_columns():
    model = TwoStageClassifier()
    with pytest.raises(ValueError, match="key columns"):
        model.fit(np.zeros((4, len(FEATURE_COLUMNS))), np.array([0, 1, 0, 1]))


def test_two_stage_fitted_in_threads_is_the_same_model():
    # n_jobs only chooses where stage one and its inner-fold copies are fitted: the seeds, and so
    # every tree and every score, are those of the one-thread fit
    rng = np.random.default_rng(3)
    train, y = _documents(rng, 24)
    matrix = FeatureMatrix(with_keys=True)
    X = matrix.fit(train).transform(train)
    params = {"max_iter": 20, "min_samples_leaf": 5}
    one = TwoStageClassifier(params, inner_folds=3, n_jobs=1).fit(X, y)
    two = TwoStageClassifier(params, inner_folds=3, n_jobs=2).fit(X, y)
    assert np.array_equal(one.predict_proba(X), two.predict_proba(X))
    first = [c.estimator for c in one.stage1_.calibrated_classifiers_]
    again = [c.estimator for c in two.stage1_.calibrated_classifiers_]
    assert [m.n_iter_ for m in first] == [m.n_iter_ for m in again]
    assert two.n_jobs == 2 and one.get_params()["n_jobs"] == 1
