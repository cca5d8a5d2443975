"""The features' group means (``overlap_same_path``, ``overlap_same_parent``) are numpy's."""

from __future__ import annotations

import numpy as np

from detector.features import _mean_at


def test_group_means_are_numpys_to_the_bit():
    rng = np.random.default_rng(12)
    values = np.concatenate([rng.random(300), rng.standard_normal(100) * 10.0 ** rng.integers(-300, 300, 100)])
    for size in [1, 2, 3, 7, 8, 9, 15, 16, 17, 100, 400]:
        for _ in range(50):
            idx = [int(i) for i in rng.choice(len(values), size=size, replace=size > len(values))]
            assert _mean_at(values, idx) == float(np.mean(values[idx]))
