from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

# The tests that fit gradient boosting do so on a few thousand rows: OpenMP threads save
# nothing there, and on a loaded 2-core machine libgomp's spinning threads stalled such a test
# for minutes (found by a newcomer's runs: 4 s -> 250-390 s). Set before any test module loads
# scikit-learn's OpenMP runtime; subprocesses the tests start inherit it.
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
AEB = ROOT.parent / "shared" / "data" / "aeb"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def seed_labels() -> list[dict]:
    return [json.loads(line) for line in (SEEDS / "migrant-crisis-labels.jsonl").read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def detector():
    from detector import Detector

    return Detector()


@pytest.fixture(scope="session")
def aeb_dir() -> Path:
    if not (AEB / "ground-truth.json").is_file():
        pytest.skip("../shared/data/aeb is not available")
    return AEB
