"""The synthetic data's oracle AUC: exact rank AUC of the planted logit."""

from __future__ import annotations

import numpy as np
import pytest

from tzrec.datasets.synth import synthesize
from tzrec.datasets.synth.labels import rank_auc
from tzrec.utils.config_util import load_pipeline_config


def test_rank_auc_hand_cases() -> None:
    assert rank_auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])) == 0.75
    # A tie between a positive and a negative counts one half.
    assert rank_auc(np.array([0.5, 0.5]), np.array([0, 1])) == 0.5
    assert rank_auc(np.array([1.0, 2.0, 2.0, 3.0]), np.array([0, 1, 0, 1])) == 0.875
    assert np.isnan(rank_auc(np.array([1.0, 2.0]), np.array([1, 1])))


def test_oracle_auc_reported_for_eval_split(tmp_path, repo_root) -> None:
    config = load_pipeline_config(str(repo_root / "examples/configs/deepfm_synthetic.config"))
    result = synthesize(config, str(tmp_path), num_rows=4000, num_files=1, seed=3)
    assert result.oracle_auc is not None
    # The planted signal is strong but noisy: well above chance, well below 1.
    assert 0.75 < result.oracle_auc < 0.95
    again = synthesize(config, str(tmp_path / "again"), num_rows=4000, num_files=1, seed=3)
    assert again.oracle_auc == pytest.approx(result.oracle_auc)
