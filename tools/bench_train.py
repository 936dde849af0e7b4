"""Training samples/s of ``tzrec train`` (DeepFM, Criteo-shaped) next to plain PyTorch.

The workload is TorchEasyRec's deepfm_criteo.config: 13 raw (dense) + 26 id features,
embedding dim 16 (wide dim 4), deep MLP 512-256-128, final 64, batch 8192, Adagrad for
the embeddings (lr 0.01) and Adam for the dense part (lr 0.001), on FG_NONE Parquet
(one id per categorical column, as in Criteo). The id features have 100,000 buckets each instead
of Criteo's up to 40M: 26 tables of 40M x 16 float32 (plus Adagrad state) would need
~130 GiB, far beyond a 24 GiB machine; 100k keeps every table out of the CPU cache.

Measured in the same run, each in its own process so its peak RSS is its own:

- ``python -c "import torch, torchrec"``: the launch floor (median of 3 runs);
- the baseline: a plain-PyTorch DeepFM of the same shape (see :func:`run_baseline`),
  inputs pre-loaded into tensors (no data loading), timed after a warm-up;
- ``tzrec train`` for each ``--num-workers``: samples/s from its metrics history
  (steps after the warm-up), with data loading included; launch -> first step.

Both sides run with the same thread count (``--threads``, via OMP_NUM_THREADS).

    python tools/bench_train.py [--steps 50] [--num-workers 0,1,2] [--json out.json]
    python tools/bench_train.py --smoke      # tiny sizes, seconds: checks the harness
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

NUM_DENSE = 13
NUM_SPARSE = 26
NUM_FILES = 4


@dataclass(frozen=True)
class Shape:
    """The model and run sizes shared by tzrec and the baseline."""

    batch: int = 8192
    steps: int = 50
    warmup: int = 10
    buckets: int = 100_000
    dim: int = 16
    wide_dim: int = 4
    deep: tuple[int, ...] = (512, 256, 128)
    final: tuple[int, ...] = (64,)

    @property
    def rows(self) -> int:
        """Training rows: exactly ``steps`` full batches."""
        return self.batch * self.steps


SMOKE = Shape(batch=256, steps=6, warmup=2, buckets=1000, deep=(32, 16), final=(8,))


# -- the tzrec side ----------------------------------------------------------------------
def pipeline_config_text(shape: Shape, train_glob: str, num_workers: int, log_every: int) -> str:
    """deepfm_criteo.config's model, scaled to ``shape``, over local FG_NONE Parquet."""
    ints = [f"int_{i}" for i in range(NUM_DENSE)]
    cats = [f"cat_{i}" for i in range(NUM_SPARSE)]

    def group(name: str, kind: str, names: Sequence[str]) -> str:
        listed = " ".join(f'feature_names: "{n}"' for n in names)
        return f'  feature_groups {{ group_name: "{name}" {listed} group_type: {kind} }}'

    def units(values: Sequence[int]) -> str:
        return ", ".join(str(v) for v in values)

    lines = [
        f'train_input_path: "{train_glob}"',
        'eval_input_path: ""',
        "train_config {",
        "  sparse_optimizer { adagrad_optimizer { lr: 0.01 } constant_learning_rate {} }",
        "  dense_optimizer { adam_optimizer { lr: 0.001 } constant_learning_rate {} }",
        f"  num_epochs: 1 log_step_count_steps: {log_every}",
        f"  save_checkpoints_steps: {shape.steps * 10}",
        "}",
        f"data_config {{ batch_size: {shape.batch} dataset_type: ParquetDataset",
        f'  fg_mode: FG_NONE label_fields: "label" num_workers: {num_workers} }}',
    ]
    lines += [f'feature_configs {{ raw_feature {{ feature_name: "{n}" }} }}' for n in ints]
    lines += [
        f'feature_configs {{ id_feature {{ feature_name: "{n}" num_buckets: {shape.buckets} '
        f"embedding_dim: {shape.dim} }} }}"
        for n in cats
    ]
    lines += [
        "model_config {",
        group("wide", "WIDE", cats),
        group("fm", "DEEP", cats),
        group("deep", "DEEP", ints + cats),
        f"  deepfm {{ deep {{ hidden_units: [{units(shape.deep)}] }}",
        f"    final {{ hidden_units: [{units(shape.final)}] }}",
        f"    wide_embedding_dim: {shape.wide_dim} }}",
        "  metrics { auc {} }",
        "  losses { binary_cross_entropy {} }",
        "}",
    ]
    return "\n".join(lines) + "\n"


def write_data(shape: Shape, root: Path, seed: int = 0) -> str:
    """Criteo-shaped FG_NONE Parquet: one int64 id per categorical column, like Criteo.

    Ids follow a Zipf law (exponent 1.1) folded into ``[0, buckets)``, dense values are
    log-normal like Criteo's counts, labels are 0/1 with a 25% click rate.

    Returns:
        the glob of the written files.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    per_file = shape.rows // NUM_FILES
    for f in range(NUM_FILES):
        n = per_file if f < NUM_FILES - 1 else shape.rows - per_file * (NUM_FILES - 1)
        cols: dict[str, pa.Array] = {"label": pa.array((rng.random(n) < 0.25).astype(np.int64))}
        for i in range(NUM_DENSE):
            cols[f"int_{i}"] = pa.array(rng.lognormal(1.0, 1.5, n).astype(np.float32))
        for i in range(NUM_SPARSE):
            cols[f"cat_{i}"] = pa.array((rng.zipf(1.1, n) - 1) % shape.buckets)
        pq.write_table(pa.table(cols), root / f"part-{f}.parquet", row_group_size=32_768)
    return str(root / "*.parquet")


def steady_rate(batch: int, step_seconds: Sequence[float]) -> float:
    """Samples/s of the median step: robust to the machine's occasional multi-second stalls."""
    return batch / statistics.median(step_seconds)


def history_rate(model_dir: Path, shape: Shape) -> dict[str, float]:
    """tzrec's rates over the steps after the warm-up, from its metrics history.

    Returns:
        ``samples_per_s``: (rows of steps warmup..n) / (time_n - time_warmup);
        ``steady_samples_per_s``: from the median time between consecutive records,
        per step; ``first_step_time``: step 1's unix time; ``timed_steps``: n - warmup.
        Rows are counted as full batches.
    """
    records = [
        json.loads(line)
        for line in (model_dir / "metrics_history.jsonl").read_text().splitlines()
        if line.strip()
    ]
    train = [r for r in records if r.get("kind") == "train"]
    if not train or train[0]["step"] != 1:
        raise RuntimeError(f"{model_dir}: the history has no step-1 train record")
    after = [r for r in train if r["step"] >= shape.warmup]
    if len(after) < 2:
        raise RuntimeError(f"{model_dir}: fewer than 2 train records after the warm-up")
    first, last = after[0], after[-1]
    steps = last["step"] - first["step"]
    per_step = [
        (b["time"] - a["time"]) / (b["step"] - a["step"]) for a, b in itertools.pairwise(after)
    ]
    return {
        "samples_per_s": steps * shape.batch / (last["time"] - first["time"]),
        "steady_samples_per_s": steady_rate(shape.batch, per_step),
        "first_step_time": train[0]["time"],
        "timed_steps": steps,
    }


# -- measuring a child process -----------------------------------------------------------
@dataclass
class ChildRun:
    """What :func:`run_child` measured."""

    wall_s: float
    peak_rss_mib: float  # the largest single process of the tree (wait4's ru_maxrss)
    peak_tree_pss_mib: float  # peak of the whole tree's PSS (main + loader workers), polled
    launched_at: float  # unix time just before the launch
    steal_pct: float  # CPU time the hypervisor took while it ran (noisy neighbours)
    output: str = field(repr=False, default="")


def _cpu_times() -> list[int]:
    """The machine's cumulative CPU jiffies: user nice system idle iowait irq softirq steal."""
    return [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:9]]


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        todo.extend(int(c) for c in children)
    return out


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_child(command: Sequence[str], env: dict[str, str]) -> ChildRun:
    """Run ``command``, polling its process tree's PSS; raises if it fails."""
    cpu_before = _cpu_times()
    launched_at = time.time()
    start = time.perf_counter()
    log = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    peak_pss = 0
    done = threading.Event()

    def poll() -> None:
        nonlocal peak_pss
        while not done.wait(0.25):
            peak_pss = max(peak_pss, sum(_pss_kib(p) for p in _descendants(proc.pid)))

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    poller.join()
    spent = [after - before for after, before in zip(_cpu_times(), cpu_before, strict=True)]
    steal_pct = 100.0 * spent[7] / max(sum(spent), 1)
    proc.returncode = os.waitstatus_to_exitcode(status)
    log.seek(0)
    output = log.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({proc.returncode}):\n{output[-4000:]}")
    # ru_maxrss is in KiB on Linux.
    return ChildRun(wall, usage.ru_maxrss / 1024, peak_pss / 1024, launched_at, steal_pct, output)


# -- the plain-PyTorch baseline (runs in its own process; imports no tzrec) ----------------
#: Baseline table layouts: one nn.EmbeddingBag per table (the issue's baseline), or all
#: 26 tables of a kind stacked into one nn.EmbeddingBag with per-table id offsets.
LAYOUTS = ("per_table", "one_table")


def run_baseline(shape: Shape, train_glob: str, result_path: str, layout: str) -> None:
    """Train a plain-PyTorch DeepFM of the same shape on pre-loaded tensors.

    The setup a competent engineer would write for CPU: ``nn.EmbeddingBag`` (mode sum,
    ``sparse=True``) tables, 26 for the FM/deep embeddings (dim 16) and 26 for the wide
    ones (dim 4); ``torch.optim.Adagrad`` on their sparse gradients (only the batch's
    rows are touched; in a quiet 2-core run dense gradients, where Adagrad sweeps every
    table each step, were 1.7x slower: 14k vs 24k samples/s); ``torch.optim.Adam`` on
    the MLPs; BCE-with-logits.
    ``layout`` ``per_table`` keeps one module per table; ``one_table`` stacks the 26
    tables of a kind into one module (ids offset by ``table * buckets``), so each kind
    is one lookup and one Adagrad update, like TorchRec's fused kernel.

    Writes ``{"samples_per_s": ..., "loss": ...}`` as JSON to ``result_path``.
    """
    import glob

    import numpy as np
    import pyarrow.parquet as pq
    import torch
    from torch import nn

    def mlp(in_dim: int, hidden: Sequence[int]) -> nn.Sequential:
        layers: list[nn.Module] = []
        for units in hidden:
            layers += [nn.Linear(in_dim, units), nn.ReLU()]
            in_dim = units
        return nn.Sequential(*layers)

    class Tables(nn.Module):
        """26 tables of ``dim`` columns; (batch, 26) ids -> (batch, 26, dim)."""

        def __init__(self, dim: int) -> None:
            super().__init__()
            self.dim = dim
            if layout == "one_table":
                self.bags = nn.ModuleList(
                    [nn.EmbeddingBag(NUM_SPARSE * shape.buckets, dim, mode="sum", sparse=True)]
                )
                self.register_buffer("offsets", torch.arange(NUM_SPARSE) * shape.buckets)
            else:
                self.bags = nn.ModuleList(
                    nn.EmbeddingBag(shape.buckets, dim, mode="sum", sparse=True)
                    for _ in range(NUM_SPARSE)
                )

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            if layout == "one_table":
                flat = (ids + self.get_buffer("offsets")).reshape(-1, 1)
                return self.bags[0](flat).view(ids.shape[0], NUM_SPARSE, self.dim)
            return torch.stack([bag(ids[:, i : i + 1]) for i, bag in enumerate(self.bags)], 1)

    class PlainDeepFM(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = Tables(shape.dim)
            self.wide = Tables(shape.wide_dim)
            self.deep = mlp(NUM_DENSE + NUM_SPARSE * shape.dim, shape.deep)
            self.final = mlp(shape.wide_dim + shape.dim + shape.deep[-1], shape.final)
            self.out = nn.Linear(shape.final[-1], 1)

        def forward(self, dense: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
            embs = self.emb(ids)
            fm = 0.5 * (embs.sum(dim=1).pow(2) - embs.pow(2).sum(dim=1))
            deep = self.deep(torch.cat([dense, embs.flatten(1)], dim=1))
            final = self.final(torch.cat([self.wide(ids).sum(dim=1), fm, deep], dim=1))
            return self.out(final).squeeze(1)

    torch.manual_seed(0)
    table = pq.read_table(sorted(glob.glob(train_glob)))
    dense_all = torch.from_numpy(
        np.stack([table[f"int_{i}"].to_numpy() for i in range(NUM_DENSE)], 1).astype(np.float32)
    )
    ids_all = torch.from_numpy(
        np.stack([table[f"cat_{i}"].to_numpy() for i in range(NUM_SPARSE)], 1).astype(np.int64)
    )
    labels_all = torch.from_numpy(table["label"].to_numpy().astype(np.float32))
    del table
    model = PlainDeepFM()
    sparse_params = [*model.emb.parameters(), *model.wide.parameters()]
    sparse_ids = {id(p) for p in sparse_params}
    dense_params = [p for p in model.parameters() if id(p) not in sparse_ids]
    sparse_opt = torch.optim.Adagrad(sparse_params, lr=0.01)
    dense_opt = torch.optim.Adam(dense_params, lr=0.001)
    loss_fn = nn.BCEWithLogitsLoss()
    step_seconds = []
    for step in range(shape.steps):
        step_start = time.perf_counter()
        if step == shape.warmup:
            start = step_start
        rows = slice(step * shape.batch, (step + 1) * shape.batch)
        loss = loss_fn(model(dense_all[rows], ids_all[rows]), labels_all[rows])
        sparse_opt.zero_grad(set_to_none=True)
        dense_opt.zero_grad(set_to_none=True)
        loss.backward()
        sparse_opt.step()
        dense_opt.step()
        if step >= shape.warmup:
            step_seconds.append(time.perf_counter() - step_start)
    elapsed = time.perf_counter() - start
    result = {
        "samples_per_s": (shape.steps - shape.warmup) * shape.batch / elapsed,
        "steady_samples_per_s": steady_rate(shape.batch, step_seconds),
        "loss": float(loss),
    }
    Path(result_path).write_text(json.dumps(result))


# -- the orchestration ---------------------------------------------------------------------
def _env(threads: int) -> dict[str, str]:
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = str(threads)
    env["MKL_NUM_THREADS"] = str(threads)
    return env


def _import_seconds(env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import torch, torchrec"], env=env, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _child_numbers(child: ChildRun) -> dict[str, float]:
    return {
        "wall_s": child.wall_s,
        "peak_rss_mib": child.peak_rss_mib,
        "peak_tree_pss_mib": child.peak_tree_pss_mib,
        "steal_pct": child.steal_pct,
    }


def _baseline_run(
    shape: Shape, smoke: bool, train_glob: str, layout: str, root: Path, env: dict[str, str]
) -> dict[str, Any]:
    result_path = root / f"baseline_{layout}.json"
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        *(["--smoke"] if smoke else []),
        *("--steps", str(shape.steps), "--warmup", str(shape.warmup)),
        *("--baseline-child", layout, train_glob, str(result_path)),
    ]
    child = run_child(command, env)
    return {"layout": layout, **json.loads(result_path.read_text()), **_child_numbers(child)}


def _tzrec_run(
    shape: Shape, train_glob: str, workers: int, root: Path, env: dict[str, str], attempt: int
) -> dict[str, Any]:
    # A record every step, for the per-step times; it costs a loss read-out, a JSON line
    # and two TensorBoard scalars (well under 1% of a step).
    log_every = 1
    config = root / f"deepfm_w{workers}.config"
    config.write_text(pipeline_config_text(shape, train_glob, workers, log_every))
    model_dir = root / f"model_w{workers}_{attempt}"
    tzrec = shutil.which("tzrec", path=str(Path(sys.executable).parent)) or "tzrec"
    command = [tzrec, "train", "--pipeline_config_path", str(config), "--model_dir", str(model_dir)]
    child = run_child(command, env)
    rates = history_rate(model_dir, shape)
    shutil.rmtree(model_dir, ignore_errors=True)
    return {
        "num_workers": workers,
        "samples_per_s": rates["samples_per_s"],
        "steady_samples_per_s": rates["steady_samples_per_s"],
        "timed_steps": rates["timed_steps"],
        "launch_to_first_step_s": rates["first_step_time"] - child.launched_at,
        **_child_numbers(child),
    }


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median samples/s (the upper one of an even count), with all rates."""
    ordered = sorted(runs, key=lambda r: r["samples_per_s"])
    chosen = dict(ordered[len(ordered) // 2])
    chosen["all_samples_per_s"] = [r["samples_per_s"] for r in runs]
    return chosen


def _parse_workers(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"--num-workers: expected e.g. 0,1,2, got {text!r}") from e
    if not values or min(values) < 0:
        raise argparse.ArgumentTypeError(f"--num-workers: expected e.g. 0,1,2, got {text!r}")
    return values


def _shape_from_args(args: argparse.Namespace) -> Shape:
    base = SMOKE if args.smoke else Shape()
    steps = args.steps if args.steps is not None else base.steps
    if args.rows is not None:
        steps = max(args.rows // base.batch, 1)
    warmup = args.warmup if args.warmup is not None else min(base.warmup, steps // 3)
    if steps - warmup < 2:
        raise SystemExit(f"--steps {steps} leaves fewer than 2 steps after a warm-up of {warmup}")
    if steps % 2:
        raise SystemExit(
            f"--steps {steps}: use an even count, so 2 loader workers get full batches"
        )
    return replace(base, steps=steps, warmup=warmup)


def measure(args: argparse.Namespace, shape: Shape) -> dict[str, Any]:
    """Write the data, then run the import floor, both baselines and tzrec per worker count.

    Each round runs every case once, interleaved, so a slow spell of the machine hits all
    of them alike; each case reports its median round.
    """
    env = _env(args.threads)
    with tempfile.TemporaryDirectory(prefix="bench_train_") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        train_glob = write_data(shape, root / "data")
        print(
            f"data: {shape.rows:,} rows, {time.perf_counter() - start:.1f} s to write", flush=True
        )
        import_s = _import_seconds(env, 1 if args.smoke else 3)
        baselines: dict[str, list[dict[str, Any]]] = {layout: [] for layout in LAYOUTS}
        tzrec: dict[int, list[dict[str, Any]]] = {w: [] for w in args.num_workers}
        for attempt in range(args.repeats):
            for layout in LAYOUTS:
                run = _baseline_run(shape, args.smoke, train_glob, layout, root, env)
                baselines[layout].append(run)
                print(f"round {attempt}: baseline {layout}: {run['samples_per_s']:,.0f}/s")
            for workers in args.num_workers:
                run = _tzrec_run(shape, train_glob, workers, root, env, attempt)
                tzrec[workers].append(run)
                print(
                    f"round {attempt}: tzrec num_workers={workers}: {run['samples_per_s']:,.0f}/s"
                )
    return {
        "shape": asdict(shape),
        "threads": args.threads,
        "repeats": args.repeats,
        "import_torch_torchrec_s": import_s,
        "baseline": {layout: _median_run(runs) for layout, runs in baselines.items()},
        "tzrec": [_median_run(runs) for runs in tzrec.values()],
    }


def print_table(report: dict[str, Any]) -> None:
    """The numbers, with tzrec's ratios to both baselines measured in the same run."""
    shape = report["shape"]
    base = report["baseline"]
    print(
        f"\nDeepFM {NUM_DENSE} dense + {NUM_SPARSE} sparse ({shape['buckets']:,} buckets, dim "
        f"{shape['dim']}), batch {shape['batch']}, {shape['steps']} steps (first "
        f"{shape['warmup']} untimed), {report['threads']} threads, median of "
        f"{report['repeats']} round(s)"
    )
    print(
        f"{'':30s} {'samples/s':>9s} {'/per-tbl':>8s} {'/one-tbl':>8s} {'steady/s':>9s} "
        f"{'/per-tbl':>8s} {'/one-tbl':>8s} {'peak RSS':>9s} {'tree PSS':>9s} {'->step 1':>8s} "
        f"{'wall':>5s}"
    )

    def row(name: str, run: dict[str, Any], first_step: str) -> None:
        cells = []
        for key in ("samples_per_s", "steady_samples_per_s"):
            rate = run[key]
            cells.append(
                f"{rate:9,.0f} {rate / base['per_table'][key]:8.2f} "
                f"{rate / base['one_table'][key]:8.2f}"
            )
        print(
            f"{name:30s} {' '.join(cells)} {run['peak_rss_mib']:7.0f}Mi "
            f"{run['peak_tree_pss_mib']:7.0f}Mi {first_step:>8s} {run['wall_s']:4.0f}s"
        )

    row("PyTorch, per-table bags", report["baseline"]["per_table"], "")
    row("PyTorch, one stacked bag", report["baseline"]["one_table"], "")
    for run in report["tzrec"]:
        first = f"{run['launch_to_first_step_s']:.1f}s"
        row(f"tzrec train, num_workers={run['num_workers']}", run, first)
    print(
        f"launch floor (python -c 'import torch, torchrec'): "
        f"{report['import_torch_torchrec_s']:.1f} s. Targets: tzrec >= 1.0x the per-table "
        "baseline, launch -> step 1 <= 8 s."
    )
    print(
        "samples/s: rows over the timed span; steady/s: from the median step time (the "
        "machine stalls for seconds now and then)."
    )


def main() -> int:
    """Parse the flags, measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=None, help="training steps (default 50)")
    parser.add_argument("--rows", type=int, default=None, help="rows instead of --steps")
    parser.add_argument("--warmup", type=int, default=None, help="untimed first steps")
    parser.add_argument("--num-workers", type=_parse_workers, default=[0, 1, 2])
    parser.add_argument("--repeats", type=int, default=1, help="rounds of every case")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a harness check")
    parser.add_argument("--json", default=None, help="also write the numbers here")
    parser.add_argument("--baseline-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    shape = _shape_from_args(args)
    if args.baseline_child:
        layout, train_glob, result_path = args.baseline_child
        run_baseline(shape, train_glob, result_path, layout)
        return 0
    report = measure(args, shape)
    print_table(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
