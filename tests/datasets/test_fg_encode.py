"""Offline FG: a raw FG_DAG table encoded to FG_NONE gives the same Batches; the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from google.protobuf import text_format
from typer.testing import CliRunner

from tzrec.datasets.dataloader import create_dataloader
from tzrec.datasets.dataset import Mode
from tzrec.datasets.fg_encode import encode_table, encoded_pipeline_config
from tzrec.datasets.synth import synthesize
from tzrec.features.factory import context_from_data_config, create_features
from tzrec.protos import data_pb2, pipeline_pb2
from tzrec.utils.config_util import load_pipeline_config, save_message
from tzrec_cli.app import build_app

RAW_CONFIG = """
data_config {
  batch_size: 64
  dataset_type: ParquetDataset
  fg_mode: FG_DAG
  label_fields: "clk"
  num_workers: 0
}
feature_configs { id_feature { feature_name: "user_id" expression: "user:user_id"
  hash_bucket_size: 1000 embedding_dim: 8 } }
feature_configs { id_feature { feature_name: "cate" expression: "item:cate"
  vocab_list: ["a", "b", "c"] embedding_dim: 8 } }
feature_configs { id_feature { feature_name: "tags" expression: "item:tags"
  hash_bucket_size: 100 embedding_dim: 8 weighted: true } }
feature_configs { raw_feature { feature_name: "price" expression: "item:price"
  normalizer: "method=log10,threshold=1e-10,default=-10" } }
feature_configs { raw_feature { feature_name: "price_bin" expression: "item:price"
  boundaries: [0.5, 1.0, 2.0] embedding_dim: 8 } }
feature_configs { combo_feature { feature_name: "user_cate"
  expression: ["user:user_id", "item:cate"] hash_bucket_size: 500 embedding_dim: 8 } }
feature_configs { lookup_feature { feature_name: "cate_ctr" map: "user:cate_ctr"
  key: "item:cate" } }
feature_configs { sequence_feature { sequence_name: "click" sequence_length: 5
  features { id_feature { feature_name: "cate" expression: "item:cate"
    hash_bucket_size: 100 embedding_dim: 8 } }
  features { raw_feature { feature_name: "price" expression: "item:price" } } } }
"""


def batches(config: pipeline_pb2.EasyRecConfig, path: str) -> list:
    features = create_features(config.feature_configs, context_from_data_config(config.data_config))
    return list(create_dataloader(config.data_config, features, path, mode=Mode.EVAL))


@pytest.fixture()
def raw(tmp_path: Path) -> tuple[pipeline_pb2.EasyRecConfig, str]:
    config = text_format.Parse(RAW_CONFIG, pipeline_pb2.EasyRecConfig())
    result = synthesize(config, str(tmp_path / "raw"), num_rows=200, num_files=2, eval_fraction=0)
    return config, result.train_input_path


def test_encoded_table_gives_the_same_batches(
    tmp_path: Path, raw: tuple[pipeline_pb2.EasyRecConfig, str]
) -> None:
    config, raw_path = raw
    result = encode_table(config, raw_path, str(tmp_path / "encoded"), batch_size=50)
    assert result.num_rows == 200
    assert "clk" in result.columns and "click__cate" in result.columns
    encoded = encoded_pipeline_config(config, str(tmp_path / "encoded" / "*.parquet"))
    assert encoded.data_config.fg_mode == data_pb2.FG_NONE
    want = batches(config, raw_path)
    got = batches(encoded, encoded.train_input_path)
    assert sum(b.batch_size for b in got) == 200
    assert len(want) == len(got)
    for a, b in zip(want, got, strict=True):
        da, db = a.to_dict(), b.to_dict()
        assert da.keys() == db.keys()
        for key in da:
            assert torch.allclose(da[key].double(), db[key].double(), atol=1e-6), key


def test_refuses_an_already_encoded_config(
    tmp_path: Path, raw: tuple[pipeline_pb2.EasyRecConfig, str]
) -> None:
    config, raw_path = raw
    encoded = encoded_pipeline_config(config, raw_path)
    with pytest.raises(ValueError, match="already encoded"):
        encode_table(encoded, raw_path, str(tmp_path / "out"))


def test_cli_fg_run_writes_data_and_config(
    tmp_path: Path, raw: tuple[pipeline_pb2.EasyRecConfig, str]
) -> None:
    config, raw_path = raw
    config.train_input_path = raw_path
    config_path = tmp_path / "raw.config"
    save_message(config, str(config_path))
    out = tmp_path / "enc"
    runner = CliRunner()
    result = runner.invoke(
        build_app(),
        [
            "fg",
            "run",
            "--pipeline_config_path",
            str(config_path),
            "--output_path",
            str(out),
            "--write_config",
            str(tmp_path / "enc.config"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "encoded 200 rows" in result.output
    encoded = load_pipeline_config(str(tmp_path / "enc.config"))
    assert sum(b.batch_size for b in batches(encoded, encoded.train_input_path)) == 200
