"""predict()'s argument handling: column lists, the dataset type override."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.predict.conftest import Trained, assert_nothing_committed
from tzrec.engine.predict import _data_config, column_names, predict
from tzrec.plugins import UnknownPluginNameError
from tzrec.protos import data_pb2


def test_column_names_from_text_or_lists() -> None:
    assert column_names("user_id, item_id,,label ") == ["user_id", "item_id", "label"]
    assert column_names(["a", " b "]) == ["a", "b"]
    assert column_names("") == [] and column_names(None) == []


def test_dataset_type_override_picks_an_enum_value_or_a_plugin() -> None:
    base = data_pb2.DataConfig(dataset_type=data_pb2.ParquetDataset, plugin_dataset_type="X")
    csv = _data_config(base, "CsvDataset")
    assert csv.dataset_type == data_pb2.CsvDataset and not csv.HasField("plugin_dataset_type")
    plugin = _data_config(base, "MyLakeDataset")
    assert plugin.plugin_dataset_type == "MyLakeDataset"
    assert _data_config(base, None) == base
    assert base.plugin_dataset_type == "X"  # the original is left alone


def test_an_unknown_dataset_type_is_named(trained: Trained, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(UnknownPluginNameError, match="NoSuchDataset"):
        predict(
            trained.input_glob,
            str(out),
            pipeline_config_path=trained.pipeline_config_path,
            dataset_type="NoSuchDataset",
        )
    assert_nothing_committed(out)


def test_an_unknown_writer_type_is_named(trained: Trained, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(UnknownPluginNameError, match="NoSuchWriter"):
        predict(
            trained.input_glob,
            str(out),
            pipeline_config_path=trained.pipeline_config_path,
            writer_type="NoSuchWriter",
            num_workers=0,
        )
    assert_nothing_committed(out)
