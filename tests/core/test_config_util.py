"""Tests for ``tzrec.utils.config_util``: kwargs, which_msg, load/save, compat steps."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format, text_format

from tzrec.protos import data_pb2, feature_pb2, model_pb2, pipeline_pb2
from tzrec.utils.config_errors import ConfigError
from tzrec.utils.config_util import (
    config_to_kwargs,
    load_pipeline_config,
    parse_pipeline_config,
    save_message,
    which_msg,
)

BASE_CONFIG = """
model_dir: "experiments/small"
train_config {
  sparse_optimizer { adagrad_optimizer { lr: 0.001 } constant_learning_rate {} }
  dense_optimizer { adam_optimizer { lr: 0.001 } constant_learning_rate {} }
  num_epochs: 1
}
feature_configs { raw_feature { feature_name: "int_0" boundaries: [0.5, 1.5] } }
feature_configs { id_feature { feature_name: "cat_0" embedding_dim: 8 num_buckets: 100 } }
model_config {
  feature_groups { group_name: "all" feature_names: ["int_0", "cat_0"] group_type: DEEP }
  deepfm { deep { hidden_units: [8] } final { hidden_units: [4] } }
  metrics { auc {} }
  losses { binary_cross_entropy {} }
}
"""


def _with_data_config(data_config: str) -> str:
    """BASE_CONFIG plus a ``data_config { ... }`` block with the given body."""
    return BASE_CONFIG + f"data_config {{ batch_size: 32 label_fields: 'label' {data_config} }}\n"


def _parse_quietly(text: str, **kwargs: Any) -> pipeline_pb2.EasyRecConfig:
    """parse_pipeline_config, with deprecation warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return parse_pipeline_config(text, **kwargs)


# ----------------------------------------------------------------------------- config_to_kwargs


def test_config_to_kwargs_includes_scalar_defaults() -> None:
    """Unset scalar fields appear with the schema default; set ones with their value."""
    feature = feature_pb2.IdFeature(feature_name="cat_0", embedding_dim=8)
    kwargs = config_to_kwargs(feature)
    assert kwargs["feature_name"] == "cat_0"
    assert kwargs["embedding_dim"] == 8
    assert kwargs["pooling"] == "sum"
    assert kwargs["trainable"] is True
    assert kwargs["num_buckets"] == 0
    assert kwargs["expression"] == ""
    plain = {
        f.name
        for f in feature_pb2.IdFeature.DESCRIPTOR.fields
        if f.containing_oneof is None and (f.is_repeated or f.message_type is None)
    }
    assert set(kwargs) == plain


def test_config_to_kwargs_repeated_as_lists() -> None:
    """Repeated scalars come back as plain lists, empty when unset."""
    raw = text_format.Parse('feature_name: "x" boundaries: [1, 2.5]', feature_pb2.RawFeature())
    kwargs = config_to_kwargs(raw)
    assert kwargs["boundaries"] == [1.0, 2.5]
    assert type(kwargs["boundaries"]) is list
    assert kwargs["sequence_fields"] == []


def test_config_to_kwargs_sub_messages_only_when_set() -> None:
    """Message fields appear (recursively converted) only when set."""
    model = text_format.Parse("deepfm { deep { hidden_units: [8, 4] } }", model_pb2.ModelConfig())
    deepfm = config_to_kwargs(model.deepfm)
    assert "final" not in deepfm
    assert deepfm["deep"]["hidden_units"] == [8, 4]
    assert deepfm["deep"]["use_bn"] is False
    assert isinstance(deepfm["deep"], dict)


def test_config_to_kwargs_enums_by_name_and_repeated_messages() -> None:
    """Enums come back by name; repeated messages as lists of dicts."""
    model = text_format.Parse(
        'feature_groups { group_name: "a" feature_names: ["x", "y"] group_type: WIDE }'
        ' feature_groups { group_name: "b" group_type: DEEP }',
        model_pb2.ModelConfig(),
    )
    groups = config_to_kwargs(model)["feature_groups"]
    assert [(g["group_name"], g["group_type"]) for g in groups] == [("a", "WIDE"), ("b", "DEEP")]
    assert groups[0]["feature_names"] == ["x", "y"]
    assert groups[1]["feature_names"] == []


def test_config_to_kwargs_only_chosen_oneof_member(
    criteo_config: pipeline_pb2.EasyRecConfig,
) -> None:
    """Of a oneof only the chosen member appears; unset messages do not."""
    feature = config_to_kwargs(criteo_config.feature_configs[13])
    assert list(feature) == ["id_feature"]
    assert feature["id_feature"]["feature_name"] == "cat_0"
    assert feature["id_feature"]["num_buckets"] == 40000000

    model = config_to_kwargs(criteo_config.model_config)
    assert "deepfm" in model
    assert not {"dlrm", "multi_tower", "wide_and_deep"} & set(model)
    assert [m for m in model["metrics"]] == [
        {"auc": config_to_kwargs(criteo_config.model_config.metrics[0].auc)}
    ]

    optimizer = config_to_kwargs(criteo_config.train_config.sparse_optimizer)
    assert set(optimizer) == {"adagrad_optimizer", "constant_learning_rate"}
    assert optimizer["adagrad_optimizer"]["lr"] == pytest.approx(0.001)


def test_config_to_kwargs_enum_field_with_default(
    criteo_config: pipeline_pb2.EasyRecConfig,
) -> None:
    """An enum data field is its value name (fg_mode FG_NONE, dataset_type)."""
    data = config_to_kwargs(criteo_config.data_config)
    assert data["fg_mode"] == "FG_NONE"
    assert data["dataset_type"] == "OdpsDataset"
    assert data["batch_size"] == 8192
    assert data["label_fields"] == ["label"]


def test_config_to_kwargs_map_field() -> None:
    """A map field comes back as a plain dict."""
    feature = feature_pb2.IdFeature(feature_name="x")
    feature.vocab_dict["a"] = 2
    assert config_to_kwargs(feature)["vocab_dict"] == {"a": 2}


# ----------------------------------------------------------------------------- which_msg


def test_which_msg_names_message_type(criteo_config: pipeline_pb2.EasyRecConfig) -> None:
    """which_msg returns the chosen member's message type name, not the field name."""
    assert which_msg(criteo_config.model_config, "model") == "DeepFM"
    assert which_msg(criteo_config.train_config.sparse_optimizer, "optimizer") == "AdagradOptimizer"
    assert which_msg(criteo_config.feature_configs[0], "feature") == "RawFeature"
    assert which_msg(criteo_config.feature_configs[13], "feature") == "IdFeature"


def test_which_msg_unset_oneof() -> None:
    """An unset oneof raises ValueError listing the choices."""
    with pytest.raises(ValueError, match=r"FeatureConfig\.feature is not set") as info:
        which_msg(feature_pb2.FeatureConfig(), "feature")
    assert "id_feature" in str(info.value)
    assert "raw_feature" in str(info.value)


def test_which_msg_unknown_oneof() -> None:
    """A oneof name the message lacks raises ValueError naming the real oneofs."""
    with pytest.raises(ValueError, match="ModelConfig has no oneof 'models'") as info:
        which_msg(model_pb2.ModelConfig(), "models")
    assert "model" in str(info.value).split("it has:")[1]


def test_which_msg_message_without_oneofs() -> None:
    """A message with no oneof at all says so."""
    with pytest.raises(ValueError, match="it has: none"):
        which_msg(feature_pb2.IdFeature(), "feature")


# ----------------------------------------------------------------------------- save / load


def test_save_and_load_round_trip(
    criteo_config: pipeline_pb2.EasyRecConfig, tmp_path: Path
) -> None:
    """save_message creates missing folders; load_pipeline_config reads it back equal."""
    target = tmp_path / "not" / "yet" / "there" / "pipeline.config"
    assert not target.parent.exists()
    save_message(criteo_config, str(target))
    assert target.is_file()
    loaded = load_pipeline_config(str(target))
    assert loaded == criteo_config
    assert which_msg(loaded.model_config, "model") == "DeepFM"


def test_save_message_writes_text_proto(tmp_path: Path) -> None:
    """save_message writes UTF-8 text proto of any message type."""
    target = tmp_path / "f.txt"
    save_message(feature_pb2.IdFeature(feature_name="名字", embedding_dim=4), str(target))
    text = target.read_text(encoding="utf-8")
    assert 'feature_name: "名字"' in text
    assert text_format.Parse(text, feature_pb2.IdFeature()).embedding_dim == 4


def test_save_message_into_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bare file name (no folder part) is written in the working directory."""
    monkeypatch.chdir(tmp_path)
    save_message(feature_pb2.RawFeature(feature_name="r"), "raw.config")
    assert (tmp_path / "raw.config").read_text() == 'feature_name: "r"\n'


def test_json_config_loads_equal(criteo_config: pipeline_pb2.EasyRecConfig, tmp_path: Path) -> None:
    """MessageToJson of a parsed config, in a .json file, loads back equal."""
    target = tmp_path / "deepfm.json"
    target.write_text(json_format.MessageToJson(criteo_config), encoding="utf-8")
    assert load_pipeline_config(str(target)) == criteo_config


def test_json_config_with_field_names(tmp_path: Path) -> None:
    """JSON with the proto field names (not camelCase) loads too."""
    config = parse_pipeline_config(BASE_CONFIG)
    target = tmp_path / "small.json"
    target.write_text(
        json_format.MessageToJson(config, preserving_proto_field_name=True), encoding="utf-8"
    )
    assert load_pipeline_config(str(target)) == config


def test_invalid_json_config(tmp_path: Path) -> None:
    """Broken JSON raises ConfigError with the file and line."""
    target = tmp_path / "bad.json"
    target.write_text('{\n  "modelDir": "x",\n}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_pipeline_config(str(target))
    assert info.value.path == str(target)
    assert info.value.line == 3
    assert "invalid JSON" in str(info.value)


def test_missing_config_file(tmp_path: Path) -> None:
    """A path that does not exist raises ConfigError."""
    with pytest.raises(ConfigError, match="does not exist"):
        load_pipeline_config(str(tmp_path / "nope.config"))


# ----------------------------------------------------------------------------- fg_encoded compat


@pytest.mark.parametrize(
    "fg_encoded, expected",
    [("true", data_pb2.FG_NONE), ("false", data_pb2.FG_NORMAL)],
)
def test_fg_encoded_maps_to_fg_mode(fg_encoded: str, expected: int) -> None:
    """Deprecated fg_encoded maps to fg_mode, warns, and is cleared afterwards."""
    text = _with_data_config(f"fg_encoded: {fg_encoded}")
    with pytest.warns(DeprecationWarning, match="fg_encoded is deprecated") as record:
        config = parse_pipeline_config(text)
    assert data_pb2.FgMode.Name(expected) in str(record[0].message)
    assert config.data_config.fg_mode == expected
    assert config.data_config.HasField("fg_mode")
    assert not config.data_config.HasField("fg_encoded")
    assert config.data_config.batch_size == 32


def test_fg_encoded_in_file_names_the_file(tmp_path: Path) -> None:
    """Loading a file with fg_encoded warns with the file name."""
    target = tmp_path / "old.config"
    target.write_text(_with_data_config("fg_encoded: false"), encoding="utf-8")
    with pytest.warns(DeprecationWarning, match=str(target)):
        config = load_pipeline_config(str(target))
    assert config.data_config.fg_mode == data_pb2.FG_NORMAL


def test_fg_encoded_in_json_config(tmp_path: Path) -> None:
    """The compat step runs for JSON configs as well."""
    config = _parse_quietly(_with_data_config(""))
    config.data_config.fg_encoded = True
    target = tmp_path / "old.json"
    target.write_text(json_format.MessageToJson(config), encoding="utf-8")
    with pytest.warns(DeprecationWarning):
        loaded = load_pipeline_config(str(target))
    assert loaded.data_config.fg_mode == data_pb2.FG_NONE
    assert not loaded.data_config.HasField("fg_encoded")


@pytest.mark.parametrize(
    "body, fg_mode_name",
    [
        ("fg_encoded: true fg_mode: FG_NORMAL", "FG_NORMAL"),
        ("fg_encoded: true fg_mode: FG_DAG", "FG_DAG"),
        ("fg_encoded: false fg_mode: FG_NONE", "FG_NONE"),
    ],
)
def test_fg_encoded_contradicting_fg_mode(body: str, fg_mode_name: str) -> None:
    """fg_encoded that contradicts an explicit fg_mode is a ConfigError on the field."""
    with pytest.raises(ConfigError) as info:
        _parse_quietly(_with_data_config(body))
    assert info.value.field_path == "data_config.fg_encoded"
    assert f"contradicts fg_mode={fg_mode_name}" in str(info.value)


@pytest.mark.parametrize(
    "body, expected",
    [
        ("fg_encoded: true fg_mode: FG_NONE", data_pb2.FG_NONE),
        ("fg_encoded: false fg_mode: FG_NORMAL", data_pb2.FG_NORMAL),
        ("fg_encoded: false fg_mode: FG_DAG", data_pb2.FG_DAG),
    ],
)
def test_fg_encoded_agreeing_with_fg_mode(body: str, expected: int) -> None:
    """An explicit fg_mode that agrees with fg_encoded is kept; fg_encoded still warns."""
    with pytest.warns(DeprecationWarning):
        config = parse_pipeline_config(_with_data_config(body))
    assert config.data_config.fg_mode == expected
    assert not config.data_config.HasField("fg_encoded")


def test_no_fg_encoded_no_warning() -> None:
    """Without fg_encoded there is no DeprecationWarning and fg_mode is untouched."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        config = parse_pipeline_config(_with_data_config("fg_mode: FG_DAG"))
    assert config.data_config.fg_mode == data_pb2.FG_DAG


# ----------------------------------------------------------------------------- unknown fields


def test_unknown_field_is_an_error_by_default() -> None:
    """A field the schema lacks raises ConfigError naming it, with a suggestion."""
    with pytest.raises(ConfigError) as info:
        parse_pipeline_config(_with_data_config("batch_sise: 4"))
    assert "unknown field 'batch_sise' in DataConfig" in str(info.value)
    assert "batch_size" in info.value.suggestions
    assert info.value.field_path == "data_config.batch_sise"


def test_allow_unknown_field_drops_it(tmp_path: Path) -> None:
    """allow_unknown_field=True parses the rest and drops the unknown field."""
    target = tmp_path / "newer.config"
    target.write_text(
        _with_data_config("from_the_future: 3 future_block { x: 1 }"), encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="from_the_future"):
        load_pipeline_config(str(target))
    config = load_pipeline_config(str(target), allow_unknown_field=True)
    assert config.data_config.batch_size == 32
    assert list(config.data_config.label_fields) == ["label"]
    assert config == parse_pipeline_config(_with_data_config(""))


def test_allow_unknown_field_in_json(tmp_path: Path) -> None:
    """allow_unknown_field=True also drops unknown keys of a JSON config."""
    target = tmp_path / "newer.json"
    target.write_text('{"modelDir": "m", "dataConfig": {"batchSize": 2, "fooBar": 3}}')
    with pytest.raises(ConfigError, match="unknown field 'fooBar'"):
        load_pipeline_config(str(target))
    config = load_pipeline_config(str(target), allow_unknown_field=True)
    assert config.model_dir == "m"
    assert config.data_config.batch_size == 2
