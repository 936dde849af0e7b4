"""EmbeddingGroup outputs and gradients equal the straightforward to_dict + cat assembly.

The reference here is written independently of EmbeddingGroup.forward: each lookup
KeyedTensor split into per-key tensors (``to_dict``), every piece looked up by name and
each group's pieces joined with ``torch.cat``. Outputs and every parameter's gradient must
be equal on configs with shared tables, wide and suffixed tables, raw and mlp-embedded
dense features, weighted features, sequence encoders and groups whose features are not in
table order. It guards any cheaper assembly (e.g. column slices of the KeyedTensors'
values instead of split + cat; see tools/bench_embedding_group.py).
"""

from __future__ import annotations

import pyarrow as pa
import pytest
import torch
from google.protobuf import text_format
from torchrec.sparse.jagged_tensor import KeyedJaggedTensor

from tzrec.datasets.batch import BASE_DATA_GROUP, Batch
from tzrec.datasets.data_parser import DataParser
from tzrec.features.factory import context_from_data_config, create_features
from tzrec.modules.embedding import EmbeddingGroup
from tzrec.modules.embedding_layout import Part, PartKind, TableModule
from tzrec.modules.jagged import segment_pool
from tzrec.protos import model_pb2, pipeline_pb2

FEATURES = """
data_config { fg_mode: FG_NONE label_fields: "y" }
feature_configs { id_feature { feature_name: "a" num_buckets: 10 embedding_dim: 4 } }
feature_configs { id_feature { feature_name: "b" num_buckets: 10 embedding_dim: 4
                               embedding_name: "a_emb" } }
feature_configs {
  id_feature { feature_name: "tags" num_buckets: 7 value_dim: 0 embedding_dim: 4 pooling: "mean" }
}
feature_configs { id_feature { feature_name: "u" num_buckets: 5 embedding_dim: 8 } }
feature_configs { id_feature { feature_name: "w" num_buckets: 4 embedding_dim: 4 weighted: true } }
feature_configs { raw_feature { feature_name: "x" } }
feature_configs { raw_feature { feature_name: "v" value_dim: 2 } }
feature_configs { raw_feature { feature_name: "p" embedding_dim: 3 mlp {} } }
feature_configs { raw_feature { feature_name: "z" } }
feature_configs { id_feature { feature_name: "c" num_buckets: 5 embedding_dim: 4 } }
feature_configs { sequence_feature { sequence_name: "click" sequence_length: 3
  features { id_feature { feature_name: "c" num_buckets: 5 embedding_dim: 4
                          embedding_name: "c_emb" } }
  features { raw_feature { feature_name: "price" } }
} }
"""

COLUMNS = {
    "a": pa.array([1, 2, 3], pa.int64()),
    "b": pa.array([4, 0, 9], pa.int64()),
    "tags": pa.array([[1, 2], [3], []], pa.list_(pa.int64())),
    "u": pa.array([0, 1, 4], pa.int64()),
    "w": pa.array(["1:0.5", "2:1.5", ""]),
    "x": pa.array([0.5, 1.5, 2.5], pa.float32()),
    "v": pa.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], pa.list_(pa.float32())),
    "p": pa.array([1.0, 2.0, -1.0], pa.float32()),
    "z": pa.array([-0.5, 0.25, 4.0], pa.float32()),
    "c": pa.array([0, 4, 2], pa.int64()),
    "click__c": pa.array(["0;1;2", "", "3"]),
    "click__price": pa.array(["0.5;1.5;2.5", "", "1.0"]),
    "y": pa.array([1, 0, 1]),
}

# Shared table (a, b on a_emb), wide and suffixed tables, dense raw and mlp (p twice),
# a weighted bag, and groups whose order is not the tables' order.
SHARED_WIDE_DENSE = """
feature_groups { group_name: "wide" feature_names: ["tags", "a", "u"] group_type: WIDE }
feature_groups { group_name: "deep" feature_names: ["b", "x", "tags", "v", "a", "p", "w", "z"] }
feature_groups { group_name: "fm" feature_names: ["a", "b", "tags"] group_type: DEEP }
feature_groups { group_name: "dense" feature_names: ["v", "x", "p", "z"] }
feature_groups { group_name: "other" feature_names: ["u", "a"] embedding_name_suffix: "o" }
feature_groups { group_name: "one" feature_names: ["u"] }
"""

# Sequence encoders over a nested group whose query mixes sparse, raw and mlp dense; a
# SEQUENCE group; "c" pooled from the sequence table (an EmbeddingCollection lookup).
SEQUENCES = """
feature_groups {
  group_name: "deep" feature_names: ["a", "x", "c", "p"]
  sequence_groups { group_name: "seq" feature_names: ["c", "x", "click__c", "click__price"] }
  sequence_groups { group_name: "seq2" feature_names: ["p", "a", "x", "b", "click__c"] }
  sequence_encoders { din_encoder { input: "seq" attn_mlp { hidden_units: [4] } } }
  sequence_encoders { pooling_encoder { input: "seq2" pooling_type: "mean" } }
}
feature_groups { group_name: "s" feature_names: ["a", "b", "click__c"] group_type: SEQUENCE }
feature_groups { group_name: "wide" feature_names: ["c", "a"] group_type: WIDE }
"""


def build(groups: str) -> tuple[EmbeddingGroup, Batch]:
    config = text_format.Parse(FEATURES, pipeline_pb2.EasyRecConfig())
    model = text_format.Parse(groups, model_pb2.ModelConfig())
    features = create_features(config.feature_configs, context_from_data_config(config.data_config))
    batch = DataParser(features, label_fields=["y"]).parse(pa.RecordBatch.from_pydict(COLUMNS))
    torch.manual_seed(0)
    group = EmbeddingGroup(features, model.feature_groups)
    with torch.no_grad():
        for param in group.parameters():
            param.normal_()
    return group, batch


def _select(
    kjt: KeyedJaggedTensor, features: list[str], keys: list[str], weights: bool
) -> KeyedJaggedTensor:
    picked = kjt.permute([kjt.keys().index(f) for f in features])
    return KeyedJaggedTensor(
        keys=keys,
        values=picked.values(),
        lengths=picked.lengths(),
        weights=picked.weights_or_none() if weights else None,
        stride=kjt.stride(),
    )


def reference_pieces(group: EmbeddingGroup, batch: Batch) -> dict[str, torch.Tensor]:
    """Every pooled piece by name, through to_dict: "sparse:<key>" / "dense:<feature>"."""
    layout = group._layout
    kjt = batch.sparse_features[BASE_DATA_GROUP]
    pieces: dict[str, torch.Tensor] = {}
    bags = (
        (group.ebc, TableModule.BAG, False),
        (group.weighted_ebc, TableModule.WEIGHTED_BAG, True),
    )
    for module, kind, weighted in bags:
        if module is None:
            continue
        lookups = layout.lookups_of(kind)
        features, keys = [lk.feature for lk in lookups], [lk.key for lk in lookups]
        for key, value in module(_select(kjt, features, keys, weighted)).to_dict().items():
            pieces[f"sparse:{key}"] = value
    for dim, ec in group.ecs.items():
        lookups = group._seq_lookups[dim]
        features, keys = [lk.feature for lk in lookups], [lk.key for lk in lookups]
        jts = ec(_select(kjt, features, keys, False))
        for lk in lookups:
            if lk.pooled:
                jt = jts[lk.key]
                pieces[f"sparse:{lk.key}"] = segment_pool(jt.values(), jt.lengths(), lk.pooling)
    for name, value in batch.dense_features[BASE_DATA_GROUP].to_dict().items():
        pieces[f"dense:{name}"] = value
    return pieces


def reference_concat(
    group: EmbeddingGroup, parts: list[Part], pieces: dict[str, torch.Tensor]
) -> list[torch.Tensor]:
    out = []
    for part in parts:
        if part.kind == PartKind.SPARSE:
            out.append(pieces[f"sparse:{part.source}"])
        elif part.dense_embedding is None:
            out.append(pieces[f"dense:{part.source}"])
        else:
            out.append(group.dense_embeddings[part.dense_embedding](pieces[f"dense:{part.source}"]))
    return out


def reference_forward(group: EmbeddingGroup, batch: Batch) -> dict[str, torch.Tensor]:
    """DEEP/WIDE groups and sequence queries by to_dict + torch.cat (sequences from group)."""
    layout = group._layout
    pieces = reference_pieces(group, batch)
    got = group(batch)  # for the sequence tensors, which are not assembled from slices
    out: dict[str, torch.Tensor] = {}
    for seq in layout.sequence_groups.values():
        query = reference_concat(group, seq.query, pieces)
        out[f"{seq.name}.query"] = torch.cat(query, -1) if query else torch.zeros(3, 0)
        out[f"{seq.name}.sequence"] = got[f"{seq.name}.sequence"]
        out[f"{seq.name}.sequence_length"] = got[f"{seq.name}.sequence_length"]
    for spec in layout.groups.values():
        if spec.group_type in (model_pb2.SEQUENCE, model_pb2.JAGGED_SEQUENCE):
            continue
        items = reference_concat(group, spec.parts, pieces)
        for encoder in spec.encoders:
            module = group.sequence_encoders[f"{spec.name}__{encoder.name}"]
            items.append(
                module(
                    out[f"{encoder.input}.query"],
                    out[f"{encoder.input}.sequence"],
                    out[f"{encoder.input}.sequence_length"],
                )
            )
        out[spec.name] = torch.cat(items, -1)
    return out


def loss_and_grads(
    group: EmbeddingGroup, outputs: dict[str, torch.Tensor], names: list[str]
) -> dict[str, torch.Tensor]:
    """Gradients of a fixed random weighting of ``names``' outputs, per parameter."""
    group.zero_grad(set_to_none=True)
    gen = torch.Generator().manual_seed(1)
    loss = sum((outputs[n] * torch.randn(outputs[n].shape, generator=gen)).sum() for n in names)
    loss.backward()  # type: ignore[union-attr]
    return {
        name: p.grad.clone() if p.grad is not None else torch.zeros_like(p)
        for name, p in group.named_parameters()
    }


@pytest.mark.parametrize("groups", [SHARED_WIDE_DENSE, SEQUENCES], ids=["shared", "sequences"])
def test_outputs_and_gradients_equal_the_concatenation(groups: str) -> None:
    group, batch = build(groups)
    reference = reference_forward(group, batch)
    got = group(batch)
    names = sorted(k for k in reference if not k.endswith(("sequence", "sequence_length")))
    assert names  # groups and queries
    for name in names:
        torch.testing.assert_close(got[name], reference[name], rtol=0, atol=0, msg=name)
    # Non-trivial: every output has non-zero values.
    assert all(bool(reference[n].abs().sum() > 0) for n in names if reference[n].numel())
    expected_grads = loss_and_grads(group, reference_forward(group, batch), names)
    got_grads = loss_and_grads(group, group(batch), names)
    assert any(bool(g.abs().sum() > 0) for g in got_grads.values())
    for name, grad in expected_grads.items():
        torch.testing.assert_close(got_grads[name], grad, rtol=1e-6, atol=1e-6, msg=name)
