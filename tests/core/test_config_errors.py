"""Broken configs give one ConfigError naming the file, line, column and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from tzrec.utils.config_errors import ConfigError, closest_names
from tzrec.utils.config_util import load_pipeline_config

GOOD = """\
model_dir: "experiments/x"
train_config {
    num_epochs: 1
    sparse_optimizer { adagrad_optimizer { lr: 0.01 } constant_learning_rate {} }
    dense_optimizer { adam_optimizer { lr: 0.001 } constant_learning_rate {} }
}
data_config {
    batch_size: 32
    fg_mode: FG_NONE
}
feature_configs {
    id_feature {
        feature_name: "cat_0"
        num_buckets: 10
    }
}
"""


def _error_for(tmp_path: Path, text: str | bytes, name: str = "bad.config") -> ConfigError:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_pipeline_config(str(path))
    error = info.value
    assert error.path == str(path)
    assert str(error).startswith(f"{path}")
    return error


def test_good_config_loads(tmp_path: Path) -> None:
    """The baseline the broken variants are made from is itself valid."""
    (tmp_path / "good.config").write_text(GOOD)
    config = load_pipeline_config(str(tmp_path / "good.config"))
    assert config.feature_configs[0].id_feature.num_buckets == 10


def test_misspelt_field_names_field_and_suggests(tmp_path: Path) -> None:
    error = _error_for(tmp_path, GOOD.replace("num_epochs", "num_epoch"))
    assert (error.line, error.column) == (3, 5)
    assert error.field_path == "train_config.num_epoch"
    assert "unknown field 'num_epoch' in TrainConfig" in error.message
    assert error.suggestions[0] == "num_epochs"
    assert "did you mean 'num_epochs'" in str(error)


def test_misspelt_nested_field_in_repeated_message(tmp_path: Path) -> None:
    error = _error_for(tmp_path, GOOD.replace("num_buckets", "num_bucket"))
    assert error.line == 14
    assert error.field_path == "feature_configs[0].id_feature.num_bucket"
    assert "num_buckets" in error.suggestions


def test_wrong_enum_value_lists_valid_values(tmp_path: Path) -> None:
    error = _error_for(tmp_path, GOOD.replace("FG_NONE", "FG_NON"))
    assert (error.line, error.field_path) == (9, "data_config.fg_mode")
    assert "'FG_NON' is not a value of FgMode" in error.message
    assert "FG_DAG" in error.message
    assert error.suggestions[0] == "FG_NONE"


def test_wrong_type(tmp_path: Path) -> None:
    error = _error_for(tmp_path, GOOD.replace("batch_size: 32", 'batch_size: "big"'))
    assert (error.line, error.field_path) == (8, "data_config.batch_size")
    assert "integer" in error.message


def test_missing_closing_brace_points_at_the_opening(tmp_path: Path) -> None:
    text = GOOD.replace("constant_learning_rate {} }\n}\n", "constant_learning_rate {} }\n")
    error = _error_for(tmp_path, text)
    assert error.line == 6
    assert "'data_config' belongs to an enclosing message" in error.message
    assert "opened at line 2 for 'train_config'" in error.message


def test_unclosed_brace_at_end_of_file(tmp_path: Path) -> None:
    error = _error_for(tmp_path, GOOD + "model_config {\n    num_class: 2\n")
    assert "opened at line 17 for 'model_config' is never closed" in error.message
    assert error.field_path == "model_config"


def test_extra_closing_brace(tmp_path: Path) -> None:
    error = _error_for(tmp_path, GOOD + "}\n")
    assert error.line == 17
    assert "'}' without a matching '{'" in error.message


def test_empty_and_comment_only_files(tmp_path: Path) -> None:
    assert _error_for(tmp_path, "", "empty.config").message == "config file is empty"
    error = _error_for(tmp_path, "# nothing\n\n", "comments.config")
    assert error.message == "config file is empty"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist") as info:
        load_pipeline_config(str(tmp_path / "nope.config"))
    assert info.value.path.endswith("nope.config")


def test_binary_and_non_utf8_files(tmp_path: Path) -> None:
    error = _error_for(tmp_path, b"\x7fELF\x02\x01\x00\x00\x00binary", "bin.config")
    assert "binary file" in error.message
    error = _error_for(tmp_path, b'model_dir: "\xff\xfe"\n', "latin.config")
    assert "not UTF-8" in error.message


def test_missing_required_field_points_at_parent(tmp_path: Path) -> None:
    error = _error_for(tmp_path, GOOD.replace('        feature_name: "cat_0"\n', ""))
    assert error.field_path == "feature_configs[0].id_feature.feature_name"
    assert error.message == "required field is not set"
    assert error.line == 12


def test_json_syntax_error_has_line(tmp_path: Path) -> None:
    error = _error_for(tmp_path, '{\n  "model_dir": "x",\n  "train_config": {\n}', "c.json")
    assert error.line == 4
    assert "invalid JSON" in error.message


def test_json_unknown_field_has_line_and_suggestion(tmp_path: Path) -> None:
    text = '{\n  "model_dir": "x",\n  "train_config": {\n    "num_epoch": 1\n  }\n}\n'
    error = _error_for(tmp_path, text, "c.json")
    assert (error.line, error.column) == (4, 5)
    assert error.field_path == "train_config"
    assert error.suggestions[0] == "num_epochs"


def test_allow_unknown_field_drops_it(tmp_path: Path) -> None:
    path = tmp_path / "newer.config"
    path.write_text(GOOD.replace("num_epochs: 1", "num_epochs: 1\n    future_knob: 3"))
    config = load_pipeline_config(str(path), allow_unknown_field=True)
    assert config.train_config.num_epochs == 1


def test_closest_names_handles_case_and_prefixes() -> None:
    assert closest_names("Batch_Size", ["batch_size", "eval_batch_size"])[0] == "batch_size"
    assert closest_names("zzz", ["batch_size"]) == []
