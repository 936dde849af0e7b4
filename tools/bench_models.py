"""Training samples/s and eval AUC of every ranking model, as ratios to DeepFM.

Each model trains through ``tzrec train`` (its own process, ``--threads`` threads) on the
same Criteo-shaped data: 13 dense features (``int_0..12``) and 26 id features
(``cat_0..25``, 100,000 buckets each, dimension 16), as in tools/bench_train.py, plus for
MultiTowerDIN a click sequence of ``cat_0`` ids (up to 20 steps), which the other models
do not read. The data comes from ``tzrec data synth`` (:func:`tzrec.datasets.synth.synthesize`),
so the labels carry a planted signal and the eval AUC after the fixed budget (``--steps``
batches of ``--batch`` rows, Adagrad 0.01 on the tables, Adam 0.001 on the rest) says how
much of it a model picked up; the generator's oracle AUC (ranking by the planted logit)
is the ceiling.

The model blocks follow TorchEasyRec's Criteo/Taobao example configs (dlrm, wukong,
masknet, multi_tower, multi_tower_din, rocket_launching, deepfm) or, where there is none,
the model's documentation (wide_and_deep, dcn_v1, dcn_v2, xdeepfm); see
:data:`MODEL_BLOCKS`. xDeepFM's CIN needs every deep-group feature at one dimension, so
its 13 dense values are embedded to dimension 16 with an MLP (``raw_feature { mlp {} }``).

samples/s is counted over the steps after ``--warmup`` from the run's metrics history
(a record every step); steady/s uses the median step time. Both include data loading
(``--num-workers`` loader processes). With ``--repeats N`` every model runs N times,
interleaved in rounds so that a busy spell of the machine hits all models alike, and
reports its median run. The table is printed as markdown.

    python tools/bench_models.py [--steps 40] [--batch 8192] [--models deepfm,dlrm]
    python tools/bench_models.py --smoke      # tiny sizes, seconds a model: checks the harness
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: the repo root is not on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tools import bench_train

NUM_DENSE = 13
NUM_SPARSE = 26
SEQUENCE_LENGTH = 20
INTS = [f"int_{i}" for i in range(NUM_DENSE)]
CATS = [f"cat_{i}" for i in range(NUM_SPARSE)]
SEQUENCE = "click_seq"
REFERENCE = "deepfm"


@dataclass(frozen=True)
class Shape:
    """Run sizes shared by every model."""

    batch: int = 8192
    steps: int = 40
    warmup: int = 5
    buckets: int = 100_000
    dim: int = 16
    eval_rows: int = 16_384

    @property
    def rows(self) -> int:
        """Training rows: exactly ``steps`` full batches."""
        return self.batch * self.steps


SMOKE = Shape(batch=128, steps=6, warmup=2, buckets=1000, eval_rows=512)


def _group(name: str, kind: str, names: Sequence[str]) -> str:
    listed = " ".join(f'feature_names: "{n}"' for n in names)
    return f'  feature_groups {{ group_name: "{name}" {listed} group_type: {kind} }}\n'


def _units(*values: int) -> str:
    return f"hidden_units: [{', '.join(str(v) for v in values)}]"


#: model -> (feature groups, model block). Groups use the names each model requires.
MODEL_BLOCKS: dict[str, tuple[str, str]] = {
    "deepfm": (
        _group("wide", "WIDE", CATS)
        + _group("fm", "DEEP", CATS)
        + _group("deep", "DEEP", INTS + CATS),
        f"deepfm {{ deep {{ {_units(512, 256, 128)} }} final {{ {_units(64)} }} }}",
    ),
    "wide_and_deep": (
        _group("wide", "WIDE", CATS) + _group("deep", "DEEP", INTS + CATS),
        f"wide_and_deep {{ deep {{ {_units(512, 256, 128)} }} final {{ {_units(64)} }} }}",
    ),
    "dlrm": (
        _group("dense", "DEEP", INTS) + _group("sparse", "DEEP", CATS),
        f"dlrm {{ dense_mlp {{ {_units(64, 16)} }} final {{ {_units(64, 32)} }} "
        "arch_with_sparse: true }",
    ),
    "dcn_v1": (
        _group("features", "DEEP", INTS + CATS),
        f"dcn_v1 {{ cross {{ cross_num: 3 }} deep {{ {_units(256, 128)} }} "
        f"final {{ {_units(64, 32)} }} }}",
    ),
    "dcn_v2": (
        _group("features", "DEEP", INTS + CATS),
        f"dcn_v2 {{ backbone {{ {_units(512, 256, 128)} }} cross {{ cross_num: 2 low_rank: 32 }} "
        f"deep {{ {_units(512, 256)} }} final {{ {_units(128, 32)} }} }}",
    ),
    "xdeepfm": (
        _group("wide", "WIDE", CATS) + _group("deep", "DEEP", INTS + CATS),
        f"xdeepfm {{ cin {{ cin_layer_size: [64, 64] }} deep {{ {_units(128, 64)} }} "
        f"final {{ {_units(64, 32)} }} }}",
    ),
    "multi_tower": (
        _group("user", "DEEP", INTS + CATS[:13]) + _group("item", "DEEP", CATS[13:]),
        f'multi_tower {{ towers {{ input: "user" mlp {{ {_units(512, 256, 128)} }} }} '
        f'towers {{ input: "item" mlp {{ {_units(512, 256, 128)} }} }} '
        f"final {{ {_units(64)} }} }}",
    ),
    "multi_tower_din": (
        _group("deep", "DEEP", INTS + CATS)
        + _group("seq", "SEQUENCE", ["cat_0", f"{SEQUENCE}__cat_0"]),
        f'multi_tower_din {{ towers {{ input: "deep" mlp {{ {_units(512, 256, 128)} }} }} '
        f'din_towers {{ input: "seq" attn_mlp {{ {_units(256, 64)} }} }} '
        f"final {{ {_units(64)} }} }}",
    ),
    "mask_net": (
        _group("all_features", "DEEP", INTS + CATS),
        "mask_net { mask_net_module { n_mask_blocks: 3 "
        "mask_block { reduction_ratio: 3 hidden_dim: 512 } use_parallel: true "
        f"top_mlp {{ {_units(256, 128, 64)} }} }} }}",
    ),
    "wukong": (
        _group("dense", "DEEP", INTS) + _group("sparse", "DEEP", CATS),
        f"wukong {{ dense_mlp {{ {_units(512, 256, 128)} }} "
        + 2
        * (
            "wukong_layers { lcb_feature_num: 16 fmb_feature_num: 16 "
            f"compressed_feature_num: 24 feature_num_mlp {{ {_units(512)} }} }} "
        )
        + f"final {{ {_units(512, 64)} }} }}",
    ),
    "rocket_launching": (
        _group("deep", "DEEP", INTS + CATS),
        f"rocket_launching {{ booster_mlp {{ {_units(256, 128, 64, 32)} }} "
        f"light_mlp {{ {_units(96, 64, 32)} }} feature_based_distillation: true }} "
        "num_class: 2",
    ),
}
MODELS = tuple(MODEL_BLOCKS)

#: Models whose dense features are embedded to the table dimension (see the docstring).
EMBEDDED_DENSE = ("xdeepfm",)


def features_text(shape: Shape, embed_dense: bool, sequence: bool) -> str:
    """The feature configs: 13 dense + 26 id features, and optionally the click sequence."""
    dense_emb = f"embedding_dim: {shape.dim} mlp {{}}" if embed_dense else ""
    lines = [
        f'feature_configs {{ raw_feature {{ feature_name: "{n}" {dense_emb} }} }}' for n in INTS
    ]
    lines += [
        f'feature_configs {{ id_feature {{ feature_name: "{n}" num_buckets: {shape.buckets} '
        f"embedding_dim: {shape.dim} }} }}"
        for n in CATS
    ]
    if sequence:
        item = f'feature_name: "cat_0" num_buckets: {shape.buckets} embedding_dim: {shape.dim}'
        lines.append(
            f'feature_configs {{ sequence_feature {{ sequence_name: "{SEQUENCE}" '
            f"sequence_length: {SEQUENCE_LENGTH} features {{ id_feature {{ {item} }} }} }} }}"
        )
    return "\n".join(lines) + "\n"


def pipeline_config_text(
    model: str, shape: Shape, train_glob: str, eval_glob: str, num_workers: int
) -> str:
    """The pipeline config of ``model`` on the shared Criteo-shaped Parquet files."""
    groups, block = MODEL_BLOCKS[model]
    loss = "softmax_cross_entropy" if model == "rocket_launching" else "binary_cross_entropy"
    return (
        f'train_input_path: "{train_glob}"\n'
        f'eval_input_path: "{eval_glob}"\n'
        "train_config {\n"
        "  sparse_optimizer { adagrad_optimizer { lr: 0.01 } constant_learning_rate {} }\n"
        "  dense_optimizer { adam_optimizer { lr: 0.001 } constant_learning_rate {} }\n"
        f"  num_steps: {shape.steps} log_step_count_steps: 1\n"
        f"  save_checkpoints_steps: {shape.steps * 10}\n"
        "}\n"
        "eval_config { num_steps: 0 }\n"
        f"data_config {{ batch_size: {shape.batch} dataset_type: ParquetDataset\n"
        f'  fg_mode: FG_NONE label_fields: "label" num_workers: {num_workers} }}\n'
        + features_text(shape, model in EMBEDDED_DENSE, model == "multi_tower_din")
        + "model_config {\n"
        + groups
        + f"  {block}\n"
        + "  metrics { auc {} }\n"
        + f"  losses {{ {loss} {{}} }}\n"
        + "}\n"
    )


def write_data(shape: Shape, root: Path, seed: int = 0) -> dict[str, Any]:
    """Synthesize the shared data once, from the config that reads every column (DIN's).

    Returns:
        the train and eval globs and the oracle AUC of the planted signal on eval.
    """
    from google.protobuf import text_format

    from tzrec.datasets.synth import synthesize
    from tzrec.protos import pipeline_pb2

    text = pipeline_config_text("multi_tower_din", shape, "", "", 0)
    config = text_format.Parse(text, pipeline_pb2.EasyRecConfig())
    result = synthesize(
        config,
        str(root),
        num_rows=shape.rows,
        num_files=4,
        seed=seed,
        eval_fraction=shape.eval_rows / shape.rows,
    )
    assert result.eval_input_path is not None
    return {
        "train_glob": result.train_input_path,
        "eval_glob": result.eval_input_path,
        "oracle_auc": result.oracle_auc,
        "planted": result.planted,
        "eval_rows": result.eval_rows,
    }


def run_model(
    model: str, shape: Shape, data: dict[str, Any], root: Path, env: dict[str, str], workers: int
) -> dict[str, Any]:
    """Train ``model`` with ``tzrec train`` in its own process; its rates, AUC and memory."""
    config = root / f"{model}.config"
    config.write_text(
        pipeline_config_text(model, shape, data["train_glob"], data["eval_glob"], workers)
    )
    model_dir = root / f"model_{model}"
    tzrec = shutil.which("tzrec", path=str(Path(sys.executable).parent)) or "tzrec"
    command = [tzrec, "train", "--pipeline_config_path", str(config), "--model_dir", str(model_dir)]
    child = bench_train.run_child(command, env)
    rates = bench_train.history_rate(
        model_dir, bench_train.Shape(batch=shape.batch, steps=shape.steps, warmup=shape.warmup)
    )
    metrics = json.loads((model_dir / "train_eval_result.txt").read_text())
    shutil.rmtree(model_dir, ignore_errors=True)
    return {
        "model": model,
        "samples_per_s": rates["samples_per_s"],
        "steady_samples_per_s": rates["steady_samples_per_s"],
        "timed_steps": rates["timed_steps"],
        "auc": metrics["auc"],
        "metrics": metrics,
        "wall_s": child.wall_s,
        "peak_rss_mib": child.peak_rss_mib,
        "steal_pct": child.steal_pct,
    }


def load_average() -> float:
    """The machine's 1-minute load average (0.0 where the OS has none): other work's share."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def median_run(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median samples/s (the upper one of an even count), with all rates."""
    ordered = sorted(runs, key=lambda r: r["samples_per_s"])
    chosen = dict(ordered[len(ordered) // 2])
    chosen["all_samples_per_s"] = [r["samples_per_s"] for r in runs]
    return chosen


def machine() -> str:
    """The CPU model and core count, e.g. ``Intel Xeon ... (2 cores)``."""
    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{name} ({os.cpu_count()} cores)"


def with_ratios(runs: Sequence[dict[str, Any]], reference: str = REFERENCE) -> list[dict[str, Any]]:
    """Each run with ``speed_ratio`` / ``auc_ratio``: its samples/s and AUC over the reference's.

    Raises:
        ValueError: when the reference model is not among the runs.
    """
    base = next((r for r in runs if r["model"] == reference), None)
    if base is None:
        raise ValueError(f"the reference model {reference!r} was not measured")
    return [
        {
            **run,
            "speed_ratio": run["samples_per_s"] / base["samples_per_s"],
            "auc_ratio": run["auc"] / base["auc"],
        }
        for run in runs
    ]


def markdown_table(report: dict[str, Any]) -> str:
    """The report as a markdown table (one row per model) with a caption of the set-up."""
    shape = report["shape"]
    lines = [
        f"Criteo-shaped: {NUM_DENSE} dense + {NUM_SPARSE} id features ({shape['buckets']:,} "
        f"buckets, dim {shape['dim']}), batch {shape['batch']}, {shape['steps']} steps "
        f"(first {shape['warmup']} untimed), {report['threads']} threads, num_workers "
        f"{report['num_workers']}, median of {report['repeats']} round(s); eval AUC on "
        f"{report['data']['eval_rows']:,} rows after "
        f"{shape['steps']} steps, oracle AUC {report['data']['oracle_auc']:.4f}.",
        f"Machine: {report['machine']}, 1-min load average {report['load_average'][0]:.1f} "
        f"before / {report['load_average'][1]:.1f} after. Command: `{report['command']}`.",
        "",
        "| model | samples/s | vs DeepFM | steady samples/s | eval AUC | vs DeepFM | peak RSS |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in report["models"]:
        lines.append(
            f"| {run['model']} | {run['samples_per_s']:,.0f} | {run['speed_ratio']:.2f} | "
            f"{run['steady_samples_per_s']:,.0f} | {run['auc']:.4f} | {run['auc_ratio']:.3f} | "
            f"{run['peak_rss_mib']:,.0f} MiB |"
        )
    return "\n".join(lines)


def _parse_models(text: str) -> list[str]:
    models = [m.strip() for m in text.split(",") if m.strip()]
    unknown = [m for m in models if m not in MODEL_BLOCKS]
    if unknown or not models:
        raise argparse.ArgumentTypeError(
            f"unknown {', '.join(unknown) or '(none given)'}; choose from {', '.join(MODELS)}"
        )
    return models


def _shape_from_args(args: argparse.Namespace) -> Shape:
    base = SMOKE if args.smoke else Shape()
    shape = replace(
        base,
        steps=args.steps if args.steps is not None else base.steps,
        batch=args.batch if args.batch is not None else base.batch,
    )
    warmup = args.warmup if args.warmup is not None else min(base.warmup, shape.steps // 3)
    if shape.steps - warmup < 2:
        raise SystemExit(f"--steps {shape.steps} leaves fewer than 2 steps after {warmup}")
    return replace(shape, warmup=warmup)


def measure(args: argparse.Namespace, shape: Shape) -> dict[str, Any]:
    """Write the data, then train every model (DeepFM first) and collect the numbers."""
    models = [REFERENCE] + [m for m in args.models if m != REFERENCE]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    with tempfile.TemporaryDirectory(prefix="bench_models_") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        data = write_data(shape, root / "data")
        print(f"data: {shape.rows:,} train rows, {time.perf_counter() - start:.1f} s", flush=True)
        load_before = load_average()
        rounds: dict[str, list[dict[str, Any]]] = {model: [] for model in models}
        for attempt in range(args.repeats):
            for model in models:
                run = run_model(model, shape, data, root, env, args.num_workers)
                print(
                    f"round {attempt}: {model}: {run['samples_per_s']:,.0f} samples/s, "
                    f"auc {run['auc']:.4f}",
                    flush=True,
                )
                rounds[model].append(run)
        runs = [median_run(r) for r in rounds.values()]
    return {
        "shape": asdict(shape),
        "threads": args.threads,
        "num_workers": args.num_workers,
        "repeats": args.repeats,
        "machine": machine(),
        "load_average": [load_before, load_average()],
        "command": " ".join(["python", "tools/bench_models.py", *sys.argv[1:]]),
        "data": data,
        "models": with_ratios(runs),
    }


def main() -> int:
    """Parse the flags, measure every model and print the markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=None, help="training steps (default 40)")
    parser.add_argument("--batch", type=int, default=None, help="batch size (default 8192)")
    parser.add_argument("--warmup", type=int, default=None, help="untimed first steps")
    parser.add_argument("--models", type=_parse_models, default=list(MODELS))
    parser.add_argument("--num-workers", type=int, default=1, help="loader processes")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1, help="rounds of every model")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a harness check")
    parser.add_argument("--json", default=None, help="also write the numbers here")
    args = parser.parse_args()
    shape = _shape_from_args(args)
    report = measure(args, shape)
    print()
    print(markdown_table(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
