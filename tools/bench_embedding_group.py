"""Forward + backward time of EmbeddingGroup on the DeepFM shape, next to to_dict + cat.

The shape is tools/bench_train.py's: 13 raw (dense) + 26 id features (embedding dim 16,
wide dim 4), groups wide (26 ids), fm (26 ids) and deep (13 dense + 26 ids), batch 8192.
Three cases run on the same module and batch, each timed as the median of ``--steps``
forward + backward passes (after ``--warmup`` untimed ones), the loss a fixed random
weighting of every group output:

- ``EmbeddingGroup``: its forward, however it assembles the groups;
- ``to_dict + cat``: the straightforward assembly (each KeyedTensor split into per-key
  tensors, each group ``torch.cat`` of its pieces), written here, using the same lookups;
- ``lookup only``: the bag lookup alone (its output weighted into the loss), the floor
  that both assemblies add to.

In training the tables are updated by TorchRec's fused kernels (an optimizer applied in
backward), the same work for every assembly; here the lookup's output is detached into a
leaf that requires grad, so the backward times the assembly and not dense gradients of
26 x 2 tables.

    python tools/bench_embedding_group.py [--steps 20] [--batch 8192] [--threads 2]

Measured on the 2-core dev machine (batch 8192): with groups assembled from merged
column slices of the KeyedTensors (no split, one cat for deep, views for wide/fm), 14.1
ms vs 17.7 ms for to_dict + cat over a 9.9 ms lookup, i.e. 3.6 ms saved per step, under
1% of a DeepFM training step there, so EmbeddingGroup kept the plain to_dict + cat.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import torch
from google.protobuf import text_format
from torch import nn
from torchrec.sparse.jagged_tensor import KeyedJaggedTensor, KeyedTensor

from tzrec.datasets.batch import BASE_DATA_GROUP, Batch
from tzrec.datasets.data_parser import DataParser
from tzrec.features.factory import context_from_data_config, create_features
from tzrec.modules.embedding import EmbeddingGroup
from tzrec.modules.embedding_layout import PartKind
from tzrec.protos import pipeline_pb2

NUM_DENSE = 13
NUM_SPARSE = 26


class LeafOutput(nn.Module):
    """Wraps a bag module: its output values detached into a leaf that requires grad."""

    def __init__(self, ebc: nn.Module) -> None:
        super().__init__()
        self.inner = ebc

    def forward(self, kjt: KeyedJaggedTensor) -> KeyedTensor:
        """The inner module's KeyedTensor, values a fresh autograd leaf."""
        out = self.inner(kjt)
        return KeyedTensor(
            keys=out.keys(),
            length_per_key=out.length_per_key(),
            values=out.values().detach().requires_grad_(),
        )


def build(batch_size: int, buckets: int, dim: int, wide_dim: int) -> tuple[EmbeddingGroup, Batch]:
    """The DeepFM-shaped EmbeddingGroup and one random batch."""
    ints = [f"int_{i}" for i in range(NUM_DENSE)]
    cats = [f"cat_{i}" for i in range(NUM_SPARSE)]
    text = 'data_config { fg_mode: FG_NONE label_fields: "label" }\n'
    text += "".join(f'feature_configs {{ raw_feature {{ feature_name: "{n}" }} }}\n' for n in ints)
    text += "".join(
        f'feature_configs {{ id_feature {{ feature_name: "{n}" num_buckets: {buckets} '
        f"embedding_dim: {dim} }} }}\n"
        for n in cats
    )

    def group(name: str, kind: str, names: list[str]) -> str:
        listed = " ".join(f'feature_names: "{n}"' for n in names)
        return f'feature_groups {{ group_name: "{name}" {listed} group_type: {kind} }}\n'

    text += "model_config {\n" + group("wide", "WIDE", cats) + group("fm", "DEEP", cats)
    text += group("deep", "DEEP", ints + cats) + "deepfm {}\n}\n"
    config = text_format.Parse(text, pipeline_pb2.EasyRecConfig())
    features = create_features(config.feature_configs, context_from_data_config(config.data_config))
    rng = np.random.default_rng(0)
    columns: dict[str, pa.Array] = {"label": pa.array(rng.integers(0, 2, batch_size))}
    for n in ints:
        columns[n] = pa.array(rng.lognormal(1.0, 1.5, batch_size).astype(np.float32))
    for n in cats:
        columns[n] = pa.array((rng.zipf(1.1, batch_size) - 1) % buckets)
    parser = DataParser(features, label_fields=["label"])
    batch = parser.parse(pa.RecordBatch.from_pydict(columns))
    model = EmbeddingGroup(
        features, config.model_config.feature_groups, wide_embedding_dim=wide_dim
    )
    return model, batch


def reference_forward(model: EmbeddingGroup, batch: Batch) -> dict[str, torch.Tensor]:
    """The groups by to_dict + torch.cat of each group's pieces (same lookups)."""
    assert model.ebc is not None
    kjt = batch.sparse_features[BASE_DATA_GROUP]
    pooled = model.ebc(model._select(kjt, model._bag_lookups, False)).to_dict()
    dense = batch.dense_features[BASE_DATA_GROUP].to_dict()
    out = {}
    for spec in model._layout.groups.values():
        pieces = [
            pooled[p.source] if p.kind == PartKind.SPARSE else dense[p.source] for p in spec.parts
        ]
        out[spec.name] = torch.cat(pieces, dim=-1)
    return out


def lookup_only(model: EmbeddingGroup, batch: Batch) -> dict[str, torch.Tensor]:
    """Just the bag lookup's values."""
    assert model.ebc is not None
    kjt = batch.sparse_features[BASE_DATA_GROUP]
    return {"values": model.ebc(model._select(kjt, model._bag_lookups, False)).values()}


def time_case(forward: Callable[[], dict[str, torch.Tensor]], steps: int, warmup: int) -> float:
    """Median milliseconds of forward + backward (loss: fixed random weights per output)."""
    weights: dict[str, torch.Tensor] = {}
    times = []
    for step in range(warmup + steps):
        start = time.perf_counter()
        out = forward()
        if not weights:
            gen = torch.Generator().manual_seed(0)
            weights = {k: torch.randn(v.shape, generator=gen) for k, v in out.items()}
        loss = sum((out[k] * w).sum() for k, w in weights.items())
        loss.backward()  # type: ignore[union-attr]
        if step >= warmup:
            times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> int:
    """Parse the flags, check the two assemblies agree, time the three cases."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=8192)
    parser.add_argument("--buckets", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model, batch = build(args.batch, args.buckets, dim=16, wide_dim=4)
    assert model.ebc is not None
    model.ebc = LeafOutput(model.ebc)
    with torch.no_grad():
        got, expected = model(batch), reference_forward(model, batch)
    for name, tensor in expected.items():
        torch.testing.assert_close(got[name], tensor, rtol=0, atol=0)
    cases = {
        "EmbeddingGroup": lambda: model(batch),
        "to_dict + cat": lambda: reference_forward(model, batch),
        "lookup only": lambda: lookup_only(model, batch),
    }
    # Interleaved rounds, so a slow spell of the machine hits every case alike.
    rounds: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(3):
        for name, forward in cases.items():
            rounds[name].append(time_case(forward, args.steps, args.warmup))
    ms = {name: statistics.median(values) for name, values in rounds.items()}
    floor = ms["lookup only"]
    print(
        f"EmbeddingGroup forward+backward, DeepFM shape ({NUM_DENSE} dense + {NUM_SPARSE} ids, "
        f"dim 16, wide 4), batch {args.batch}, {args.threads} threads, median of 3 rounds x "
        f"{args.steps} steps"
    )
    print(f"{'':16s} {'ms/step':>8s} {'vs cat':>7s} {'over lookup':>12s}")
    for name, value in ms.items():
        print(f"{name:16s} {value:8.1f} {value / ms['to_dict + cat']:7.2f} {value - floor:10.1f}ms")
    over_new, over_ref = ms["EmbeddingGroup"] - floor, ms["to_dict + cat"] - floor
    print(
        f"assembly (time over the lookup): {over_new:.1f} ms vs {over_ref:.1f} ms with "
        f"to_dict + cat; forward+backward ratio EmbeddingGroup / to_dict+cat = "
        f"{ms['EmbeddingGroup'] / ms['to_dict + cat']:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
