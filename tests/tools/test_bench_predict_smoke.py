"""tools/bench_predict.py: its ratio table, its score check, and a --smoke run end to end."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tools import bench_predict, bench_train

REPO = Path(__file__).resolve().parents[2]


def _write_probs(directory: Path, parts: list[list[float]]) -> str:
    directory.mkdir()
    for i, probs in enumerate(parts):
        table = pa.table({"probs": pa.array(probs, pa.float32())})
        pq.write_table(table, directory / f"part-{i:05d}.parquet")
    return str(directory)


def test_max_score_diff_reads_parts_in_name_order(tmp_path: Path) -> None:
    a = _write_probs(tmp_path / "a", [[0.5, 0.25], [0.75]])
    b = _write_probs(tmp_path / "b", [[0.5], [0.375, 0.75]])
    assert bench_predict.max_score_diff(a, b) == pytest.approx(0.125)
    c = _write_probs(tmp_path / "c", [[0.5]])
    with pytest.raises(RuntimeError, match="different row counts"):
        bench_predict.max_score_diff(a, c)


def test_table_ratios_are_to_the_checkpoint_with_the_same_workers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def run(backend: str, workers: int, rate: float, e2e: float) -> dict[str, object]:
        return {
            "backend": backend,
            "num_workers": workers,
            "rows_per_s": rate,
            "e2e_rows_per_s": e2e,
            "predict_s": 1.0,
            "wall_s": 2.0,
            "peak_rss_mib": 500.0,
            "peak_tree_pss_mib": 400.0,
            "max_abs_diff": 0.0,
        }

    report = {
        "shape": {"buckets": 1000, "dim": 16, "batch": 256},
        "rows": 1536,
        "threads": 2,
        "repeats": 1,
        "export": {"wall_s": 9.0, "exporter_s": 3.0, "peak_rss_mib": 600.0},
        "predict": [
            run("checkpoint", 0, 1000.0, 100.0),
            run("exported", 0, 2500.0, 50.0),
            run("checkpoint", 1, 4000.0, 200.0),
            run("exported", 1, 1000.0, 300.0),
        ],
    }
    bench_predict.print_table(report)
    lines = {
        line.split()[0] + line.split()[1]: line.split()
        for line in capsys.readouterr().out.splitlines()
        if line.startswith(("checkpoint,", "exported,"))
    }
    assert lines["exported,num_workers=0"][3:6] == ["2.50", "50", "0.50"]
    assert lines["exported,num_workers=1"][3:6] == ["0.25", "300", "1.50"]
    assert lines["checkpoint,num_workers=1"][3] == "1.00"


def test_parse_workers() -> None:
    assert bench_predict._parse_workers("0,2") == [0, 2]
    with pytest.raises(argparse.ArgumentTypeError, match=r"expected e\.g\. 0,1"):
        bench_predict._parse_workers("-1")


def test_smoke_run_reports_both_backends_and_the_export(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    command = [sys.executable, "tools/bench_predict.py", "--smoke", "--num-workers", "0"]
    subprocess.run(
        [*command, "--json", str(out)], cwd=REPO, check=True, capture_output=True, timeout=600
    )
    report = json.loads(out.read_text())
    assert report["rows"] == bench_train.SMOKE.rows
    assert {(r["backend"], r["num_workers"]) for r in report["predict"]} == {
        ("checkpoint", 0),
        ("exported", 0),
    }
    for run in report["predict"]:
        assert run["rows"] == bench_train.SMOKE.rows
        assert 0 < run["e2e_rows_per_s"] < run["rows_per_s"]
        assert run["max_abs_diff"] < 1e-5  # both ran the same model
        assert run["peak_rss_mib"] > 100  # torch alone is larger than this
    export = report["export"]
    assert 0 < export["exporter_s"] < export["wall_s"]
    assert np.isfinite(export["peak_rss_mib"])
