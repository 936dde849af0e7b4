"""BaseFeature.fg_config: the FG description export writes to fg.json, by the feature's name."""

from __future__ import annotations

import json

from google.protobuf import text_format

from tzrec.features.factory import create_features
from tzrec.features.feature import BaseFeature, FeatureContext
from tzrec.protos import data_pb2, pipeline_pb2

CONFIG = """
feature_configs {
    id_feature { feature_name: "item_id" expression: "item:item_id" num_buckets: 300 }
}
feature_configs {
    sequence_feature {
        sequence_name: "click_seq"
        sequence_length: 5
        sequence_delim: "|"
        features {
            id_feature { feature_name: "item_id" expression: "item:item_id" num_buckets: 300 }
        }
        features {
            raw_feature { feature_name: "price" expression: "item:price" }
        }
    }
}
feature_configs {
    sequence_id_feature {
        feature_name: "buy_seq" expression: "user:buy_seq" num_buckets: 50
        sequence_length: 4 sequence_delim: ";"
    }
}
"""


def _features() -> list[BaseFeature]:
    config = pipeline_pb2.EasyRecConfig()
    text_format.Parse(CONFIG, config)
    return create_features(list(config.feature_configs), FeatureContext(fg_mode=data_pb2.FG_DAG))


def test_grouped_sequence_sub_features_are_described_by_their_unique_name() -> None:
    by_name = {f.name: f.fg_config() for f in _features()}
    assert list(by_name) == ["item_id", "click_seq__item_id", "click_seq__price", "buy_seq"]
    seq_item = by_name["click_seq__item_id"]
    assert seq_item["feature_name"] == "click_seq__item_id"
    assert seq_item["sequence_name"] == "click_seq"
    assert seq_item["sequence_length"] == 5 and seq_item["sequence_delim"] == "|"
    assert seq_item["feature_type"] == "id_feature"
    assert seq_item["expression"] == "item:item_id" and seq_item["num_buckets"] == "300"
    price = by_name["click_seq__price"]
    assert price["feature_name"] == "click_seq__price" and price["sequence_name"] == "click_seq"
    assert price["feature_type"] == "raw_feature"
    json.dumps(list(by_name.values()))  # JSON-able as written to fg.json


def test_plain_and_ungrouped_sequence_features_keep_their_names() -> None:
    by_name = {f.name: f.fg_config() for f in _features()}
    item = by_name["item_id"]
    assert item["feature_name"] == "item_id"
    assert "sequence_name" not in item and "sequence_length" not in item
    buy = by_name["buy_seq"]
    assert buy["feature_name"] == "buy_seq" and "sequence_name" not in buy
    assert buy["sequence_length"] == 4 and buy["sequence_delim"] == ";"
