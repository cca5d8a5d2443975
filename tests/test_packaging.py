"""The distribution is ours: install lines never name `detector` on PyPI (another project)."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INSTALL = re.compile(r"pip install\s+(?:-[-\w]+\s+)*['\"]?([^\s'\"]+)")


def test_distribution_name_keeps_package_and_command():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["name"] == "boilerplate-detector"
    assert project["scripts"] == {"detector": "detector.cli:main"}
    dist = metadata.distribution("boilerplate-detector")
    assert any(str(f).endswith("detector/__init__.py") or "__editable__" in str(f) for f in dist.files or [])
    extras = set(project["optional-dependencies"])
    assert {"dask", "adapters", "datatrove", "datasets", "polars", "langchain", "llamaindex", "scrapy"} <= extras


def test_no_install_line_names_the_foreign_detector_distribution():
    texts = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "detector").rglob("*.py"))]
    bad = []
    for path in texts:
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            for target in INSTALL.findall(line):
                if re.fullmatch(r"detector(\[.*\])?", target):
                    bad.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not bad, bad


def test_license_is_an_spdx_expression_with_its_text_shipped():
    """PEP 639: ``license`` is an SPDX expression (setuptools deprecates the ``{text = ...}``
    table and will refuse it) and the licence's text ships in the distribution."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    project = pyproject["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert "MIT License" in (ROOT / "LICENSE").read_text("utf-8")
    assert any(r.startswith("setuptools>=") and int(r.split(">=")[1].split(".")[0]) >= 77
               for r in pyproject["build-system"]["requires"])
    assert metadata.metadata("boilerplate-detector").get("License-Expression") == "MIT"
