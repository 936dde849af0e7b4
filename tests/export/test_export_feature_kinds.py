"""Feature kinds the fused inference tables must serve exactly, through export.

Export swaps every EmbeddingBagCollection / EmbeddingCollection for TorchRec's
inference modules (fp32 by default), whose lookups differ from the training modules':
one table-batched FBGEMM kernel, per-sample weights passed by the module, mean pooling
done by the kernel. This model puts every kind of lookup behind them and checks the
exported program against the eager model row by row:

- a weighted multi-value feature (sum pooling) and a weighted mean one;
- an unweighted feature sharing the weighted feature's table;
- an unweighted multi-value feature with mean pooling;
- a dense value embedded by an MLP and a plain dense value;
- two DIN towers over two sequences of one item table, sub-features of different
  widths (two EmbeddingCollections), a query feature looked up in the sequence table;
- widths that are not a multiple of 4 (the fused tables align rows to 16 bytes).
"""

from __future__ import annotations

from pathlib import Path

import torch

from tests.export.export_support import read_rows
from tests.models.model_support import build_case, predictions, train_losses
from tzrec.datasets.data_parser import DataParser
from tzrec.engine.checkpoint import TrainState, save_checkpoint
from tzrec.export import export
from tzrec.models.wrappers import TrainWrapper
from tzrec.protos import pipeline_pb2
from tzrec.serving import load_exported
from tzrec.utils.config_util import save_message

BODY = """
feature_configs { id_feature { feature_name: "tags" num_buckets: 50 embedding_dim: 8
    value_dim: 0 weighted: true } }
feature_configs { id_feature { feature_name: "tags_mean" num_buckets: 50 embedding_dim: 8
    value_dim: 0 weighted: true pooling: "mean" } }
feature_configs { id_feature { feature_name: "tag" num_buckets: 50 embedding_dim: 8
    embedding_name: "tags_emb" } }
feature_configs { id_feature { feature_name: "cats" num_buckets: 30 embedding_dim: 5
    value_dim: 0 pooling: "mean" } }
feature_configs { raw_feature { feature_name: "price" embedding_dim: 4 mlp {} } }
feature_configs { raw_feature { feature_name: "age" } }
feature_configs { id_feature { feature_name: "item_id" num_buckets: 100 embedding_dim: 8
    embedding_name: "item_emb" } }
feature_configs { id_feature { feature_name: "cate_id" num_buckets: 20 embedding_dim: 3
    embedding_name: "cate_emb" } }
feature_configs { sequence_feature { sequence_name: "click_seq" sequence_length: 6
  features { id_feature { feature_name: "item_id" num_buckets: 100 embedding_dim: 8
                          embedding_name: "item_emb" } }
  features { id_feature { feature_name: "cate_id" num_buckets: 20 embedding_dim: 3
                          embedding_name: "cate_emb" } }
} }
feature_configs { sequence_feature { sequence_name: "buy_seq" sequence_length: 4
  features { id_feature { feature_name: "item_id" num_buckets: 100 embedding_dim: 8
                          embedding_name: "item_emb" } }
} }
model_config {
  feature_groups { group_name: "deep" group_type: DEEP
    feature_names: ["tags", "tags_mean", "tag", "cats", "price", "age"] }
  feature_groups { group_name: "clicks" group_type: SEQUENCE
    feature_names: ["item_id", "cate_id", "click_seq__item_id", "click_seq__cate_id"] }
  feature_groups { group_name: "buys" group_type: SEQUENCE
    feature_names: ["item_id", "buy_seq__item_id"] }
  multi_tower_din {
    towers { input: "deep" mlp { hidden_units: [16, 8] } }
    din_towers { input: "clicks" attn_mlp { hidden_units: [8] } }
    din_towers { input: "buys" attn_mlp { hidden_units: [8] } }
    final { hidden_units: [8] }
  }
  metrics { auc {} } losses { binary_cross_entropy {} }
}
"""


def test_every_lookup_kind_exports_exactly(tmp_path: Path) -> None:
    case = build_case(BODY, tmp_path / "data", num_rows=512)
    train_losses(case, epochs=1)
    config = pipeline_pb2.EasyRecConfig()
    config.CopyFrom(case.config)
    config.model_dir = str(tmp_path / "model")
    config.train_input_path = case.train_input_path
    save_checkpoint(
        config.model_dir, TrainState(2, 1), TrainWrapper(case.model).state_dict(), None, rank=0
    )
    save_message(config, str(tmp_path / "pipeline.config"))
    export(str(tmp_path / "pipeline.config"), str(tmp_path / "export"))

    rows = read_rows(case.train_input_path, 300)
    batch = DataParser(case.features).parse(rows)
    kjt = batch.sparse_features["__BASE__"]
    # The rows exercise what the test is about: several weighted ids, empty rows, steps.
    assert int(kjt["tags_mean"].lengths().max()) > 1
    assert int(kjt["cats"].lengths().max()) > 1
    assert int(kjt["buy_seq__item_id"].lengths().max()) > 1
    case.model.set_serving(True)
    eager = predictions(case, batch)
    served = load_exported(str(tmp_path / "export")).predict(rows)
    assert sorted(served) == sorted(eager) == ["logits", "probs"]
    assert eager["probs"].std() > 1e-4
    torch.testing.assert_close(served["logits"], eager["logits"], rtol=0, atol=1e-5)
