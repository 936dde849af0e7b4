"""`tzrec predict`: TorchEasyRec's flag names, arguments passed through, one-line errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tzrec.engine import predict as predict_module
from tzrec.engine.predict import PredictSummary
from tzrec_cli.app import main

FLAGS = [
    "--scripted_model_path",
    "--pipeline_config_path",
    "--checkpoint_path",
    "--predict_input_path",
    "--predict_output_path",
    "--reserved_columns",
    "--output_columns",
    "--batch_size",
    "--predict_threads",
    "--dataset_type",
    "--writer_type",
    "--predict_steps",
    "--is_profiling",
    "--edit_config_json",
    "--nproc-per-node",
]


def test_help_lists_torcheasyrec_flags(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["predict", "--help"])
    assert done.value.code == 0
    help_text = capsys.readouterr().out
    assert [flag for flag in FLAGS if flag not in help_text] == []


def test_flags_reach_predict(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: dict[str, Any] = {}

    def fake_predict(input_path: str, output_path: str, **kwargs: Any) -> PredictSummary:
        seen.update(kwargs, input=input_path, output=output_path)
        return PredictSummary(rows=7)

    monkeypatch.setattr(predict_module, "predict", fake_predict)
    with pytest.raises(SystemExit) as done:
        main(
            [
                "predict",
                "--scripted-model-path", "exp",
                "--predict_input_path", "in/*.parquet",
                "--predict_output_path", "out",
                "--reserved_columns", "id,label",
                "--predict_threads", "3",
                "--batch_size", "64",
                "--predict_steps", "5",
                "--writer_type", "CsvWriter",
                "--is_profiling",
            ]
        )  # fmt: skip
    assert done.value.code == 0
    assert seen == {
        "input": "in/*.parquet",
        "output": "out",
        "pipeline_config_path": None,
        "scripted_model_path": "exp",
        "checkpoint_path": None,
        "reserved_columns": "id,label",
        "output_columns": "",
        "batch_size": 64,
        "num_workers": 3,
        "dataset_type": None,
        "writer_type": "CsvWriter",
        "predict_steps": 5,
        "is_profiling": True,
        "edit_config_json": None,
    }
    assert capsys.readouterr().out.strip() == '{"rows": 7, "output_path": "out"}'


def test_a_bad_argument_is_one_line_and_status_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["predict", "--predict_input_path", "x", "--predict_output_path", str(tmp_path)])
    assert done.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --scripted_model_path: give either --scripted_model_path")
    assert "\n" not in err


def test_a_missing_export_dir_is_one_line_and_status_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(SystemExit) as done:
        main(
            [
                "predict",
                "--scripted_model_path", str(missing),
                "--predict_input_path", "x",
                "--predict_output_path", str(tmp_path / "out"),
            ]
        )  # fmt: skip
    assert done.value.code == 1
    assert f"scripted_model_path '{missing}' is not a directory" in capsys.readouterr().err


def test_an_export_of_another_format_is_one_line_and_status_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export_dir = tmp_path / "export"
    export_dir.mkdir()
    (export_dir / "manifest.json").write_text('{"format_version": 99}')
    with pytest.raises(SystemExit) as done:
        main(
            [
                "predict",
                "--scripted_model_path", str(export_dir),
                "--predict_input_path", "x",
                "--predict_output_path", str(tmp_path / "out"),
            ]
        )  # fmt: skip
    assert done.value.code == 1
    err = capsys.readouterr().err.strip()
    assert "format_version 99 cannot be served" in err and "internal error" not in err
    assert "\n" not in err
