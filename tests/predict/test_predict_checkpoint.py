"""predict() with a checkpoint in one process: every row once, in input order, right scores."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.predict.conftest import Trained, assert_nothing_committed, read_output, shard_sizes
from tzrec.engine.evaluate import evaluate
from tzrec.engine.predict import PredictArgumentError, predict
from tzrec.utils.config_util import load_pipeline_config


def binned_auc(scores: np.ndarray, labels: np.ndarray, thresholds: int) -> float:
    """ROC AUC over ``thresholds`` evenly spaced cut-offs in [0, 1] (TorchEasyRec's AUC).

    At each cut-off t a row is called positive when its score is >= t; the area under
    the (false positive rate, true positive rate) points is summed by trapezoids.
    """
    cuts = np.linspace(0.0, 1.0, thresholds)
    positive = labels == 1
    tpr = np.array([(scores[positive] >= t).mean() for t in cuts])
    fpr = np.array([(scores[~positive] >= t).mean() for t in cuts])
    # Cut-offs ascend, so the points run from (1, 1) down to (0, 0).
    return float(np.sum((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2))


def test_binned_auc_reference_on_a_hand_computed_case() -> None:
    # Cut-offs 0, 0.5, 1: points (1, 1), (1/3, 1/2), (0, 0) -> 1/12 + 1/2 = 7/12.
    scores = np.array([0.8, 0.4, 0.1, 0.4, 0.8])
    labels = np.array([1, 1, 0, 0, 0])
    assert binned_auc(scores, labels, 3) == pytest.approx(7 / 12)


@pytest.mark.parametrize(("num_workers", "parts"), [(0, 1), (2, 2)])
def test_every_row_once_in_input_order(
    trained: Trained, tmp_path: Path, num_workers: int, parts: int
) -> None:
    out = tmp_path / "pred"
    summary = predict(
        trained.input_glob,
        str(out),
        pipeline_config_path=trained.pipeline_config_path,
        reserved_columns="row_id,label",
        num_workers=num_workers,
        batch_size=100,
    )
    files, table = read_output(out)
    assert [Path(f).name for f in files] == [f"part-{i:05d}.parquet" for i in range(parts)]
    assert summary.rows == trained.input_table.num_rows == 2001
    assert summary.output_files == files
    assert table.schema == pa.schema(
        [
            ("logits", pa.float32()),
            ("probs", pa.float32()),
            ("row_id", pa.int64()),
            ("label", pa.int64()),
        ]
    )
    # The parts in name order are the input in its order; each part one contiguous run.
    assert table["row_id"].to_pylist() == trained.input_table["row_id"].to_pylist()
    assert table["label"].to_pylist() == trained.input_table["label"].to_pylist()
    sizes = [pq.read_metadata(f).num_rows for f in files]
    assert sizes == shard_sizes(2001, parts)
    # Per input file: its rows appear once each, in the file's order.
    out_ids = table["row_id"].to_numpy()
    for path in trained.input_files:
        ids = pq.read_table(path)["row_id"].to_numpy()
        positions = np.searchsorted(out_ids, ids)
        assert np.array_equal(out_ids[positions], ids)
        assert np.all(np.diff(positions) == 1)
    logits = table["logits"].to_numpy()
    np.testing.assert_allclose(table["probs"].to_numpy(), 1 / (1 + np.exp(-logits)), rtol=1e-6)


def test_scores_agree_with_evaluate_and_across_worker_counts(
    trained: Trained, tmp_path: Path
) -> None:
    tables = {}
    for workers in (0, 2):
        out = tmp_path / f"w{workers}"
        predict(
            trained.input_glob,
            str(out),
            pipeline_config_path=trained.pipeline_config_path,
            checkpoint_path=trained.checkpoint_path,
            reserved_columns=["row_id", "label"],
            num_workers=workers,
            batch_size=128 if workers else 300,
        )
        tables[workers] = read_output(out)[1]
    probs = tables[0]["probs"].to_numpy()
    np.testing.assert_allclose(tables[2]["probs"].to_numpy(), probs, atol=1e-6)
    # evaluate() scores the same checkpoint through the training wrapper; its AUC must
    # be the AUC of the predicted probabilities (computed here independently).
    metrics = evaluate(
        trained.pipeline_config_path,
        checkpoint_path=trained.checkpoint_path,
        eval_input_path=trained.input_glob,
        eval_result_filename=str(tmp_path / "eval_result.txt"),
    )
    config = load_pipeline_config(trained.pipeline_config_path)
    thresholds = config.model_config.metrics[0].auc.thresholds
    ours = binned_auc(probs.astype(np.float64), tables[0]["label"].to_numpy(), thresholds)
    assert ours == pytest.approx(metrics["auc"], abs=1e-5)
    assert ours > 0.6  # a trained model, not constant scores


def test_output_columns_predict_steps_and_csv(trained: Trained, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    summary = predict(
        trained.input_glob,
        str(out),
        pipeline_config_path=trained.pipeline_config_path,
        reserved_columns="row_id",
        output_columns="probs",
        writer_type="CsvWriter",
        predict_steps=3,
        batch_size=100,
        num_workers=0,
    )
    assert summary.rows == 300
    _, table = read_output(out, ".csv")
    assert table.column_names == ["probs", "row_id"]
    assert table["row_id"].to_pylist() == list(range(1000, 1300))


def test_single_file_output_for_one_shard_only(trained: Trained, tmp_path: Path) -> None:
    path = tmp_path / "out" / "scores.parquet"
    predict(
        trained.input_glob,
        str(path),
        pipeline_config_path=trained.pipeline_config_path,
        reserved_columns="row_id",
        num_workers=0,
    )
    assert pq.read_table(path)["row_id"].to_pylist() == list(range(1000, 3001))
    two = tmp_path / "two" / "scores.parquet"
    with pytest.raises(
        PredictArgumentError, match="is one file, but the input is read as 2 shards"
    ):
        predict(
            trained.input_glob,
            str(two),
            pipeline_config_path=trained.pipeline_config_path,
            num_workers=2,
        )
    assert_nothing_committed(two.parent)


def test_profiling_writes_a_trace_under_the_model_dir(trained: Trained, tmp_path: Path) -> None:
    profiler_dir = Path(trained.model_dir) / "profiler"
    before = set(profiler_dir.glob("*")) if profiler_dir.exists() else set()
    summary = predict(
        trained.input_glob,
        str(tmp_path / "out"),
        pipeline_config_path=trained.pipeline_config_path,
        is_profiling=True,
        batch_size=100,
        num_workers=0,
    )
    assert summary.rows == 2001
    traces = set(profiler_dir.glob("rank0*.pt.trace.json")) - before
    assert len(traces) == 1
