"""Bad exports and bad export directories fail clearly and leave nothing that looks done."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.export.conftest import TrainRun
from tzrec.export import export, exporter
from tzrec.serving import ExportFormatError, load_exported
from tzrec.utils.config_errors import ConfigError


def _no_leftovers(parent: Path, name: str) -> None:
    assert not (parent / name).exists()
    assert not [p for p in os.listdir(parent) if p.startswith(f".{name}.tmp")]


def test_config_without_checkpoint_is_a_clear_error(train_deepfm: TrainRun, tmp_path: Path) -> None:
    config_path = train_deepfm()
    empty = tmp_path / "no_run"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match=r"no checkpoint to export in .*no_run"):
        export(config_path, str(tmp_path / "out"), checkpoint_path=str(empty))
    with pytest.raises(FileNotFoundError, match=r"checkpoint_path .*missing.* does not exist"):
        export(config_path, str(tmp_path / "out"), checkpoint_path=str(tmp_path / "missing"))
    _no_leftovers(tmp_path, "out")


def test_failure_midway_leaves_no_export_dir(
    train_deepfm: TrainRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_path = train_deepfm()

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("scripting failed")

    monkeypatch.setattr(exporter, "script_model", broken)
    with pytest.raises(RuntimeError, match="scripting failed"):
        export(config_path, str(tmp_path / "out"))
    _no_leftovers(tmp_path, "out")


def test_existing_export_dir_is_not_overwritten(train_deepfm: TrainRun, tmp_path: Path) -> None:
    config_path = train_deepfm()
    target = tmp_path / "out"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(ConfigError, match="exists and is not empty"):
        export(config_path, str(target))
    assert os.listdir(target) == ["keep.txt"]


def test_serving_errors_name_what_is_wrong(train_deepfm: TrainRun, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"export directory .*nowhere.* does not exist"):
        load_exported(str(tmp_path / "nowhere"))
    (tmp_path / "half").mkdir()
    with pytest.raises(FileNotFoundError, match=r"manifest.json is missing"):
        load_exported(str(tmp_path / "half"))

    export(train_deepfm(), str(tmp_path / "out"))
    manifest_path = tmp_path / "out" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = 99
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(ExportFormatError, match="format_version 99 cannot be served"):
        load_exported(str(tmp_path / "out"))
    manifest["format_version"] = 1
    manifest_path.write_text(json.dumps(manifest))
    (tmp_path / "out" / "scripted_model.pt").unlink()
    with pytest.raises(FileNotFoundError, match=r"scripted_model.pt is missing"):
        load_exported(str(tmp_path / "out"))


def test_missing_input_column_is_named(train_deepfm: TrainRun, deepfm_data, tmp_path: Path) -> None:
    from tests.export.export_support import read_rows
    from tzrec.datasets.errors import MissingColumnError

    _, data = deepfm_data
    export(train_deepfm(), str(tmp_path / "out"))
    model = load_exported(str(tmp_path / "out"))
    rows = read_rows(data.eval_input_path, 10).drop_columns(["cat_2"])
    with pytest.raises(MissingColumnError, match="cat_2"):
        model.predict(rows)
