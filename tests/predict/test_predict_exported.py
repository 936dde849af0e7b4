"""predict() with an exported model: the checkpoint's scores, rows and order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.predict.conftest import Trained, assert_nothing_committed, read_output
from tzrec.datasets.errors import MissingColumnError
from tzrec.engine.predict import PredictArgumentError, predict


@pytest.mark.parametrize("num_workers", [0, 2])
def test_exported_model_writes_the_checkpoint_scores(
    trained: Trained, exported: str, tmp_path: Path, num_workers: int
) -> None:
    common = {"reserved_columns": "row_id,label", "num_workers": num_workers, "batch_size": 128}
    from_checkpoint = tmp_path / "checkpoint"
    predict(
        trained.input_glob,
        str(from_checkpoint),
        pipeline_config_path=trained.pipeline_config_path,
        checkpoint_path=trained.checkpoint_path,
        **common,  # type: ignore[arg-type]
    )
    from_export = tmp_path / "export"
    summary = predict(
        trained.input_glob,
        str(from_export),
        scripted_model_path=exported,
        **common,  # type: ignore[arg-type]
    )
    assert summary.rows == 2001
    files_c, table_c = read_output(from_checkpoint)
    files_e, table_e = read_output(from_export)
    assert [Path(f).name for f in files_e] == [Path(f).name for f in files_c]
    assert table_e.schema == table_c.schema
    assert table_e.schema.field("probs").type == pa.float32()
    assert table_e["row_id"].to_pylist() == trained.input_table["row_id"].to_pylist()
    for name in ("logits", "probs"):
        diff = np.abs(table_e[name].to_numpy() - table_c[name].to_numpy())
        assert diff.max() < 1e-5, (name, diff.max())


def test_exported_output_columns_are_checked_before_reading(
    trained: Trained, exported: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    with pytest.raises(PredictArgumentError, match=r"\['y'\] are not outputs of the model"):
        predict(
            "no/such/input/*.parquet", str(out), scripted_model_path=exported, output_columns="y"
        )
    assert_nothing_committed(out)
    predict(
        trained.input_glob,
        str(out),
        scripted_model_path=exported,
        output_columns="probs",
        reserved_columns="row_id",
        num_workers=0,
    )
    assert read_output(out)[1].column_names == ["probs", "row_id"]


def test_exported_model_names_a_missing_input_column(
    trained: Trained, exported: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    pq.write_table(trained.input_table.drop_columns(["int_2"]), bad / "part-0.parquet")
    out = tmp_path / "out"
    with pytest.raises(MissingColumnError, match="the input has no column 'int_2'"):
        predict(str(bad / "*.parquet"), str(out), scripted_model_path=exported)
    assert_nothing_committed(out)


def test_exported_profiling_writes_beside_the_output_not_into_the_export(
    trained: Trained, exported: str, tmp_path: Path
) -> None:
    before = sorted(p.name for p in Path(exported).rglob("*"))
    predict(
        trained.input_glob,
        str(tmp_path / "run" / "out"),
        scripted_model_path=exported,
        is_profiling=True,
        batch_size=100,
        num_workers=0,
    )
    assert sorted(p.name for p in Path(exported).rglob("*")) == before
    assert len(list((tmp_path / "run" / "profiler").glob("rank0*.pt.trace.json"))) == 1
