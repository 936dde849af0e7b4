"""Review: DeepFM's variants and RankModel's config errors, by hand-computed values."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

from tzrec.datasets.dataloader import create_dataloader
from tzrec.datasets.dataset import Mode
from tzrec.engine.run_config import build_features, load_run_config
from tzrec.models.factory import create_model
from tzrec.protos import pipeline_pb2
from tzrec.utils.config_errors import ConfigError
from tzrec_models.rank.deepfm import DeepFM


def _load(path: str) -> pipeline_pb2.EasyRecConfig:
    return load_run_config(path).config


def test_deepfm_without_final_and_fm_group_sums_the_three_parts(
    make_config: Callable[..., str],
) -> None:
    config = _load(make_config())
    config.model_config.deepfm.ClearField("final")
    del config.model_config.feature_groups[1]  # the "fm" group: the FM uses "deep"
    features = build_features(config)
    model = create_model(config.model_config, features, ["label"])
    assert isinstance(model, DeepFM)
    model.eval()
    loader = create_dataloader(config.data_config, features, config.train_input_path, Mode.EVAL)
    batch = next(iter(loader))
    with torch.no_grad():
        logits = model.predict(batch)["logits"]
        grouped = model.embedding_group(batch)
        rows = grouped["wide"].shape[0]
        first_order = grouped["wide"].sum(dim=1)  # every wide embedding value, summed
        fields = grouped["deep"].reshape(rows, 7, 8)
        sum_sq = fields.sum(dim=1) ** 2
        sq_sum = (fields**2).sum(dim=1)
        second_order = 0.5 * (sum_sq - sq_sum).sum(dim=1)
        deep = model.output(model.deep(grouped["deep"])).reshape(-1)
    assert grouped["wide"].shape[1] == 7 * 4  # wide_embedding_dim 4 per feature
    torch.testing.assert_close(logits, first_order + second_order + deep)


def test_a_ranking_model_without_losses_names_the_field(
    make_config: Callable[..., str],
) -> None:
    config = _load(make_config())
    config.model_config.ClearField("losses")
    with pytest.raises(ConfigError, match=r"model_config\.losses"):
        create_model(config.model_config, build_features(config), ["label"])


def test_deepfm_without_deep_names_the_field(make_config: Callable[..., str]) -> None:
    config = _load(make_config())
    config.model_config.deepfm.ClearField("deep")
    with pytest.raises(ConfigError, match=r"deepfm\.deep"):
        create_model(config.model_config, build_features(config), ["label"])
