"""Tests for ``tzrec.utils.config_edit.edit_config`` (``--edit_config_json`` edits).

The module docstring of ``config_edit`` is the spec: dot paths, indexes, slices,
conditional selectors, value conversion and the error cases pinned here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from google.protobuf import text_format

from tzrec.protos import data_pb2, model_pb2, pipeline_pb2
from tzrec.utils.config_edit import edit_config, split_path
from tzrec.utils.config_errors import ConfigEditError
from tzrec.utils.config_util import parse_pipeline_config

SMALL_CONFIG = """
model_dir: "experiments/small"
train_config {
  sparse_optimizer { adagrad_optimizer { lr: 0.001 } constant_learning_rate {} }
  dense_optimizer { adam_optimizer { lr: 0.001 } constant_learning_rate {} }
  num_epochs: 1
}
data_config { batch_size: 32 fg_mode: FG_NONE label_fields: "label" }
feature_configs { raw_feature { feature_name: "int_0" boundaries: [0.5, 1.5] } }
feature_configs { id_feature { feature_name: "cat_0" embedding_dim: 8 num_buckets: 100 } }
feature_configs {
  id_feature { feature_name: "cat_1" embedding_dim: 16 hash_bucket_size: 1000 }
}
feature_configs { id_feature { feature_name: "cat_2" embedding_dim: 32 num_buckets: 5000 } }
model_config {
  feature_groups { group_name: "wide" feature_names: ["cat_0", "cat_1"] group_type: WIDE }
  feature_groups {
    group_name: "deep"
    feature_names: ["int_0", "cat_0", "cat_1", "cat_2"]
    group_type: DEEP
  }
  deepfm { deep { hidden_units: [8] } final { hidden_units: [4] } }
  metrics { auc {} }
  losses { binary_cross_entropy {} }
}
"""


@pytest.fixture
def small() -> pipeline_pb2.EasyRecConfig:
    """A four-feature DeepFM config: int_0 (raw), cat_0/cat_1/cat_2 (id, dims 8/16/32)."""
    return parse_pipeline_config(SMALL_CONFIG)


def _edited(
    config: pipeline_pb2.EasyRecConfig, edits: dict[str, Any]
) -> pipeline_pb2.EasyRecConfig:
    """Apply ``edits`` and check edit_config returns the very message it changed."""
    result = edit_config(config, edits)
    assert result is config
    return result


def _feature(config: pipeline_pb2.EasyRecConfig, index: int) -> Any:
    """The chosen oneof member (id_feature, raw_feature, ...) of feature ``index``."""
    fc = config.feature_configs[index]
    return getattr(fc, fc.WhichOneof("feature"))


def _dims(config: pipeline_pb2.EasyRecConfig) -> dict[str, int]:
    """feature_name -> embedding_dim of every feature."""
    return {
        _feature(config, i).feature_name: _feature(config, i).embedding_dim
        for i in range(len(config.feature_configs))
    }


def _kinds(config: pipeline_pb2.EasyRecConfig) -> list[str]:
    """The oneof member chosen by each feature config, in order."""
    return [fc.WhichOneof("feature") for fc in config.feature_configs]


# ----------------------------------------------------------------------------- paths


def test_split_path_keeps_dots_and_brackets_inside_selectors() -> None:
    """split_path splits on top-level dots only; selectors stay whole."""
    assert split_path("a.b[x.y=1.5].c") == [("a", None), ("b", "x.y=1.5"), ("c", None)]
    assert split_path("f[input_names[0]=a].g") == [("f", "input_names[0]=a"), ("g", None)]


def test_top_level_scalar(small: pipeline_pb2.EasyRecConfig) -> None:
    """A bare field name sets a top-level string field."""
    _edited(small, {"model_dir": "experiments/run2"})
    assert small.model_dir == "experiments/run2"


def test_dot_path_into_sub_message(small: pipeline_pb2.EasyRecConfig) -> None:
    """Dot paths reach nested scalar fields; other fields are untouched."""
    _edited(small, {"train_config.num_epochs": 2})
    assert small.train_config.num_epochs == 2
    assert small.train_config.sparse_optimizer.adagrad_optimizer.lr == pytest.approx(0.001)


def test_several_edits_apply_in_one_call(criteo_config: pipeline_pb2.EasyRecConfig) -> None:
    """All keys of one edit dict are applied."""
    _edited(
        criteo_config,
        {"model_dir": "x", "data_config.batch_size": 1024, "eval_config.num_steps": 5},
    )
    assert (criteo_config.model_dir, criteo_config.data_config.batch_size) == ("x", 1024)
    assert criteo_config.eval_config.num_steps == 5


# ----------------------------------------------------------------------------- indexes


@pytest.mark.parametrize(
    "value, expected",
    [
        ([4, 5, 6, 7], [4.0, 5.0, 6.0, 7.0]),
        ("[1,2]", [1.0, 2.0]),
        ("1,2", [1.0, 2.0]),
        ("[0.25, 3]", [0.25, 3.0]),
        ("7", [7.0]),
    ],
)
def test_index_sets_repeated_scalar_from_list_forms(
    criteo_config: pipeline_pb2.EasyRecConfig, value: Any, expected: list[float]
) -> None:
    """A repeated float field takes a JSON list, a "[1,2]" string or a "1,2" string."""
    _edited(criteo_config, {"feature_configs[0].raw_feature.boundaries": value})
    assert list(criteo_config.feature_configs[0].raw_feature.boundaries) == expected
    assert criteo_config.feature_configs[0].raw_feature.feature_name == "int_0"
    assert list(criteo_config.feature_configs[1].raw_feature.boundaries) == []


def test_repeated_scalar_is_replaced_not_appended(small: pipeline_pb2.EasyRecConfig) -> None:
    """Setting a repeated field replaces the old elements."""
    _edited(small, {"feature_configs[0].raw_feature.boundaries": [9]})
    assert list(small.feature_configs[0].raw_feature.boundaries) == [9.0]


def test_negative_index_counts_from_end(criteo_config: pipeline_pb2.EasyRecConfig) -> None:
    """[-1] is the last element (cat_25)."""
    _edited(criteo_config, {"feature_configs[-1].id_feature.embedding_dim": 4})
    assert criteo_config.feature_configs[-1].id_feature.feature_name == "cat_25"
    assert criteo_config.feature_configs[-1].id_feature.embedding_dim == 4
    assert criteo_config.feature_configs[-2].id_feature.embedding_dim == 16


@pytest.mark.parametrize("index", [39, 100, -40])
def test_index_out_of_range_is_an_error(
    criteo_config: pipeline_pb2.EasyRecConfig, index: int
) -> None:
    """An index past either end raises ConfigEditError naming the key and the size."""
    key = f"feature_configs[{index}].id_feature.embedding_dim"
    with pytest.raises(ConfigEditError, match=r"out of range \(39 elements\)") as info:
        edit_config(criteo_config, {key: 4})
    assert key in str(info.value)


def test_index_into_repeated_scalar(criteo_config: pipeline_pb2.EasyRecConfig) -> None:
    """feature_names[0] sets one element of a repeated string field."""
    _edited(criteo_config, {"model_config.feature_groups[0].feature_names[0]": "cat_renamed"})
    names = list(criteo_config.model_config.feature_groups[0].feature_names)
    assert names[0] == "cat_renamed"
    assert names[1:3] == ["cat_1", "cat_2"]
    assert len(names) == 26


def test_negative_index_into_repeated_scalar(small: pipeline_pb2.EasyRecConfig) -> None:
    """feature_names[-1] sets the last element of a repeated string field."""
    _edited(small, {"model_config.feature_groups[group_name=deep].feature_names[-1]": "x"})
    assert list(small.model_config.feature_groups[1].feature_names) == [
        "int_0",
        "cat_0",
        "cat_1",
        "x",
    ]


def test_slice_of_repeated_scalar(small: pipeline_pb2.EasyRecConfig) -> None:
    """A slice of a repeated scalar field sets each selected element."""
    _edited(small, {"model_config.feature_groups[1].feature_names[1:3]": "z"})
    assert list(small.model_config.feature_groups[1].feature_names) == [
        "int_0",
        "z",
        "z",
        "cat_2",
    ]


def test_repeated_scalar_index_out_of_range(small: pipeline_pb2.EasyRecConfig) -> None:
    """An index past the end of a repeated scalar field is a ConfigEditError."""
    with pytest.raises(ConfigEditError, match="out of range"):
        edit_config(small, {"model_config.feature_groups[0].feature_names[2]": "x"})


def test_condition_on_repeated_scalar_is_an_error(small: pipeline_pb2.EasyRecConfig) -> None:
    """A field=value selector on plain values is a ConfigEditError, not a crash."""
    with pytest.raises(ConfigEditError, match="index or a slice"):
        edit_config(small, {"model_config.feature_groups[0].feature_names[feature_name=a]": "x"})


# ----------------------------------------------------------------------------- slices


def test_slice_applies_to_each_selected_element(criteo_config: pipeline_pb2.EasyRecConfig) -> None:
    """[14:16] edits elements 14 and 15 only (cat_1, cat_2); a string value converts."""
    _edited(criteo_config, {"feature_configs[14:16].id_feature.embedding_dim": "12"})
    dims = _dims(criteo_config)
    assert (dims["cat_0"], dims["cat_1"], dims["cat_2"], dims["cat_3"]) == (16, 12, 12, 16)


def test_open_and_negative_slices(small: pipeline_pb2.EasyRecConfig) -> None:
    """[-2:] selects the last two elements."""
    _edited(small, {"feature_configs[-2:].id_feature.embedding_dim": 4})
    assert _dims(small) == {"int_0": 0, "cat_0": 8, "cat_1": 4, "cat_2": 4}


def test_full_slice_applies_to_every_element(small: pipeline_pb2.EasyRecConfig) -> None:
    """[:] applies the rest of the path to every element of the chosen oneof member."""
    _edited(small, {"feature_configs[:].id_feature.embedding_dim": 8})
    assert _dims(small) == {"int_0": 0, "cat_0": 8, "cat_1": 8, "cat_2": 8}


def test_full_slice_keeps_other_oneof_members(criteo_config: pipeline_pb2.EasyRecConfig) -> None:
    """[:].id_feature.x skips raw features instead of turning them into bare id features."""
    _edited(criteo_config, {"feature_configs[:].id_feature.embedding_dim": 8})
    assert _kinds(criteo_config) == ["raw_feature"] * 13 + ["id_feature"] * 26
    assert criteo_config.feature_configs[0].raw_feature.feature_name == "int_0"
    assert all(
        criteo_config.feature_configs[i].id_feature.embedding_dim == 8 for i in range(13, 39)
    )
    assert criteo_config.feature_configs[13].id_feature.num_buckets == 40000000


def test_path_through_unchosen_oneof_member_is_an_error(
    criteo_config: pipeline_pb2.EasyRecConfig,
) -> None:
    """feature_configs[0] is a raw feature: .id_feature.x raises and leaves it unchanged."""
    before = criteo_config.feature_configs[0].SerializeToString()
    with pytest.raises(ConfigEditError, match="set to 'raw_feature'"):
        edit_config(criteo_config, {"feature_configs[0].id_feature.embedding_dim": 8})
    assert criteo_config.feature_configs[0].SerializeToString() == before


def test_whole_message_switches_oneof(small: pipeline_pb2.EasyRecConfig) -> None:
    """Setting a oneof member as a whole message switches the oneof."""
    _edited(small, {"train_config.sparse_optimizer.adam_optimizer": {"lr": 0.01}})
    optimizer = small.train_config.sparse_optimizer
    assert optimizer.WhichOneof("optimizer") == "adam_optimizer"
    assert optimizer.adam_optimizer.lr == pytest.approx(0.01)


def test_empty_slice_changes_nothing(small: pipeline_pb2.EasyRecConfig) -> None:
    """A slice selecting no element is a no-op."""
    before = small.SerializeToString()
    _edited(small, {"feature_configs[10:20].id_feature.embedding_dim": 4})
    assert small.SerializeToString() == before


def test_slice_as_last_component_replaces_each_message(
    small: pipeline_pb2.EasyRecConfig,
) -> None:
    """feature_configs[1:3] with a dict value replaces those two elements whole."""
    _edited(small, {"feature_configs[1:3]": {"id_feature": {"feature_name": "same"}}})
    assert [_feature(small, i).feature_name for i in range(4)] == [
        "int_0",
        "same",
        "same",
        "cat_2",
    ]
    assert small.feature_configs[1].id_feature.embedding_dim == 0


# ----------------------------------------------------------------------------- conditions


def test_condition_finds_key_inside_chosen_oneof_member(
    criteo_config: pipeline_pb2.EasyRecConfig,
) -> None:
    """[feature_name=cat_0] matches id_feature.feature_name; only cat_0 changes."""
    _edited(criteo_config, {"feature_configs[feature_name=cat_0].id_feature.embedding_dim": 32})
    dims = _dims(criteo_config)
    assert dims["cat_0"] == 32
    assert {name: dim for name, dim in dims.items() if name != "cat_0" and dim} == {
        f"cat_{i}": 16 for i in range(1, 26)
    }


def test_condition_with_quoted_value(small: pipeline_pb2.EasyRecConfig) -> None:
    """Quotes around the wanted value are stripped."""
    _edited(small, {"feature_configs[feature_name='cat_1'].id_feature.embedding_dim": 3})
    assert _dims(small)["cat_1"] == 3


def test_condition_on_raw_feature(criteo_config: pipeline_pb2.EasyRecConfig) -> None:
    """A condition picks a raw feature too (key looked up in raw_feature)."""
    _edited(criteo_config, {"feature_configs[feature_name=int_3].raw_feature.boundaries": [1, 2]})
    assert list(criteo_config.feature_configs[3].raw_feature.boundaries) == [1.0, 2.0]
    assert list(criteo_config.feature_configs[2].raw_feature.boundaries) == []


def test_condition_with_dotted_key(small: pipeline_pb2.EasyRecConfig) -> None:
    """The condition key may be an explicit path (id_feature.feature_name)."""
    _edited(small, {"feature_configs[id_feature.feature_name=cat_2].id_feature.num_buckets": 7})
    assert small.feature_configs[3].id_feature.num_buckets == 7


def test_condition_key_with_index(small: pipeline_pb2.EasyRecConfig) -> None:
    """The condition key may index a repeated field (boundaries[1])."""
    _edited(small, {"feature_configs[boundaries[1]=1.5].raw_feature.embedding_dim": 6})
    assert small.feature_configs[0].raw_feature.embedding_dim == 6


def test_condition_key_naming_whole_repeated_field(small: pipeline_pb2.EasyRecConfig) -> None:
    """Comparing a whole repeated field is a ConfigEditError that suggests an index."""
    with pytest.raises(ConfigEditError, match=r"boundaries\[0\]"):
        edit_config(small, {"feature_configs[boundaries>1].raw_feature.embedding_dim": 6})


def test_not_equal_condition(small: pipeline_pb2.EasyRecConfig) -> None:
    """[feature_name!=cat_0] selects every other feature with that member."""
    _edited(small, {"feature_configs[feature_name!=cat_0].id_feature.embedding_dim": 2})
    assert _dims(small) == {"int_0": 0, "cat_0": 8, "cat_1": 2, "cat_2": 2}
    assert _kinds(small) == ["raw_feature", "id_feature", "id_feature", "id_feature"]


@pytest.mark.parametrize(
    "condition, expected",
    [
        ("embedding_dim>16", {"cat_0": 8, "cat_1": 16, "cat_2": 1}),
        ("embedding_dim>=16", {"cat_0": 8, "cat_1": 1, "cat_2": 1}),
        ("embedding_dim<16", {"cat_0": 1, "cat_1": 16, "cat_2": 32}),
        ("embedding_dim<=16", {"cat_0": 1, "cat_1": 1, "cat_2": 32}),
        ("embedding_dim = 16", {"cat_0": 8, "cat_1": 1, "cat_2": 32}),
    ],
)
def test_numeric_comparisons(
    small: pipeline_pb2.EasyRecConfig, condition: str, expected: dict[str, int]
) -> None:
    """Numeric fields compare as numbers (not as strings: "8" > "16" lexically)."""
    _edited(small, {f"feature_configs[{condition}].id_feature.embedding_dim": 1})
    dims = _dims(small)
    assert {name: dims[name] for name in expected} == expected
    assert _kinds(small)[0] == "raw_feature"


def test_numeric_comparison_on_uint64(criteo_config: pipeline_pb2.EasyRecConfig) -> None:
    """num_buckets > 1000000 selects exactly the large-vocabulary features."""
    large = {
        fc.id_feature.feature_name
        for fc in criteo_config.feature_configs
        if fc.WhichOneof("feature") == "id_feature" and fc.id_feature.num_buckets > 1000000
    }
    assert large  # the shared config has such features
    _edited(criteo_config, {"feature_configs[num_buckets>1000000].id_feature.embedding_dim": 64})
    dims = _dims(criteo_config)
    assert {name for name, dim in dims.items() if dim == 64} == large
    assert {name for name, dim in dims.items() if dim == 16} == {
        f"cat_{i}" for i in range(26)
    } - large


def test_numeric_condition_with_bad_value(small: pipeline_pb2.EasyRecConfig) -> None:
    """A non-numeric value compared to a numeric field is a ConfigEditError."""
    with pytest.raises(ConfigEditError, match="embedding_dim"):
        edit_config(small, {"feature_configs[embedding_dim>big].id_feature.embedding_dim": 1})


def test_condition_on_group_name(criteo_config: pipeline_pb2.EasyRecConfig) -> None:
    """A condition on a plain field of the element (group_name) selects the group."""
    _edited(criteo_config, {"model_config.feature_groups[group_name=deep].feature_names": []})
    groups = {
        g.group_name: list(g.feature_names) for g in criteo_config.model_config.feature_groups
    }
    assert groups["deep"] == []
    assert len(groups["wide"]) == len(groups["fm"]) == 26


def test_condition_on_enum_by_name(small: pipeline_pb2.EasyRecConfig) -> None:
    """An enum field in a condition compares by value name."""
    _edited(small, {"model_config.feature_groups[group_type=WIDE].group_name": "w"})
    assert [g.group_name for g in small.model_config.feature_groups] == ["w", "deep"]


def test_condition_matching_nothing_is_an_error(criteo_config: pipeline_pb2.EasyRecConfig) -> None:
    """A selector that matches no element raises and names the selector."""
    key = "feature_configs[feature_name=nope].id_feature.embedding_dim"
    with pytest.raises(ConfigEditError, match=r"no element matches \[feature_name=nope\]"):
        edit_config(criteo_config, {key: 4})


def test_unreadable_selector_is_an_error(small: pipeline_pb2.EasyRecConfig) -> None:
    """A selector that is neither index, slice nor condition is a ConfigEditError."""
    with pytest.raises(ConfigEditError, match=r"cannot read the selector \[cat_0\]"):
        edit_config(small, {"feature_configs[cat_0].id_feature.embedding_dim": 4})


def test_selector_on_non_repeated_field_is_an_error(small: pipeline_pb2.EasyRecConfig) -> None:
    """A [..] selector on a singular field is a ConfigEditError."""
    with pytest.raises(ConfigEditError, match="'train_config' is not repeated"):
        edit_config(small, {"train_config[0].num_epochs": 4})


# ----------------------------------------------------------------------------- conversion


def test_string_to_int(small: pipeline_pb2.EasyRecConfig) -> None:
    """The string "3" converts to the integer 3 for a uint32 field."""
    _edited(small, {"train_config.num_epochs": "3"})
    assert small.train_config.num_epochs == 3


def test_whole_float_to_int(small: pipeline_pb2.EasyRecConfig) -> None:
    """A whole float (JSON 4.0) converts to an integer field."""
    _edited(small, {"data_config.batch_size": 4.0})
    assert small.data_config.batch_size == 4


def test_string_to_float(small: pipeline_pb2.EasyRecConfig) -> None:
    """A numeric string converts for a float field."""
    _edited(small, {"train_config.sparse_optimizer.adagrad_optimizer.lr": "0.5"})
    assert small.train_config.sparse_optimizer.adagrad_optimizer.lr == pytest.approx(0.5)


@pytest.mark.parametrize(
    "value, expected",
    [("true", True), ("false", False), ("True", True), ("FALSE", False), (True, True)],
)
def test_bool_conversion(small: pipeline_pb2.EasyRecConfig, value: Any, expected: bool) -> None:
    """Strings "true"/"false" (any case) and JSON booleans set a bool field."""
    small.model_config.deepfm.deep.use_bn = not expected
    _edited(small, {"model_config.deepfm.deep.use_bn": value})
    assert small.model_config.deepfm.deep.use_bn is expected


def test_enum_by_name(small: pipeline_pb2.EasyRecConfig) -> None:
    """An enum value name (FG_DAG) sets the enum field."""
    _edited(small, {"data_config.fg_mode": "FG_DAG"})
    assert small.data_config.fg_mode == data_pb2.FG_DAG


def test_enum_by_number(small: pipeline_pb2.EasyRecConfig) -> None:
    """A valid enum number sets the enum field too."""
    _edited(small, {"data_config.fg_mode": int(data_pb2.FG_NORMAL)})
    assert small.data_config.fg_mode == data_pb2.FG_NORMAL


def test_number_to_string_field(small: pipeline_pb2.EasyRecConfig) -> None:
    """A JSON number given for a string field is written as its JSON text."""
    _edited(small, {"model_dir": 7})
    assert small.model_dir == "7"


@pytest.mark.parametrize(
    "key, value, field_name",
    [
        ("train_config.num_epochs", "three", "num_epochs"),
        ("train_config.num_epochs", 2.5, "num_epochs"),
        ("train_config.num_epochs", -1, "num_epochs"),
        ("train_config.num_epochs", 2**32, "num_epochs"),
        ("train_config.num_epochs", [1], "num_epochs"),
        ("model_config.deepfm.deep.use_bn", "maybe", "use_bn"),
        ("data_config.fg_mode", "FG_WHATEVER", "fg_mode"),
        ("data_config.fg_mode", 99, "fg_mode"),
        ("train_config.sparse_optimizer.adagrad_optimizer.lr", "fast", "lr"),
        ("feature_configs[0].raw_feature.boundaries", "1,x", "boundaries"),
        ("model_config.deepfm.deep.hidden_units", [8, -4], "hidden_units"),
    ],
)
def test_bad_value_names_the_key(
    small: pipeline_pb2.EasyRecConfig, key: str, value: Any, field_name: str
) -> None:
    """A value that does not convert raises ConfigEditError naming key and field."""
    with pytest.raises(ConfigEditError) as info:
        edit_config(small, {key: value})
    message = str(info.value)
    assert f"edit key '{key}'" in message
    assert f"bad value for {field_name}" in message


def test_bad_enum_lists_valid_names(small: pipeline_pb2.EasyRecConfig) -> None:
    """The error for an unknown enum name lists the valid names."""
    with pytest.raises(ConfigEditError, match="FG_NONE, FG_NORMAL, FG_DAG"):
        edit_config(small, {"data_config.fg_mode": "FG_WHATEVER"})


def test_repeated_uint_from_string_list(small: pipeline_pb2.EasyRecConfig) -> None:
    """A "[64, 32]" string converts element-wise for a repeated integer field."""
    _edited(small, {"model_config.deepfm.deep.hidden_units": "[64, 32]"})
    assert list(small.model_config.deepfm.deep.hidden_units) == [64, 32]


def test_repeated_string_from_comma_string(small: pipeline_pb2.EasyRecConfig) -> None:
    """The string "a, b" splits into stripped elements for a repeated string field."""
    _edited(small, {"data_config.label_fields": "clk, buy"})
    assert list(small.data_config.label_fields) == ["clk", "buy"]


# ----------------------------------------------------------------------------- clearing


@pytest.mark.parametrize("empty", [[], "[]", ""])
def test_empty_list_clears_repeated_field(
    criteo_config: pipeline_pb2.EasyRecConfig, empty: Any
) -> None:
    """An empty list (or "[]") clears a repeated field."""
    _edited(criteo_config, {"model_config.feature_groups[group_name=deep].feature_names": empty})
    groups = {g.group_name: len(g.feature_names) for g in criteo_config.model_config.feature_groups}
    assert groups == {"wide": 26, "fm": 26, "deep": 0}


def test_empty_list_clears_repeated_message_field(small: pipeline_pb2.EasyRecConfig) -> None:
    """[] clears a repeated message field (metrics)."""
    _edited(small, {"model_config.metrics": []})
    assert len(small.model_config.metrics) == 0


# ----------------------------------------------------------------------------- messages


def test_message_from_dict(small: pipeline_pb2.EasyRecConfig) -> None:
    """A dict replaces a whole sub-message (old fields are cleared)."""
    _edited(small, {"model_config.deepfm.deep": {"hidden_units": [32, 16], "use_bn": True}})
    deep = small.model_config.deepfm.deep
    assert list(deep.hidden_units) == [32, 16]
    assert deep.use_bn is True
    assert list(small.model_config.deepfm.final.hidden_units) == [4]


def test_message_from_text_proto(small: pipeline_pb2.EasyRecConfig) -> None:
    """A text-proto string (with or without braces) replaces a whole sub-message."""
    _edited(small, {"model_config.deepfm.final": "{ hidden_units: [2, 1] }"})
    assert list(small.model_config.deepfm.final.hidden_units) == [2, 1]
    _edited(small, {"data_config": 'batch_size: 5 label_fields: "y"'})
    assert small.data_config.batch_size == 5
    assert list(small.data_config.label_fields) == ["y"]
    assert not small.data_config.HasField("fg_mode")


def test_empty_dict_sets_message_present(small: pipeline_pb2.EasyRecConfig) -> None:
    """{} for an unset message field marks it present (empty)."""
    small.ClearField("eval_config")
    _edited(small, {"eval_config": {}})
    assert small.HasField("eval_config")
    assert small.eval_config.ByteSize() == 0


def test_repeated_message_from_list_of_dicts(small: pipeline_pb2.EasyRecConfig) -> None:
    """A list of dicts replaces a repeated message field."""
    _edited(small, {"model_config.metrics": [{"auc": {}}, {"auc": {}}]})
    assert [m.WhichOneof("metric") for m in small.model_config.metrics] == ["auc", "auc"]


def test_selected_element_from_text_proto(small: pipeline_pb2.EasyRecConfig) -> None:
    """A conditionally selected element is replaced by a text-proto value."""
    _edited(
        small,
        {"feature_configs[feature_name=cat_2]": 'raw_feature { feature_name: "cat_2" }'},
    )
    assert _kinds(small)[3] == "raw_feature"
    assert small.feature_configs[3].raw_feature.feature_name == "cat_2"


def test_bad_message_value(small: pipeline_pb2.EasyRecConfig) -> None:
    """A malformed text proto, an unknown dict key or a number for a message raise."""
    for value in ["hidden_units: [", {"no_such": 1}, 5]:
        with pytest.raises(ConfigEditError, match=r"edit key 'model_config\.deepfm\.deep'"):
            edit_config(small, {"model_config.deepfm.deep": value})


def test_map_field_from_dict(small: pipeline_pb2.EasyRecConfig) -> None:
    """A dict (or its JSON text) replaces a map field, converting the values."""
    key = "feature_configs[feature_name=cat_0].id_feature.vocab_dict"
    _edited(small, {key: {"a": 2, "b": "3"}})
    assert dict(small.feature_configs[1].id_feature.vocab_dict) == {"a": 2, "b": 3}
    _edited(small, {key: '{"c": 4}'})
    assert dict(small.feature_configs[1].id_feature.vocab_dict) == {"c": 4}
    with pytest.raises(ConfigEditError, match="bad value for value"):
        edit_config(small, {key: {"a": -1}})
    with pytest.raises(ConfigEditError, match="is a map"):
        edit_config(small, {key: [1, 2]})


# ----------------------------------------------------------------------------- key errors


def test_unknown_field_suggests_close_name(small: pipeline_pb2.EasyRecConfig) -> None:
    """A misspelt field raises ConfigEditError with a "did you mean" hint."""
    with pytest.raises(ConfigEditError) as info:
        edit_config(small, {"train_config.num_epoch": 2})
    message = str(info.value)
    assert "TrainConfig has no field 'num_epoch'" in message
    assert "did you mean num_epochs" in message
    assert small.train_config.num_epochs == 1


def test_unknown_field_inside_selected_element(small: pipeline_pb2.EasyRecConfig) -> None:
    """The hint also works below a selector (IdFeature.embeding_dim)."""
    with pytest.raises(ConfigEditError, match="did you mean embedding_dim"):
        edit_config(small, {"feature_configs[1].id_feature.embeding_dim": 2})


def test_unknown_top_level_field(small: pipeline_pb2.EasyRecConfig) -> None:
    """An unknown top-level field names the message type."""
    with pytest.raises(ConfigEditError, match="EasyRecConfig has no field 'model_dirr'"):
        edit_config(small, {"model_dirr": "x"})


def test_repeated_message_without_selector(small: pipeline_pb2.EasyRecConfig) -> None:
    """Walking into a repeated message without [..] raises and shows how to select."""
    with pytest.raises(ConfigEditError, match=r"feature_configs\[0\], feature_configs\[:\]"):
        edit_config(small, {"feature_configs.id_feature.embedding_dim": 4})


def test_sub_field_of_scalar(small: pipeline_pb2.EasyRecConfig) -> None:
    """A path continuing below a scalar field is a ConfigEditError."""
    with pytest.raises(ConfigEditError, match="'model_dir' is a scalar"):
        edit_config(small, {"model_dir.x": 1})


@pytest.mark.parametrize("key", ["", "a..b", "feature_configs[0", "a b"])
def test_malformed_key(small: pipeline_pb2.EasyRecConfig, key: str) -> None:
    """A key that is not a path raises ConfigEditError."""
    with pytest.raises(ConfigEditError, match="cannot read the part"):
        edit_config(small, {key: 1})


# ----------------------------------------------------------------------------- JSON form


def test_json_string_form(small: pipeline_pb2.EasyRecConfig) -> None:
    """edit_config takes the --edit_config_json text as well as a dict."""
    text = json.dumps(
        {
            "model_dir": "experiments/json",
            "train_config.num_epochs": "4",
            "feature_configs[feature_name=cat_1].id_feature.embedding_dim": 24,
            "data_config.fg_mode": "FG_NORMAL",
        }
    )
    result = edit_config(small, text)
    assert result is small
    assert small.model_dir == "experiments/json"
    assert small.train_config.num_epochs == 4
    assert _dims(small)["cat_1"] == 24
    assert small.data_config.fg_mode == data_pb2.FG_NORMAL


def test_invalid_json(small: pipeline_pb2.EasyRecConfig) -> None:
    """Text that is not JSON raises ConfigEditError and changes nothing."""
    before = small.SerializeToString()
    with pytest.raises(ConfigEditError, match="not valid JSON"):
        edit_config(small, '{"model_dir": "x",}')
    assert small.SerializeToString() == before


@pytest.mark.parametrize("text", ["[1, 2]", '"model_dir"', "3"])
def test_json_that_is_not_an_object(small: pipeline_pb2.EasyRecConfig, text: str) -> None:
    """Valid JSON that is not an object raises ConfigEditError."""
    with pytest.raises(ConfigEditError, match="must be a JSON object"):
        edit_config(small, text)


# ----------------------------------------------------------------------------- other types


def test_edits_smaller_message_types() -> None:
    """edit_config works on any message, e.g. a ModelConfig alone."""
    model = text_format.Parse(
        'feature_groups { group_name: "all" feature_names: ["a"] group_type: DEEP }'
        " deepfm { deep { hidden_units: [4] } final { hidden_units: [1] } }",
        model_pb2.ModelConfig(),
    )
    edit_config(model, {"feature_groups[0].feature_names": "a,b,c", "deepfm.final.use_bn": 1})
    assert list(model.feature_groups[0].feature_names) == ["a", "b", "c"]
    assert model.deepfm.final.use_bn is True
