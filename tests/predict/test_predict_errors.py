"""predict() on bad arguments and bad input: a clear error, and no output under a final name."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from tests.predict.conftest import Trained, assert_nothing_committed, write_config
from tzrec.datasets.errors import ColumnTypeError, DataReadError, MissingColumnError
from tzrec.engine.predict import PredictArgumentError, predict
from tzrec.features.errors import InvalidFgInputError


def _input(tmp_path: Path, table: pa.Table, name: str = "bad") -> str:
    root = tmp_path / name
    root.mkdir()
    pq.write_table(table, root / "part-0.parquet", row_group_size=128)
    return str(root / "*.parquet")


def _predict(trained: Trained, input_glob: str, out: Path, **kwargs: object) -> None:
    args: dict[str, object] = {"pipeline_config_path": trained.pipeline_config_path}
    args.update(kwargs)
    predict(input_glob, str(out), **args)  # type: ignore[arg-type]


def test_missing_feature_column_names_the_column(trained: Trained, tmp_path: Path) -> None:
    bad = _input(tmp_path, trained.input_table.drop_columns(["cat_1"]))
    out = tmp_path / "out"
    with pytest.raises(MissingColumnError, match="the input has no column 'cat_1'"):
        _predict(trained, bad, out, num_workers=0)
    assert_nothing_committed(out)


def test_missing_reserved_column_names_the_column(trained: Trained, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(MissingColumnError, match="the input has no column 'user_id'"):
        _predict(trained, trained.input_glob, out, reserved_columns="row_id,user_id")
    assert_nothing_committed(out)


def test_wrong_column_type_names_the_column_and_feature(trained: Trained, tmp_path: Path) -> None:
    table = trained.input_table
    as_floats = pc.cast(table["cat_2"], pa.list_(pa.float32()))
    index = table.schema.get_field_index("cat_2")
    bad = _input(tmp_path, table.set_column(index, "cat_2", as_floats))
    out = tmp_path / "out"
    with pytest.raises(ColumnTypeError, match="column 'cat_2': feature 'cat_2' expects"):
        _predict(trained, bad, out)
    assert_nothing_committed(out)


def test_empty_input_is_an_error(trained: Trained, tmp_path: Path) -> None:
    empty = _input(tmp_path, trained.input_table.slice(0, 0))
    out = tmp_path / "out"
    with pytest.raises(DataReadError, match="holds no rows to predict"):
        _predict(trained, empty, out, num_workers=2)
    assert_nothing_committed(out)


def test_a_bad_row_after_written_batches_removes_everything(
    trained: Trained, tmp_path: Path
) -> None:
    # Row 1500 (in the 15th batch of 100) has an id beyond cat_3's 20 buckets.
    table = trained.input_table
    ids = table["cat_3"].to_pylist()
    ids[1500] = [999]
    index = table.schema.get_field_index("cat_3")
    bad = _input(tmp_path, table.set_column(index, "cat_3", pa.array(ids, table["cat_3"].type)))
    out = tmp_path / "out"
    with pytest.raises(InvalidFgInputError, match="cat_3"):
        _predict(trained, bad, out, num_workers=0, batch_size=100)
    assert_nothing_committed(out)


def test_missing_checkpoint_and_export_dir(trained: Trained, tmp_path: Path) -> None:
    out = tmp_path / "out"
    missing = tmp_path / "no_such_checkpoint"
    with pytest.raises(FileNotFoundError, match=re.escape(repr(str(missing)))):
        _predict(trained, trained.input_glob, out, checkpoint_path=str(missing))
    empty_model_dir = tmp_path / "empty_model"
    empty_model_dir.mkdir()
    config = write_config(tmp_path / "p.config", {"model_dir": str(empty_model_dir)})
    with pytest.raises(FileNotFoundError, match=r"model_dir .* holds no checkpoint"):
        predict(trained.input_glob, str(out), pipeline_config_path=config)
    export = tmp_path / "no_such_export"
    with pytest.raises(FileNotFoundError, match=r"scripted_model_path .*no_such_export"):
        predict(trained.input_glob, str(out), scripted_model_path=str(export))
    assert_nothing_committed(out)


def test_unknown_output_column_lists_the_outputs(trained: Trained, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(PredictArgumentError) as error:
        _predict(trained, trained.input_glob, out, output_columns="probs,probz")
    assert str(error.value) == (
        "--output_columns: ['probz'] are not outputs of the model; it has ['logits', 'probs']"
    )
    assert_nothing_committed(out)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "--scripted_model_path: give either .* neither was given"),
        ({"pipeline_config_path": "p", "scripted_model_path": "e"}, "both were given"),
        ({"scripted_model_path": "e", "checkpoint_path": "c"}, "--checkpoint_path: applies to"),
        ({"scripted_model_path": "e", "edit_config_json": "{}"}, "--edit_config_json: applies"),
        ({"pipeline_config_path": "p", "batch_size": 0}, "--batch_size: must be at least 1"),
        ({"pipeline_config_path": "p", "num_workers": -1}, "--num_workers: must be at least 0"),
        ({"pipeline_config_path": "p", "reserved_columns": "a,b,a"}, "names \\['a'\\] more"),
    ],
)
def test_conflicting_arguments(tmp_path: Path, kwargs: dict[str, object], message: str) -> None:
    out = tmp_path / "out"
    with pytest.raises(PredictArgumentError, match=message):
        predict("in/*.parquet", str(out), **kwargs)  # type: ignore[arg-type]
    assert not out.exists()


def test_part_files_of_a_larger_earlier_run_are_refused(trained: Trained, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "part-00003.parquet").write_bytes(b"old")
    with pytest.raises(PredictArgumentError, match=re.escape("part-00003.parquet")):
        _predict(trained, trained.input_glob, out, num_workers=2)
    assert sorted(p.name for p in out.iterdir()) == ["part-00003.parquet"]


def test_an_empty_shard_does_not_leave_an_earlier_runs_part_beside_the_output(
    trained: Trained, tmp_path: Path
) -> None:
    # 3 rows in 4 shards (1 process x 4 workers): shard 0 reads rows [0, 0), none. An
    # earlier run's part-00000 in the directory must not stay there to be read with
    # this run's parts (its rows would be counted as this input's).
    out = tmp_path / "out"
    out.mkdir()
    pq.write_table(trained.input_table.slice(0, 50).select(["row_id"]), out / "part-00000.parquet")
    _predict(
        trained,
        _input(tmp_path, trained.input_table.slice(0, 3)),
        out,
        num_workers=4,
        reserved_columns="row_id",
    )
    parts = sorted(p.name for p in out.iterdir())
    assert parts == ["part-00001.parquet", "part-00002.parquet", "part-00003.parquet"]
    rows = pa.concat_tables([pq.read_table(out / p) for p in parts])
    assert rows.column("row_id").to_pylist() == [1000, 1001, 1002]
