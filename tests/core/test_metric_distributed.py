"""Metrics under torch.distributed.

Two gloo ranks, each seeing part of the data, agree with one process seeing all of it.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp
from google.protobuf import text_format

from tests.core.metric_reference import exact_auc, grouped_auc
from tzrec.metrics import RankMetric, create_metric
from tzrec.protos import metric_pb2

METRICS = {
    "auc { thresholds: 200 }": 1,
    "grouped_auc { grouping_key: 'user_id' }": 1,
    "normalized_entropy {}": 1,
    "grouped_xauc { grouping_key: 'user_id' max_pairs_per_group: 100000 }": 1,
    "xauc { sample_ratio: 1.0 }": 1,
}
ROWS, RANK0_ROWS = 700, 400  # the ranks see unequal parts


def data() -> dict[str, torch.Tensor]:
    rng = np.random.default_rng(11)
    labels = rng.integers(0, 2, ROWS)
    preds = np.clip(rng.normal(0.4 + 0.2 * labels, 0.2), 0.001, 0.999).round(3)
    groups = rng.integers(0, 40, ROWS)
    return {
        "preds": torch.tensor(preds, dtype=torch.float32),
        "labels": torch.tensor(labels),
        "groups": torch.tensor(groups),
    }


def build() -> list[RankMetric]:
    return [
        create_metric(text_format.Parse(text, metric_pb2.MetricConfig()), num_class)
        for text, num_class in METRICS.items()
    ]


def feed(metrics: list[RankMetric], rows: slice) -> None:
    batch = data()
    preds, labels, groups = batch["preds"][rows], batch["labels"][rows], batch["groups"][rows]
    for start in range(0, preds.numel(), 128):
        part = slice(start, start + 128)
        for metric in metrics:
            targets = labels[part].float() if "xauc" in metric.name else labels[part]
            metric.update(preds[part], targets, groups[part])


def _rank_main(rank: int, world_size: int, port: int, out_dir: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.distributed.init_process_group("gloo", rank=rank, world_size=world_size)
    try:
        metrics = build()
        feed(metrics, slice(0, RANK0_ROWS) if rank == 0 else slice(RANK0_ROWS, ROWS))
        values = {m.name: m.compute().item() for m in metrics}
        Path(out_dir, f"rank{rank}.json").write_text(json.dumps(values))
    finally:
        torch.distributed.destroy_process_group()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_two_ranks_match_one_process(tmp_path: Path) -> None:
    mp.spawn(_rank_main, args=(2, free_port(), str(tmp_path)), nprocs=2, join=True)
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]
    single = build()
    feed(single, slice(0, ROWS))
    expected = {m.name: m.compute().item() for m in single}
    for values in ranks:
        assert values.keys() == expected.keys()
        for name, value in expected.items():
            assert values[name] == pytest.approx(value, rel=1e-9), name
    # and the single-process values are the right ones
    batch = {k: v.numpy() for k, v in data().items()}
    reference = grouped_auc(batch["preds"], batch["labels"], batch["groups"])
    assert expected["grouped_auc"] == pytest.approx(reference, rel=1e-12)
    assert expected["auc"] == pytest.approx(exact_auc(batch["preds"], batch["labels"]), abs=5e-3)
    # a rank on its own sees different data: the sync is what makes them agree
    half = build()
    feed(half, slice(0, RANK0_ROWS))
    assert half[1].compute().item() != pytest.approx(expected["grouped_auc"], rel=1e-6)
