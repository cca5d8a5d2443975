"""Context of a block's first-stage relevance within its document, for the second stage.

The first model scores each block on its own signals. Junk lines that look like prose (a
sign-up confirmation, a licence note) sit among blocks the first stage already rejects; the
second stage sees each block's first-stage score beside its neighbours', its container's and
where it falls relative to the confident body.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CONTEXT_COLUMNS: tuple[str, ...] = (
    "r", "r_prev", "r_next", "r_prev2", "r_next2", "r_window", "r_max_prev", "r_max_next",
    "r_same_path", "r_same_parent", "r_inside_span", "r_dist_confident", "r_confident_after",
    "r_confident_before", "r_doc_mean", "r_low_run_prev", "r_low_run_next",
)  # fmt: skip
CONFIDENT = 0.5
LOW = 0.3


def _shift(values: np.ndarray, k: int) -> np.ndarray:
    """``values`` moved ``k`` places later (``k < 0``: earlier), padded with -1."""
    out = np.full_like(values, -1.0)
    if k > 0:
        out[k:] = values[:-k]
    elif k < 0:
        out[:k] = values[-k:]
    return out


def _mean_of_others(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Mean of ``values`` over the other members of each element's key group (-1 if alone)."""
    if keys.dtype.kind in "iu" and len(keys) and 0 <= keys.min() and keys.max() < 4 * len(keys):
        # small non-negative codes (one document's first-seen codes): the groups by the codes
        # themselves, without sorting; the same sums (each group's values in the same order)
        inverse, counts = keys, np.bincount(keys)
    else:
        _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=values)
    n = counts[inverse]
    return np.where(n > 1, (sums[inverse] - values) / np.maximum(n - 1, 1), -1.0)


def _distance_to_other(mask: np.ndarray) -> np.ndarray:
    """Blocks from each position to the nearest *other* position where ``mask`` holds."""
    n = len(mask)
    idx = np.flatnonzero(mask)
    if len(idx) == 0:
        return np.full(n, float(n))
    pos = np.arange(n)
    dist = np.full(n, float(n))
    right = np.searchsorted(idx, pos, side="right")  # first marked index > pos
    has_right = right < len(idx)
    dist[has_right] = idx[right[has_right]] - pos[has_right]
    left = np.searchsorted(idx, pos, side="left") - 1  # last marked index < pos
    has_left = left >= 0
    dist[has_left] = np.minimum(dist[has_left], pos[has_left] - idx[left[has_left]])
    return dist


def _window_max(values: np.ndarray, *shifts: int) -> np.ndarray:
    """The largest of ``values`` moved by each of ``shifts`` (-1 where none reaches)."""
    best = np.full_like(values, -np.inf)
    for k in shifts:
        moved = np.full_like(values, -np.inf)
        if k > 0:
            moved[k:] = values[:-k]
        else:
            moved[:k] = values[-k:]
        np.maximum(best, moved, out=best)
    best[best == -np.inf] = -1.0
    return best


def _low_runs(low: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Length of the run of low blocks right before and right after each position."""
    flags = low.tolist()  # element access on Python lists is far cheaper than on arrays
    n = len(flags)
    before, after = [0] * n, [0] * n
    for i in range(1, n):
        before[i] = before[i - 1] + 1 if flags[i - 1] else 0
    for i in range(n - 2, -1, -1):
        after[i] = after[i + 1] + 1 if flags[i + 1] else 0
    return np.array(before, dtype=float), np.array(after, dtype=float)


def context_features(
    relevance: np.ndarray, path_codes: np.ndarray, parent_codes: np.ndarray, n_tokens: np.ndarray
) -> np.ndarray:
    """One row of ``CONTEXT_COLUMNS`` per block of one document, in block order."""
    r = np.asarray(relevance, dtype=float)
    n = len(r)
    if n == 0:
        return np.zeros((0, len(CONTEXT_COLUMNS)))
    pos = np.arange(n)
    cum = np.concatenate([[0.0], np.cumsum(r)])
    lo, hi = np.maximum(0, pos - 3), np.minimum(n, pos + 4)
    window = np.where(hi - lo > 1, (cum[hi] - cum[lo] - r) / np.maximum(hi - lo - 1, 1), -1.0)
    max_prev, max_next = _window_max(r, 1, 2, 3), _window_max(r, -1, -2, -3)
    confident = r >= CONFIDENT
    marked = np.flatnonzero(confident)
    inside = (pos >= marked[0]) & (pos <= marked[-1]) if len(marked) else np.zeros(n, dtype=bool)
    weights = np.asarray(n_tokens, dtype=float)
    confident_weight = weights * confident
    total = confident_weight.sum() or 1.0
    through = np.cumsum(confident_weight)
    low_before, low_after = _low_runs(r < LOW)
    columns = [
        r, _shift(r, 1), _shift(r, -1), _shift(r, 2), _shift(r, -2), window, max_prev, max_next,
        _mean_of_others(r, np.asarray(path_codes)), _mean_of_others(r, np.asarray(parent_codes)),
        inside.astype(float), np.log1p(_distance_to_other(confident)), (total - through) / total,
        (through - confident_weight) / total, np.full(n, float((r * weights).sum() / (weights.sum() or 1.0))),
        np.log1p(low_before), np.log1p(low_after),
    ]  # fmt: skip
    return np.column_stack(columns)


def context_for_documents(
    relevance: np.ndarray, doc_codes: np.ndarray, path_codes: np.ndarray, parent_codes: np.ndarray, n_tokens: np.ndarray
) -> np.ndarray:
    """``context_features`` for rows of many documents (rows of a document kept in order)."""
    if len(doc_codes) and (doc_codes == doc_codes[0]).all():  # one document (scoring a page)
        return context_features(relevance, path_codes, parent_codes, n_tokens)
    out = np.zeros((len(relevance), len(CONTEXT_COLUMNS)))
    for rows in _rows_by_document(doc_codes):
        out[rows] = context_features(relevance[rows], path_codes[rows], parent_codes[rows], n_tokens[rows])
    return out


def _rows_by_document(doc_codes: np.ndarray) -> Sequence[np.ndarray]:
    order = np.argsort(doc_codes, kind="stable")
    bounds = np.flatnonzero(np.diff(doc_codes[order])) + 1
    return np.split(order, bounds)
