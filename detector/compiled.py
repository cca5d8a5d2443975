"""Compiled tree inference: fitted ``HistGradientBoostingClassifier`` trees as one ONNX graph
run by onnxruntime, in float64 so that the raw decision values equal scikit-learn's.

scikit-learn walks its trees one ``predict`` call per tree (150 per booster); onnxruntime's
``TreeEnsemble`` walks them all in one C++ call. Converters (skl2onnx 1.20, onnxmltools) emit
``TreeEnsembleClassifier`` with float32 thresholds for this estimator, which moves relevance by
up to 0.013; so the graph is built here from the fitted trees (``est._predictors[i][0].nodes``)
with the ``ai.onnx.ml`` opset-5 ``TreeEnsemble`` operator, whose splits, leaf weights and
output are float64 (ONNX operator spec, ``ai.onnx.ml.TreeEnsemble``, version 5).

One graph holds any number of binary boosters (the folds of a ``CalibratedClassifierCV`` or a
single classifier): input ``X`` float64 of shape (n_samples, n_features), output ``raw`` float64
of shape (n_samples, n_boosters), column k = booster k's ``decision_function`` (its baseline
plus the sum of its trees). Calibration and the logistic link stay in numpy
(``detector.model``). Building a graph needs the ``onnx`` package; running one needs
``onnxruntime`` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

GRAPH_INPUT = "X"
GRAPH_OUTPUT = "raw"
ML_OPSET = 5  # TreeEnsemble with typed (float64) splits and leaf weights
ONNX_OPSET = 21
IR_VERSION = 10
_BRANCH_LEQ = 0  # TreeEnsemble nodes_modes: x <= split goes to the "true" child


class CompileError(ValueError):
    """The estimator cannot be compiled (not a fitted binary HistGradientBoosting model,
    categorical splits, mismatched feature counts)."""


def _check_booster(est: Any) -> None:
    if not hasattr(est, "_predictors") or not hasattr(est, "_baseline_prediction"):
        raise CompileError(f"{type(est).__name__} is not a fitted HistGradientBoosting estimator")
    if getattr(est, "n_trees_per_iteration_", 1) != 1:
        raise CompileError("only binary classifiers (one tree per iteration) can be compiled")
    if getattr(est, "is_categorical_", None) is not None and np.any(est.is_categorical_):
        raise CompileError("categorical splits are not supported: use scikit-learn's predict")


def tree_ensemble_arrays(boosters: Sequence[Any]) -> dict[str, Any]:
    """The ``TreeEnsemble`` attributes for ``boosters`` (fitted binary HGB classifiers with the
    same number of features), leaf values as float64; tree t of booster k adds to target k.

    HGB's rule at a split node (``_predictor.pyx``): NaN goes where ``missing_go_to_left``
    says, otherwise ``x <= num_threshold`` goes left. Mapped as: left = the "true" child of a
    ``BRANCH_LEQ`` node, ``nodes_missing_value_tracks_true`` = ``missing_go_to_left``."""
    if not boosters:
        raise CompileError("nothing to compile")
    for est in boosters:
        _check_booster(est)
    n_features = {int(est.n_features_in_) for est in boosters}
    if len(n_features) != 1:
        raise CompileError(f"boosters disagree on the number of features: {sorted(n_features)}")
    feat, split, missing_true, roots = [], [], [], []
    true_ids, true_leaf, false_ids, false_leaf = [], [], [], []
    leaf_weights, leaf_target = [], []
    for target, est in enumerate(boosters):
        for (predictor,) in est._predictors:
            nodes = predictor.nodes
            if np.any(nodes["is_categorical"][~nodes["is_leaf"].astype(bool)]):
                raise CompileError("categorical splits are not supported: use scikit-learn's predict")
            # global ids: split nodes and leaves are numbered separately, in the tree's order
            is_leaf = nodes["is_leaf"].astype(bool)
            local = np.where(is_leaf, np.cumsum(is_leaf) - 1, np.cumsum(~is_leaf) - 1)
            node_base, leaf_base = len(feat), len(leaf_weights)
            gid = [int(local[i]) + (leaf_base if is_leaf[i] else node_base) for i in range(len(nodes))]
            leaf_weights += [float(v) for v in nodes["value"][is_leaf]]
            leaf_target += [target] * int(is_leaf.sum())
            if is_leaf[0]:
                # a one-leaf tree: a split whose two children are that leaf
                roots.append(len(feat))
                feat.append(0), split.append(0.0), missing_true.append(1)
                true_ids.append(gid[0]), true_leaf.append(1), false_ids.append(gid[0]), false_leaf.append(1)
                continue
            roots.append(node_base)
            for i in np.flatnonzero(~is_leaf):
                node = nodes[i]
                left, right = int(node["left"]), int(node["right"])
                feat.append(int(node["feature_idx"]))
                split.append(float(node["num_threshold"]))
                missing_true.append(int(node["missing_go_to_left"]))
                true_ids.append(gid[left]), true_leaf.append(int(is_leaf[left]))
                false_ids.append(gid[right]), false_leaf.append(int(is_leaf[right]))
    return {
        "n_features": n_features.pop(),
        "n_targets": len(boosters),
        "baseline": np.array([float(np.ravel(est._baseline_prediction)[0]) for est in boosters]),
        "tree_roots": roots,
        "nodes_featureids": feat,
        "nodes_splits": np.array(split, dtype=np.float64),
        "nodes_modes": np.full(len(feat), _BRANCH_LEQ, dtype=np.uint8),
        "nodes_missing_value_tracks_true": missing_true,
        "nodes_truenodeids": true_ids,
        "nodes_trueleafs": true_leaf,
        "nodes_falsenodeids": false_ids,
        "nodes_falseleafs": false_leaf,
        "leaf_weights": np.array(leaf_weights, dtype=np.float64),
        "leaf_targetids": leaf_target,
    }


def compile_boosters(boosters: Sequence[Any], *, name: str = "boosters") -> bytes:
    """Serialized ONNX model computing the ``decision_function`` of each booster.

    Input ``X``: float64 (n_samples, n_features); output ``raw``: float64
    (n_samples, len(boosters)). Raises CompileError for estimators it cannot represent and
    ImportError when the ``onnx`` package is missing."""
    from onnx import TensorProto, helper, numpy_helper

    a = tree_ensemble_arrays(boosters)
    ensemble = helper.make_node(
        "TreeEnsemble",
        [GRAPH_INPUT],
        ["trees"],
        domain="ai.onnx.ml",
        n_targets=a["n_targets"],
        aggregate_function=1,  # SUM
        post_transform=0,  # NONE
        tree_roots=a["tree_roots"],
        nodes_featureids=a["nodes_featureids"],
        nodes_splits=numpy_helper.from_array(a["nodes_splits"], "nodes_splits"),
        nodes_modes=numpy_helper.from_array(a["nodes_modes"], "nodes_modes"),
        nodes_missing_value_tracks_true=a["nodes_missing_value_tracks_true"],
        nodes_truenodeids=a["nodes_truenodeids"],
        nodes_trueleafs=a["nodes_trueleafs"],
        nodes_falsenodeids=a["nodes_falsenodeids"],
        nodes_falseleafs=a["nodes_falseleafs"],
        leaf_weights=numpy_helper.from_array(a["leaf_weights"], "leaf_weights"),
        leaf_targetids=a["leaf_targetids"],
    )
    add_baseline = helper.make_node("Add", ["trees", "baseline"], [GRAPH_OUTPUT])
    graph = helper.make_graph(
        [ensemble, add_baseline],
        name,
        [helper.make_tensor_value_info(GRAPH_INPUT, TensorProto.DOUBLE, [None, a["n_features"]])],
        [helper.make_tensor_value_info(GRAPH_OUTPUT, TensorProto.DOUBLE, [None, a["n_targets"]])],
        initializer=[numpy_helper.from_array(a["baseline"], "baseline")],
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", ONNX_OPSET), helper.make_opsetid("ai.onnx.ml", ML_OPSET)],
        producer_name="detector.compiled",
    )
    model.ir_version = IR_VERSION
    return model.SerializeToString()


class CompiledBoosters:
    """An onnxruntime session over a graph from ``compile_boosters``, on one intra-op thread
    (a page is a few hundred rows: threads cost more than they save, and batch cleaning runs
    one worker per core)."""

    def __init__(self, model: bytes | str | Path) -> None:
        import onnxruntime as ort

        self.model = model if isinstance(model, bytes) else Path(model).read_bytes()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self.session = ort.InferenceSession(self.model, options, providers=["CPUExecutionProvider"])
        shape = self.session.get_inputs()[0].shape
        self.n_features = shape[1] if isinstance(shape[1], int) else None

    def __reduce__(self) -> tuple[Any, ...]:
        # a session cannot be pickled: send the graph and rebuild it (worker processes)
        return (CompiledBoosters, (self.model,))

    def raw(self, X: np.ndarray) -> np.ndarray:
        """Raw decision values, float64 (n_samples, n_boosters), for X (n_samples, n_features)."""
        X = np.ascontiguousarray(X, dtype=np.float64)
        if self.n_features is not None and X.shape[1] != self.n_features:
            raise ValueError(f"compiled trees expect {self.n_features} features, got {X.shape[1]}")
        return self.session.run([GRAPH_OUTPUT], {GRAPH_INPUT: X})[0]


def onnxruntime_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True
