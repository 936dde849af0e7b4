"""Shared fixtures: where the repo, its example configs and the compat corpus are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tzrec.protos import pipeline_pb2
from tzrec.utils.config_util import load_pipeline_config

REPO_ROOT = Path(__file__).resolve().parent.parent


def compat_root() -> Path:
    """TorchEasyRec's published configs and docs: ``../shared/compat`` beside the repo.

    ``TZREC_COMPAT_DIR`` overrides the location. A missing corpus is an error, not a
    skip: the compatibility tests are the point of the schema.
    """
    root = Path(os.environ.get("TZREC_COMPAT_DIR", REPO_ROOT.parent / "shared" / "compat"))
    if not (root / "configs").is_dir():
        raise FileNotFoundError(
            f"compat corpus not found at {root}; set TZREC_COMPAT_DIR to the folder "
            "holding TorchEasyRec's configs/ and docs/"
        )
    return root


def compat_configs() -> list[Path]:
    """Every TorchEasyRec example config in the compat corpus."""
    return sorted((compat_root() / "configs").glob("*.config"))


@pytest.fixture
def compat_dir() -> Path:
    """The compat corpus folder (configs/, docs/)."""
    return compat_root()


@pytest.fixture
def deepfm_config_path() -> Path:
    """TorchEasyRec's DeepFM-on-Criteo example config."""
    return compat_root() / "configs" / "deepfm_criteo.config"


@pytest.fixture
def criteo_config() -> pipeline_pb2.EasyRecConfig:
    """The DeepFM-on-Criteo config, parsed: int_0..int_12 raw, cat_0..cat_25 id features."""
    return load_pipeline_config(str(compat_root() / "configs" / "deepfm_criteo.config"))


@pytest.fixture
def repo_root() -> Path:
    """The repository root."""
    return REPO_ROOT
