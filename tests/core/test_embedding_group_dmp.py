"""EmbeddingGroup under TorchRec DistributedModelParallel matches the unsharded module.

A tiny model (EmbeddingGroup + Linear) is sharded by a plan from TorchRec's planner with
the group's own parameter constraints, fused SGD applied in backward, on real gloo
process groups (1 and 2 processes, CPU). With the unsharded module's weights copied into
the shards, every output tensor must be the same, for pooled, weighted, wide, dense
(mlp-embedded) and sequence lookups.
"""

from __future__ import annotations

import copy
import json
import os
import socket
from pathlib import Path

import pyarrow as pa
import torch
import torch.multiprocessing as mp
from google.protobuf import text_format
from torch import nn
from torch.distributed._shard.sharded_tensor import ShardedTensor
from torchrec.distributed.embedding import EmbeddingCollectionSharder
from torchrec.distributed.embeddingbag import EmbeddingBagCollectionSharder
from torchrec.distributed.model_parallel import DistributedModelParallel
from torchrec.distributed.planner import EmbeddingShardingPlanner, Topology
from torchrec.optim import apply_optimizer_in_backward

from tzrec.datasets.batch import Batch
from tzrec.datasets.data_parser import DataParser
from tzrec.features.factory import context_from_data_config, create_features
from tzrec.modules.embedding import EmbeddingGroup
from tzrec.protos import constraints_pb2, pipeline_pb2

CONFIG = """
data_config { fg_mode: FG_NONE label_fields: "y" }
feature_configs { id_feature { feature_name: "a" num_buckets: 10 embedding_dim: 4 } }
feature_configs {
  id_feature { feature_name: "tags" num_buckets: 7 value_dim: 0 embedding_dim: 8 pooling: "mean" }
}
feature_configs { raw_feature { feature_name: "x" } }
feature_configs { raw_feature { feature_name: "p" embedding_dim: 4 mlp {} } }
feature_configs { id_feature { feature_name: "w" num_buckets: 10 weighted: true embedding_dim: 4 } }
feature_configs { sequence_feature { sequence_name: "click" sequence_length: 3
  features { id_feature {
    feature_name: "a" num_buckets: 10 embedding_dim: 4 embedding_name: "a_emb"
  } }
} }
model_config {
  feature_groups { group_name: "wide" feature_names: ["a", "tags"] group_type: WIDE }
  feature_groups {
    group_name: "deep" feature_names: ["a", "tags", "x", "p", "w"]
    sequence_groups { group_name: "seq" feature_names: ["a", "click__a"] }
    sequence_encoders { pooling_encoder { pooling_type: "mean" } }
  }
  feature_groups { group_name: "s" feature_names: ["a", "click__a"] group_type: SEQUENCE }
}
"""


def _config() -> pipeline_pb2.EasyRecConfig:
    return text_format.Parse(CONFIG, pipeline_pb2.EasyRecConfig())


def _batch(rank: int) -> Batch:
    """A different batch per rank (data parallel)."""
    config = _config()
    features = create_features(config.feature_configs, context_from_data_config(config.data_config))
    rows = [
        {"a": 1, "tags": [1, 2], "x": 0.5, "p": 1.0, "w": "1:0.5", "click__a": "1;2"},
        {"a": 2, "tags": [3], "x": 1.5, "p": 2.0, "w": "2:1.5", "click__a": ""},
        {"a": 3, "tags": [], "x": 2.5, "p": 3.0, "w": "", "click__a": "3;4;5;6"},
        {"a": 9, "tags": [6, 6, 0], "x": -1.0, "p": -2.0, "w": "9:2", "click__a": "9"},
    ]
    rows = rows[rank:] + rows[:rank]
    columns = {k: [r[k] for r in rows] for k in rows[0]}
    record_batch = pa.RecordBatch.from_pydict(
        {
            "a": pa.array(columns["a"], pa.int64()),
            "tags": pa.array(columns["tags"], pa.list_(pa.int64())),
            "x": pa.array(columns["x"], pa.float32()),
            "p": pa.array(columns["p"], pa.float32()),
            "w": pa.array(columns["w"]),
            "click__a": pa.array(columns["click__a"]),
            "y": pa.array([1, 0, 1, 0]),
        }
    )
    return DataParser(features, label_fields=["y"]).parse(record_batch)


class TinyModel(nn.Module):
    """EmbeddingGroup + a Linear on the deep group."""

    def __init__(self) -> None:
        super().__init__()
        config = _config()
        features = create_features(
            config.feature_configs, context_from_data_config(config.data_config)
        )
        self.embedding_group = EmbeddingGroup(features, config.model_config.feature_groups)
        self.linear = nn.Linear(self.embedding_group.group_total_dim("deep"), 1)

    def forward(self, batch: Batch) -> dict[str, torch.Tensor]:
        out = self.embedding_group(batch)
        out["logit"] = self.linear(out["deep"])
        return out


def _copy_weights(sharded: nn.Module, reference: nn.Module) -> None:
    """Copy the reference state into the sharded model, shard by shard."""
    reference_state = reference.state_dict()
    with torch.no_grad():
        for key, value in sharded.state_dict().items():
            source = reference_state[key]
            if isinstance(value, ShardedTensor):
                for shard in value.local_shards():
                    offsets, sizes = shard.metadata.shard_offsets, shard.metadata.shard_sizes
                    index = tuple(slice(o, o + n) for o, n in zip(offsets, sizes, strict=True))
                    shard.tensor.copy_(source[index])
            else:
                value.copy_(source)


def _rank_main(rank: int, world_size: int, port: int, out_dir: str, sharding: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.distributed.init_process_group("gloo", rank=rank, world_size=world_size)
    try:
        torch.manual_seed(0)
        reference = TinyModel().eval()
        model = copy.deepcopy(reference)
        group = model.embedding_group
        sparse_params = [
            p
            for module in (group.ebc, group.weighted_ebc, *group.ecs.values())
            if module is not None
            for p in module.parameters()
        ]
        apply_optimizer_in_backward(torch.optim.SGD, sparse_params, {"lr": 0.1})
        sharders = [EmbeddingBagCollectionSharder(), EmbeddingCollectionSharder()]
        global_constraints = constraints_pb2.ParameterConstraints(sharding_types=[sharding])
        planner = EmbeddingShardingPlanner(
            topology=Topology(world_size=world_size, compute_device="cpu"),
            constraints=group.parameter_constraints(global_constraints),
        )
        plan = planner.collective_plan(model, sharders, torch.distributed.GroupMember.WORLD)
        dmp = DistributedModelParallel(
            model, device=torch.device("cpu"), plan=plan, sharders=sharders
        ).eval()
        _copy_weights(dmp, reference)
        batch = _batch(rank)
        got = dmp(batch)
        expected = reference(batch)
        result = {
            "keys": sorted(got) == sorted(expected),
            "max_diff": {
                k: float((got[k].float() - v.float()).abs().max()) for k, v in expected.items()
            },
            "sharding": sorted(
                {s.sharding_type for params in plan.plan.values() for s in params.values()}
            ),
            "nonzero": {k: bool(v.abs().sum() > 0) for k, v in expected.items()},
        }
        Path(out_dir, f"rank{rank}.json").write_text(json.dumps(result))
    finally:
        torch.distributed.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(tmp_path: Path, world_size: int, sharding: str) -> list[dict]:
    mp.spawn(
        _rank_main,
        args=(world_size, _free_port(), str(tmp_path), sharding),
        nprocs=world_size,
        join=True,
    )
    return [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(world_size)]


def _check(results: list[dict], sharding: str) -> None:
    for result in results:
        assert result["keys"]
        assert result["sharding"] == [sharding]
        assert set(result["max_diff"]) >= {"deep", "wide", "logit", "s.sequence", "seq.query"}
        assert all(result["nonzero"].values())
        for key, diff in result["max_diff"].items():
            assert diff < 1e-5, (key, diff)


def test_single_process_dmp_matches_unsharded(tmp_path: Path) -> None:
    _check(_run(tmp_path, 1, "table_wise"), "table_wise")


def test_two_process_table_wise_dmp_matches_unsharded(tmp_path: Path) -> None:
    _check(_run(tmp_path, 2, "table_wise"), "table_wise")
