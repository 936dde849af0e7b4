"""Prediction rows/s of ``tzrec predict`` (DeepFM, Criteo-shaped): exported model vs checkpoint.

The model is bench_train's DeepFM (TorchEasyRec's deepfm_criteo.config: 13 raw + 26 id
features, 100,000 buckets each, dim 16, deep 512-256-128, final 64), trained a couple of
steps on bench_train's Criteo-shaped FG_NONE Parquet just to have a checkpoint. Then:

- ``tzrec export`` of that checkpoint (TorchScript, fp32 tables): the command's wall
  time and the exporter's own seconds (build, load, trace, script, verify, write);
- Parquet -> Parquet prediction of the same input with the checkpoint
  (``--pipeline_config_path``: TorchRec DMP, sharded tables) and with the export
  (``--scripted_model_path``: the TorchScript program), each in its own process,
  interleaved over ``--repeats`` rounds (median reported).

Rates: ``rows/s`` is rows over the time spent inside ``predict()`` (model build or load,
reading, parsing, inference, writing and the commit; not the imports); ``e2e rows/s``
divides by the child's whole wall time (launch and imports too). The two outputs'
largest score difference is reported as a check that both ran the same model.

    python tools/bench_predict.py [--batches 20] [--num-workers 0,1] [--json out.json]
    python tools/bench_predict.py --smoke      # tiny sizes, seconds: checks the harness
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.bench_train import (
    SMOKE,
    ChildRun,
    Shape,
    pipeline_config_text,
    run_child,
    write_data,
)

#: The two ways to predict, by the predict() argument that selects them.
BACKENDS = ("checkpoint", "exported")
TRAIN_STEPS = 2


def _parse_workers(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"--num-workers: expected e.g. 0,1, got {text!r}") from e
    if not values or min(values) < 0:
        raise argparse.ArgumentTypeError(f"--num-workers: expected e.g. 0,1, got {text!r}")
    return values


def _env(threads: int) -> dict[str, str]:
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = str(threads)
    env["MKL_NUM_THREADS"] = str(threads)
    env.pop("WORLD_SIZE", None)
    env.pop("RANK", None)
    return env


def _tzrec() -> str:
    return shutil.which("tzrec", path=str(Path(sys.executable).parent)) or "tzrec"


# -- the child that predicts --------------------------------------------------------------
def run_predict_child(spec: dict[str, Any], result_path: str) -> None:
    """Call ``predict()`` as ``spec`` says; write rows, seconds and import time as JSON."""
    start = time.perf_counter()
    from tzrec.engine.predict import predict

    imported = time.perf_counter() - start
    summary = predict(**spec)
    result = {"rows": summary.rows, "predict_s": summary.seconds, "import_s": imported}
    Path(result_path).write_text(json.dumps(result))


def _predict_run(
    backend: str,
    workers: int,
    batch: int,
    paths: dict[str, str],
    root: Path,
    env: dict[str, str],
    attempt: int,
) -> dict[str, Any]:
    out = root / f"pred_{backend}_w{workers}_{attempt}"
    spec: dict[str, Any] = {
        "predict_input_path": paths["input"],
        "predict_output_path": str(out),
        "num_workers": workers,
        "batch_size": batch,
    }
    if backend == "checkpoint":
        spec["pipeline_config_path"] = paths["config"]
    else:
        spec["scripted_model_path"] = paths["export"]
    result_path = root / f"result_{backend}_w{workers}_{attempt}.json"
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--predict-child",
        json.dumps(spec),
        str(result_path),
    ]
    child = run_child(command, env)
    result = json.loads(result_path.read_text())
    return {
        "backend": backend,
        "num_workers": workers,
        "output": str(out),
        "rows": result["rows"],
        "predict_s": result["predict_s"],
        "import_s": result["import_s"],
        "rows_per_s": result["rows"] / result["predict_s"],
        "e2e_rows_per_s": result["rows"] / child.wall_s,
        **_child_numbers(child),
    }


def _child_numbers(child: ChildRun) -> dict[str, float]:
    return {
        "wall_s": child.wall_s,
        "peak_rss_mib": child.peak_rss_mib,
        "peak_tree_pss_mib": child.peak_tree_pss_mib,
        "steal_pct": child.steal_pct,
    }


def max_score_diff(a: str, b: str) -> float:
    """The largest |probs| difference between two predict outputs (same rows, same order)."""
    import numpy as np
    import pyarrow.parquet as pq

    def probs(directory: str) -> Any:
        parts = sorted(Path(directory).glob("part-*.parquet"))
        return np.concatenate(
            [pq.read_table(p, columns=["probs"])["probs"].to_numpy() for p in parts]
        )

    first, second = probs(a), probs(b)
    if first.shape != second.shape:
        raise RuntimeError(f"{a} and {b} hold different row counts {first.shape} {second.shape}")
    return float(np.abs(first - second).max())


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ordered = sorted(runs, key=lambda r: r["rows_per_s"])
    chosen = dict(ordered[len(ordered) // 2])
    chosen["all_rows_per_s"] = [r["rows_per_s"] for r in runs]
    return chosen


# -- the orchestration ---------------------------------------------------------------------
def _train_and_export(shape: Shape, root: Path, env: dict[str, str]) -> dict[str, Any]:
    """A checkpoint (TRAIN_STEPS steps) and its export; returns paths and export timings."""
    config = root / "deepfm.config"
    data = write_data(shape, root / "data")
    config.write_text(pipeline_config_text(shape, data, 0, 1))
    model_dir = root / "model"
    edits = json.dumps({"train_config.num_epochs": 0, "train_config.num_steps": TRAIN_STEPS})
    run_child(
        [
            _tzrec(), "train", "--pipeline_config_path", str(config),
            "--model_dir", str(model_dir), "--edit_config_json", edits,
        ],
        env,
    )  # fmt: skip
    pipeline = model_dir / "pipeline.config"
    export_dir = root / "export"
    child = run_child(
        [
            _tzrec(),
            "export",
            "--pipeline_config_path",
            str(pipeline),
            "--export_dir",
            str(export_dir),
        ],
        env,
    )
    summary = json.loads(child.output.strip().splitlines()[-1])
    return {
        "paths": {"input": data, "config": str(pipeline), "export": str(export_dir)},
        "export": {"exporter_s": summary["seconds"], **_child_numbers(child)},
    }


def measure(args: argparse.Namespace, shape: Shape) -> dict[str, Any]:
    """Train, export, then predict with both backends per worker count, interleaved."""
    env = _env(args.threads)
    with tempfile.TemporaryDirectory(prefix="bench_predict_") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        setup = _train_and_export(shape, root, env)
        print(f"data + checkpoint + export: {time.perf_counter() - start:.1f} s", flush=True)
        runs: dict[tuple[str, int], list[dict[str, Any]]] = {
            (b, w): [] for w in args.num_workers for b in BACKENDS
        }
        for attempt in range(args.repeats):
            for (backend, workers), done in runs.items():
                run = _predict_run(
                    backend, workers, shape.batch, setup["paths"], root, env, attempt
                )
                done.append(run)
                print(
                    f"round {attempt}: {backend} num_workers={workers}: "
                    f"{run['rows_per_s']:,.0f} rows/s",
                    flush=True,
                )
        diffs = {
            w: max_score_diff(
                runs[("checkpoint", w)][0]["output"], runs[("exported", w)][0]["output"]
            )
            for w in args.num_workers
        }
    medians = [dict(_median_run(r), max_abs_diff=diffs[w]) for (_, w), r in runs.items()]
    for run in medians:
        run.pop("output")
    return {
        "shape": asdict(shape),
        "rows": shape.rows,
        "threads": args.threads,
        "repeats": args.repeats,
        "export": setup["export"],
        "predict": medians,
    }


def print_table(report: dict[str, Any]) -> None:
    """Rates of both backends and the exported/checkpoint ratios measured in this run."""
    shape = report["shape"]
    print(
        f"\nDeepFM 13 dense + 26 sparse ({shape['buckets']:,} buckets, dim {shape['dim']}), "
        f"{report['rows']:,} rows Parquet -> Parquet, batch {shape['batch']}, "
        f"{report['threads']} threads, median of {report['repeats']} round(s)"
    )
    export = report["export"]
    print(
        f"export: {export['wall_s']:.1f} s wall (tzrec export), {export['exporter_s']:.1f} s in "
        f"the exporter, peak RSS {export['peak_rss_mib']:.0f} MiB"
    )
    print(
        f"{'':32s} {'rows/s':>9s} {'ratio':>6s} {'e2e rows/s':>10s} {'ratio':>6s} "
        f"{'predict':>7s} {'wall':>6s} {'peak RSS':>9s} {'tree PSS':>9s} {'max|dp|':>8s}"
    )
    by_key = {(r["backend"], r["num_workers"]): r for r in report["predict"]}
    for run in report["predict"]:
        base = by_key[("checkpoint", run["num_workers"])]
        print(
            f"{run['backend'] + ', num_workers=' + str(run['num_workers']):32s} "
            f"{run['rows_per_s']:9,.0f} {run['rows_per_s'] / base['rows_per_s']:6.2f} "
            f"{run['e2e_rows_per_s']:10,.0f} {run['e2e_rows_per_s'] / base['e2e_rows_per_s']:6.2f} "
            f"{run['predict_s']:6.1f}s {run['wall_s']:5.1f}s {run['peak_rss_mib']:7.0f}Mi "
            f"{run['peak_tree_pss_mib']:7.0f}Mi {run['max_abs_diff']:8.1e}"
        )
    print(
        "ratio: to the checkpoint model with the same workers. rows/s: inside predict() "
        "(model load, read, infer, write); e2e: the whole process (launch, imports too)."
    )


def main() -> int:
    """Parse the flags, measure and print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--batches", type=int, default=None, help="input batches (default 20)")
    parser.add_argument("--num-workers", type=_parse_workers, default=[0, 1])
    parser.add_argument("--repeats", type=int, default=1, help="rounds of every case")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a harness check")
    parser.add_argument("--json", default=None, help="also write the numbers here")
    parser.add_argument("--predict-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.predict_child:
        spec, result_path = args.predict_child
        run_predict_child(json.loads(spec), result_path)
        return 0
    base = SMOKE if args.smoke else Shape(steps=20)
    shape = replace(base, steps=args.batches or base.steps)
    report = measure(args, shape)
    print_table(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
