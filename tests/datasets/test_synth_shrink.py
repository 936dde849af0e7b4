"""cap_table_sizes: which fields it lowers, which it keeps, and that the result still builds."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from google.protobuf import text_format

from tzrec.datasets.synth import synthesize
from tzrec.datasets.synth.shrink import CappedField, cap_table_sizes
from tzrec.features.factory import context_from_data_config, create_features
from tzrec.protos import pipeline_pb2

CONFIG = """
data_config { fg_mode: FG_DAG label_fields: "clk" }
feature_configs {
  id_feature { feature_name: "big" expression: "user:big" num_buckets: 40000000 }
}
feature_configs {
  id_feature { feature_name: "small" expression: "user:small" num_buckets: 30 }
}
feature_configs {
  id_feature { feature_name: "hashed" expression: "item:hashed" hash_bucket_size: 5000 }
}
feature_configs {
  id_feature {
    feature_name: "words" expression: "item:words"
    vocab_list: ["a", "b", "c"]
  }
}
feature_configs {
  raw_feature { feature_name: "price" expression: "item:price" boundaries: [1, 2, 3] }
}
feature_configs {
  id_feature {
    feature_name: "zch_id" expression: "user:zch_id"
    zch { zch_size: 1000000 eviction_interval: 2 lfu {} }
  }
}
feature_configs {
  sequence_feature {
    sequence_name: "click_seq"
    sequence_length: 5
    sequence_delim: "|"
    features {
      id_feature { feature_name: "item" expression: "item:item" num_buckets: 70000 }
    }
    features {
      id_feature { feature_name: "cate" expression: "item:cate" num_buckets: 90 }
    }
  }
}
"""


def _config(text: str = CONFIG) -> pipeline_pb2.EasyRecConfig:
    return text_format.Parse(text, pipeline_pb2.EasyRecConfig())


def test_caps_every_table_size_above_the_limit_and_names_each() -> None:
    original = _config()
    capped_config, capped = cap_table_sizes(original, 100)
    assert capped == [
        CappedField("big", "feature_configs[0].id_feature.num_buckets", 40_000_000, 100),
        CappedField("hashed", "feature_configs[2].id_feature.hash_bucket_size", 5000, 100),
        CappedField("zch_id", "feature_configs[5].id_feature.zch.zch_size", 1_000_000, 100),
        CappedField(
            "item",
            "feature_configs[6].sequence_feature.features[0].id_feature.num_buckets",
            70_000,
            100,
        ),
    ]
    fc = capped_config.feature_configs
    assert fc[0].id_feature.num_buckets == 100
    assert fc[1].id_feature.num_buckets == 30  # under the limit: kept
    assert fc[2].id_feature.hash_bucket_size == 100
    assert list(fc[3].id_feature.vocab_list) == ["a", "b", "c"]
    assert list(fc[4].raw_feature.boundaries) == [1, 2, 3]
    assert fc[5].id_feature.zch.zch_size == 100
    assert fc[5].id_feature.zch.eviction_interval == 2  # not a size
    assert fc[6].sequence_feature.features[0].id_feature.num_buckets == 100
    assert fc[6].sequence_feature.features[1].id_feature.num_buckets == 90
    assert fc[6].sequence_feature.sequence_length == 5  # not a table size
    # The input config is untouched.
    assert original.feature_configs[0].id_feature.num_buckets == 40_000_000


def test_unset_fields_stay_unset_and_a_config_under_the_limit_is_unchanged() -> None:
    original = _config()
    same, capped = cap_table_sizes(original, 40_000_000)
    assert capped == []
    assert same == original
    assert not same.feature_configs[0].id_feature.HasField("hash_bucket_size")


def test_dynamic_embedding_capacities_are_capped_together() -> None:
    text = """
    feature_configs {
      id_feature {
        feature_name: "dyn" expression: "user:dyn"
        dynamicemb {
          max_capacity: 1000000 init_capacity_per_rank: 500000 bucket_capacity: 128
          frequency_admission_strategy { threshold: 3 counter_capacity: 2000000 }
        }
      }
    }
    """
    capped_config, capped = cap_table_sizes(_config(text), 1000)
    dyn = capped_config.feature_configs[0].id_feature.dynamicemb
    assert (dyn.max_capacity, dyn.init_capacity_per_rank) == (1000, 1000)
    assert dyn.frequency_admission_strategy.counter_capacity == 1000
    assert dyn.frequency_admission_strategy.threshold == 3
    assert dyn.bucket_capacity == 128  # a probe width, not a row count
    assert [c.path.rsplit(".", 1)[-1] for c in capped] == [
        "max_capacity",
        "init_capacity_per_rank",
        "counter_capacity",
    ]


def test_capped_config_builds_tables_of_the_capped_size_and_data_stays_in_range(
    tmp_path: Path,
) -> None:
    config, _ = cap_table_sizes(_config(), 50)
    features = create_features(config.feature_configs, context_from_data_config(config.data_config))
    rows = {f.name: f.num_embeddings for f in features if f.is_sparse}
    assert rows == {
        "big": 50,
        "small": 30,
        "hashed": 50,
        "words": 5,  # ids 2..4 after the reserved default and out-of-vocabulary ids
        "price": 4,
        "zch_id": 50,
        "click_seq__item": 50,
        "click_seq__cate": 50,
    }
    result = synthesize(config, str(tmp_path), num_rows=400, num_files=1, seed=1)
    table = pq.read_table(result.train_files)
    assert max(table.column("big").to_pylist()) < 50
    items = [i for row in table.column("click_seq__item").to_pylist() for i in row]
    assert items and max(items) < 50


@pytest.mark.parametrize("limit", [0, -5])
def test_limit_below_one_is_rejected(limit: int) -> None:
    with pytest.raises(ValueError, match=f"max_num_buckets must be at least 1, got {limit}"):
        cap_table_sizes(_config(), limit)
