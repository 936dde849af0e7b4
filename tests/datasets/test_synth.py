"""Synthetic Parquet data for a pipeline config: columns, types, parsing, seed, signal."""

from __future__ import annotations

import glob
import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from google.protobuf import text_format

from tests.conftest import compat_configs
from tzrec.datasets import synth
from tzrec.datasets.synth import SynthResult, config_for_data, synthesize
from tzrec.features.errors import FeatureConfigError
from tzrec.features.factory import (
    FEATURE_CLASSES,
    SEQUENCE_TYPES,
    context_from_data_config,
    create_features,
)
from tzrec.features.feature import BaseFeature
from tzrec.features.fg import FeatureGenerator
from tzrec.features.values import SequenceSparseValue, SparseValue
from tzrec.protos import data_pb2, feature_pb2, pipeline_pb2
from tzrec.utils.config_util import load_pipeline_config

COMPAT_CONFIGS = compat_configs()


def _implemented(config_type: str) -> bool:
    target = FEATURE_CLASSES.get(SEQUENCE_TYPES.get(config_type, config_type), "")
    return importlib.util.find_spec(target.split(":")[0]) is not None


def _types_of(config: pipeline_pb2.EasyRecConfig) -> set[str]:
    types = set()
    for fc in config.feature_configs:
        which = fc.WhichOneof("feature")
        if which == "sequence_feature":
            types |= {sub.WhichOneof("feature") for sub in fc.sequence_feature.features}
        else:
            types.add(which)
    return types


def parse_config(text: str) -> pipeline_pb2.EasyRecConfig:
    return text_format.Parse(text, pipeline_pb2.EasyRecConfig())


def features_of(config: pipeline_pb2.EasyRecConfig) -> list[BaseFeature]:
    return create_features(config.feature_configs, context_from_data_config(config.data_config))


def read_split(path: str) -> pa.Table:
    """All rows of the files a glob matches, in file order."""
    return pa.concat_tables([pq.read_table(f) for f in sorted(glob.glob(path))])


def leaf(t: pa.DataType) -> tuple[int, pa.DataType]:
    """(list depth, element type) of an arrow type."""
    depth = 0
    while pa.types.is_list(t):
        t, depth = t.value_type, depth + 1
    return depth, t


def check_ids_in_range(features: list[BaseFeature], table: pa.Table) -> None:
    """Every feature parses the table's columns, sparse ids within num_embeddings."""
    columns = {c: table[c] for c in table.column_names}
    values = FeatureGenerator(features).run(columns, table.num_rows)
    by_name = {f.name: f for f in features}
    for name, value in values.items():
        assert value.num_rows == table.num_rows, name
        if isinstance(value, SparseValue | SequenceSparseValue) and len(value.values):
            bound = by_name[name].num_embeddings
            assert 0 <= value.values.min() and value.values.max() < bound, name
        if isinstance(value, SequenceSparseValue):
            assert value.lengths.max() <= by_name[name].sequence_length, name


def expected_leaf(feature: BaseFeature, column: str) -> pa.DataType:
    """The element type a feature's column must have (id/raw features)."""
    mode = feature.context.fg_mode
    if mode == data_pb2.FG_NONE:
        return pa.int64() if feature.is_sparse else pa.float32()
    spec = synth.bucketizer_spec(feature)
    if spec is None or spec.kind == synth.Kind.FLOAT:
        return pa.float32()
    return {
        synth.Kind.INT_ID: pa.int64(),
        synth.Kind.STR_ID: pa.string(),
        synth.Kind.VOCAB: pa.string(),
        synth.Kind.BUCKET_FLOAT: pa.float32(),
    }[spec.kind]


# ------------------------------------------------------------------------ compat configs


@pytest.mark.parametrize("path", COMPAT_CONFIGS, ids=lambda p: p.stem)
def test_compat_config_columns_types_and_parse(path: Path, tmp_path: Path) -> None:
    config = load_pipeline_config(str(path))
    types = _types_of(config)
    assert all(_implemented(t) for t in types), f"feature types not implemented: {types}"
    result = synthesize(config, str(tmp_path), num_rows=300, num_files=2, seed=3)
    assert result.train_rows == 300 and result.eval_rows == 60
    features = features_of(config)
    table = read_split(result.train_input_path)
    assert table.num_rows == 300

    wanted = {c for f in features for c in f.input_columns}
    wanted |= set(config.data_config.label_fields) | set(config.data_config.sample_weight_fields)
    assert set(table.column_names) == wanted

    for feature in features:
        if synth.feature_type(feature) not in ("id_feature", "raw_feature"):
            continue
        for column in feature.input_columns:
            depth, element = leaf(table.schema.field(column).type)
            assert element == expected_leaf(feature, column), (feature.name, column)
            assert depth >= (1 if feature.is_sequence else 0), (feature.name, column)
    for label in config.data_config.label_fields:
        assert table.schema.field(label).type == pa.int64()

    check_ids_in_range(features, table)
    check_ids_in_range(features, read_split(str(result.eval_input_path)))


# --------------------------------------------------------------------- hand-made configs

DAG_CONFIG = """
data_config {
  fg_mode: FG_DAG
  label_fields: "clk"
  label_fields: "buy"
  sample_weight_fields: "w"
}
feature_configs { id_feature { feature_name: "cate" expression: "item:cate" num_buckets: 100 } }
feature_configs {
  id_feature { feature_name: "cate_hash" expression: "item:cate" hash_bucket_size: 50 }
}
feature_configs {
  id_feature { feature_name: "tag" expression: "item:tag" vocab_list: ["a", "b", "c"] }
}
feature_configs {
  id_feature {
    feature_name: "wid" expression: "user:wid" hash_bucket_size: 1000 weighted: true
  }
}
feature_configs {
  raw_feature { feature_name: "price" expression: "item:price" boundaries: [1, 10, 100] }
}
feature_configs { raw_feature { feature_name: "emb" expression: "user:emb" value_dim: 4 } }
feature_configs {
  sequence_feature {
    sequence_name: "seq"
    sequence_length: 5
    features { id_feature { feature_name: "cate" expression: "item:cate" num_buckets: 100 } }
    features { raw_feature { feature_name: "price" expression: "item:price" } }
  }
}
"""


def test_dag_columns_hold_what_each_input_needs(tmp_path: Path) -> None:
    config = parse_config(DAG_CONFIG)
    result = synthesize(config, str(tmp_path), num_rows=2000, num_files=3, seed=7)
    table = read_split(result.train_input_path)
    assert table.schema == pa.schema(
        {
            "cate": pa.int64(),  # num_buckets wins over hash for the shared item:cate
            "tag": pa.string(),
            "wid": pa.string(),
            "price": pa.float32(),
            "emb": pa.list_(pa.float32()),
            "seq__cate": pa.list_(pa.int64()),
            "seq__price": pa.list_(pa.float32()),
            "clk": pa.int64(),
            "buy": pa.int64(),
            "w": pa.float32(),
        }
    )
    cate = table["cate"].to_numpy()
    assert cate.min() >= 0 and cate.max() < 100
    # Zipf skew: the most frequent value is far above the uniform share of 1%.
    assert np.bincount(cate).max() > 0.05 * len(cate)

    tags = pc.value_counts(table["tag"]).to_pylist()
    counts = {d["values"]: d["counts"] for d in tags}
    assert {"a", "b", "c"} <= set(counts)
    oov = sum(n for word, n in counts.items() if word not in ("a", "b", "c"))
    assert 0.02 * 2000 < oov < 0.09 * 2000  # OOV_RATE = 5%

    items = pc.list_flatten(pc.split_pattern(table["wid"], "\x1d")).to_pylist()
    keys, weights = zip(*(item.split(":") for item in items), strict=True)
    assert all(k.startswith("wid_") for k in keys)
    assert all(0.1 <= float(w) <= 2.0 for w in weights)

    price = table["price"].to_numpy()
    buckets = np.searchsorted([1.0, 10.0, 100.0], price, side="right")
    assert set(buckets.tolist()) == {0, 1, 2, 3}
    assert set(pc.list_value_length(table["emb"]).to_pylist()) == {4}

    seq_len = pc.list_value_length(table["seq__cate"]).to_numpy()
    assert np.array_equal(seq_len, pc.list_value_length(table["seq__price"]).to_numpy())
    assert seq_len.min() == 0 and seq_len.max() == 5
    assert set(table["clk"].to_pylist()) == {0, 1}
    assert pc.min(table["w"]).as_py() > 0

    files = sorted(Path(result.train_input_path).parent.glob("*.parquet"))
    assert [str(f) for f in files] == result.train_files and len(files) == 3
    assert all(pq.ParquetFile(f).metadata.num_row_groups > 1 for f in files)
    check_ids_in_range(features_of(config), table)


FG_NONE_CONFIG = """
data_config { fg_mode: FG_NONE label_fields: "label" }
feature_configs { id_feature { feature_name: "one" num_buckets: 7 value_dim: 1 } }
feature_configs { id_feature { feature_name: "multi" num_buckets: 9 } }
feature_configs { id_feature { feature_name: "weighted" num_buckets: 9 weighted: true } }
feature_configs { raw_feature { feature_name: "bucketed" boundaries: [0.5, 1.5] } }
feature_configs { raw_feature { feature_name: "dense" } }
feature_configs { raw_feature { feature_name: "vec" value_dim: 3 } }
feature_configs {
  sequence_id_feature { feature_name: "hist" num_buckets: 11 sequence_length: 4 }
}
"""


def test_fg_none_columns_hold_finished_values(tmp_path: Path) -> None:
    config = parse_config(FG_NONE_CONFIG)
    result = synthesize(config, str(tmp_path), num_rows=500, num_files=1)
    table = read_split(result.train_input_path)
    schema = table.schema
    assert schema.field("one").type == pa.int64()
    assert schema.field("multi").type == pa.list_(pa.int64())
    assert schema.field("weighted").type == pa.string()
    assert leaf(schema.field("bucketed").type)[1] == pa.int64()
    assert schema.field("dense").type == pa.float32()
    assert schema.field("vec").type == pa.list_(pa.float32())
    assert schema.field("hist").type == pa.list_(pa.int64())
    lengths = pc.list_value_length(table["multi"]).to_numpy()
    assert set(lengths.tolist()) == {1, 2, 3}
    assert pc.max(pc.list_flatten(table["multi"])).as_py() < 9
    assert pc.max(table["one"]).as_py() < 7
    first = table["weighted"][0].as_py().split("\x03")[0]
    assert first.split(":")[0].isdigit() and float(first.split(":")[1]) > 0
    check_ids_in_range(features_of(config), table)


def test_fg_bucketize_columns_hold_fg_outputs(tmp_path: Path) -> None:
    config = parse_config(
        DAG_CONFIG.replace("fg_mode: FG_DAG", "fg_mode: FG_BUCKETIZE").split(
            "feature_configs {\n  sequence_feature"
        )[0]
    )
    result = synthesize(config, str(tmp_path), num_rows=200, num_files=1)
    table = read_split(result.train_input_path)
    features = features_of(config)
    assert set(table.column_names) == {f.name for f in features} | {"clk", "buy", "w"}
    assert table.schema.field("cate_hash").type == pa.string()
    assert table.schema.field("price").type == pa.float32()
    check_ids_in_range(features, table)


def test_shared_column_with_clashing_needs_is_an_error(tmp_path: Path) -> None:
    config = parse_config(
        """
        data_config { fg_mode: FG_DAG label_fields: "clk" }
        feature_configs { id_feature { feature_name: "a" expression: "item:x" num_buckets: 5 } }
        feature_configs {
          id_feature { feature_name: "b" expression: "item:x" vocab_list: ["p", "q"] }
        }
        """
    )
    with pytest.raises(FeatureConfigError, match="'x' is also read by feature 'a'"):
        synthesize(config, str(tmp_path), num_rows=10)


def test_unsupported_feature_type_names_it() -> None:
    class Custom(BaseFeature):
        """A custom operator's inputs are whatever the plugin's operator wants."""

        config_type = "custom_feature"
        is_sparse = False

        def _input_texts(self) -> list[str]:
            return ["user:a", "item:b"]

        def _fg(self, inputs: list[pa.Array]) -> pa.Array:
            raise AssertionError

        _finish = _parse_encoded = _fg  # type: ignore[assignment]

    context = context_from_data_config(data_pb2.DataConfig(fg_mode=data_pb2.FG_DAG))
    feature = Custom(feature_pb2.CustomFeature(feature_name="edit_dist"), context)
    with pytest.raises(NotImplementedError, match=r"'edit_dist'.*custom_feature"):
        synth.plan_columns([feature])


def test_sample_cost_counts_sequence_steps(tmp_path: Path) -> None:
    config = parse_config(DAG_CONFIG)
    config.data_config.sample_cost_field = "cost"
    table = read_split(synthesize(config, str(tmp_path), num_rows=50).train_input_path)
    steps = pc.list_value_length(table["seq__cate"]).to_numpy()
    assert table.column_names[-1] == "cost"
    assert table["cost"].to_pylist() == (1 + steps).tolist()


def test_labels_that_are_feature_inputs_keep_the_feature_column(tmp_path: Path) -> None:
    config = parse_config(
        """
        data_config { fg_mode: FG_DAG label_fields: "clk" label_fields: "domain" }
        feature_configs {
          id_feature { feature_name: "domain" expression: "user:domain" num_buckets: 3 }
        }
        """
    )
    result = synthesize(config, str(tmp_path), num_rows=300)
    table = read_split(result.train_input_path)
    assert table.column_names == ["domain", "clk"]
    assert set(table["domain"].to_pylist()) == {0, 1, 2}


# --------------------------------------------------------------------- files and seeds


def test_same_seed_same_data_other_seed_other_data(tmp_path: Path) -> None:
    config = parse_config(DAG_CONFIG)
    a = synthesize(config, str(tmp_path / "a"), num_rows=300, seed=5)
    b = synthesize(config, str(tmp_path / "b"), num_rows=300, seed=5)
    c = synthesize(config, str(tmp_path / "c"), num_rows=300, seed=6)
    for split in ("train_input_path", "eval_input_path"):
        ta, tb, tc = (read_split(getattr(r, split)) for r in (a, b, c))
        assert ta.equals(tb)
        assert not ta.equals(tc)
    # train and eval draw different rows
    assert read_split(a.train_input_path)["cate"].to_pylist()[:60] != (
        read_split(str(a.eval_input_path))["cate"].to_pylist()
    )


def test_rerun_replaces_stale_files_and_eval_fraction_zero(tmp_path: Path) -> None:
    config = parse_config(DAG_CONFIG)
    synthesize(config, str(tmp_path), num_rows=100, num_files=4)
    (tmp_path / "train" / "notes.txt").write_text("kept")
    result = synthesize(config, str(tmp_path), num_rows=30, num_files=2, eval_fraction=0.0)
    assert len(list((tmp_path / "train").glob("*.parquet"))) == 2
    assert not list((tmp_path / "eval").glob("*.parquet"))
    assert (tmp_path / "train" / "notes.txt").read_text() == "kept"
    assert read_split(result.train_input_path).num_rows == 30
    assert result.eval_input_path is None and result.eval_rows == 0
    # rows are split over the files evenly
    assert [pq.ParquetFile(f).metadata.num_rows for f in result.train_files] == [15, 15]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_rows": 0}, "num_rows"),
        ({"num_files": 0}, "num_files"),
        ({"eval_fraction": 1.0}, "eval_fraction"),
    ],
)
def test_bad_arguments(kwargs: dict[str, float], message: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=message):
        synthesize(parse_config(DAG_CONFIG), str(tmp_path), **kwargs)  # type: ignore[arg-type]


def test_config_for_data_reads_the_written_files(tmp_path: Path) -> None:
    config = parse_config(DAG_CONFIG)
    config.data_config.dataset_type = data_pb2.OdpsDataset
    config.data_config.plugin_dataset_type = "my_reader"
    result = synthesize(config, str(tmp_path), num_rows=50)
    new = config_for_data(config, result)
    assert new.data_config.dataset_type == data_pb2.ParquetDataset
    assert not new.data_config.HasField("plugin_dataset_type")
    assert new.train_input_path == str(tmp_path / "train" / "*.parquet")
    assert new.eval_input_path == str(tmp_path / "eval" / "*.parquet")
    assert config.data_config.dataset_type == data_pb2.OdpsDataset  # the input is unchanged


# --------------------------------------------------------------------------- signal


def auc(score: np.ndarray, label: np.ndarray) -> float:
    """Area under the ROC curve (rank statistic; ties get average ranks)."""
    order = np.argsort(score, kind="stable")
    ranks = np.empty(len(score))
    sorted_scores = score[order]
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    avg = first + (counts - 1) / 2.0
    ranks[order] = np.repeat(avg, counts) + 1
    pos = label == 1
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def target_encoded_score(train: pa.Table, test: pa.Table, columns: list[str]) -> np.ndarray:
    """Sum over columns of the train log-odds of clk per value (a naive additive model)."""
    label = train["clk"].to_numpy()
    score = np.zeros(test.num_rows)
    for column in columns:
        values = train[column].cast(pa.string()).to_numpy(zero_copy_only=False)
        uniq, inverse = np.unique(values, return_inverse=True)
        pos = np.bincount(inverse, weights=label, minlength=len(uniq))
        tot = np.bincount(inverse, minlength=len(uniq))
        log_odds = np.log((pos + 1) / (tot - pos + 1))
        lookup = dict(zip(uniq.tolist(), log_odds.tolist(), strict=True))
        test_values = test[column].cast(pa.string()).to_pylist()
        score += np.array([lookup.get(v, 0.0) for v in test_values])
    return score


def test_planted_signal_is_learnable_and_only_in_planted_columns(
    compat_dir: Path, tmp_path: Path
) -> None:
    """dbmtl_taobao: FG_DAG with labels clk and buy."""
    config = load_pipeline_config(str(compat_dir / "configs" / "dbmtl_taobao.config"))
    result = synthesize(config, str(tmp_path), num_rows=20000, eval_fraction=0.25, seed=1)
    train, test = read_split(result.train_input_path), read_split(str(result.eval_input_path))
    planted = [c for c in result.planted if train.schema.field(c).type != pa.float32()]
    assert planted == ["final_gender_code", "occupation", "pid"]
    label = test["clk"].to_numpy()
    assert auc(target_encoded_score(train, test, planted), label) > 0.8
    others = ["age_level", "cms_group_id", "shopping_level"]
    assert abs(auc(target_encoded_score(train, test, others), label) - 0.5) < 0.03
    # several labels are correlated through the shared planted score
    clk, buy = train["clk"].to_numpy(), train["buy"].to_numpy()
    assert np.corrcoef(clk, buy)[0, 1] > 0.25
    assert buy.mean() < clk.mean()


def test_planted_columns_prefer_few_distinct_values() -> None:
    plan = {
        "big": synth.ColumnSpec(synth.Kind.INT_ID, "f", cardinality=1000),
        "seq": synth.ColumnSpec(
            synth.Kind.INT_ID, "f", cardinality=2, sequence=synth.SequenceKey("s", 3)
        ),
        "small": synth.ColumnSpec(synth.Kind.INT_ID, "f", cardinality=3),
        "const": synth.ColumnSpec(synth.Kind.INT_ID, "f", cardinality=1),
        "words": synth.ColumnSpec(synth.Kind.VOCAB, "f", words=("a",)),
        "mid": synth.ColumnSpec(synth.Kind.STR_ID, "f", cardinality=10),
        "x": synth.ColumnSpec(synth.Kind.FLOAT, "f"),
        "y": synth.ColumnSpec(synth.Kind.FLOAT, "f"),
        "z": synth.ColumnSpec(synth.Kind.FLOAT, "f"),
    }
    # words has 1 + NUM_OOV_WORDS = 4 distinct values; "big" loses to the three smaller.
    assert synth.planted_columns(plan) == ["small", "words", "mid", "x", "y"]


def test_result_lists_files(tmp_path: Path) -> None:
    result = synthesize(parse_config(DAG_CONFIG), str(tmp_path), num_rows=10, num_files=20)
    assert isinstance(result, SynthResult)
    assert len(result.train_files) == 10  # at most one file per row
    assert len(result.eval_files) == 2


@pytest.mark.parametrize("path", COMPAT_CONFIGS, ids=lambda p: p.stem)
def test_compat_data_loads_as_batches(path: Path, tmp_path: Path) -> None:
    from tzrec.datasets.batch import BASE_DATA_GROUP
    from tzrec.datasets.dataloader import create_dataloader

    original = load_pipeline_config(str(path))
    result = synthesize(original, str(tmp_path), num_rows=150, num_files=2, seed=2)
    config = config_for_data(original, result)
    config.data_config.num_workers = 0
    features = features_of(config)
    batches = list(
        create_dataloader(config.data_config, features, config.train_input_path, batch_size=64)
    )
    assert [b.batch_size for b in batches] == [64, 64, 22]
    sparse = [f.name for f in features if f.is_sparse and not f.stub_type]
    assert sorted(batches[0].sparse_features[BASE_DATA_GROUP].keys()) == sorted(sparse)
    for label in config.data_config.label_fields:
        values = torch_cat([b.labels[label] for b in batches])
        assert len(values) == 150
        if label != "occupation":  # PEPNet's domain label is the occupation feature
            assert set(values.tolist()) == {0, 1}


def torch_cat(tensors: list[Any]) -> np.ndarray:
    """Concatenate 1-D torch tensors into one numpy array."""
    return np.concatenate([t.numpy() for t in tensors])


OTHER_TYPES_CONFIG = """
data_config { fg_mode: FG_DAG label_fields: "clk" }
feature_configs { id_feature { feature_name: "cate" expression: "item:cate" num_buckets: 30 } }
feature_configs {
  combo_feature {
    feature_name: "combo" expression: ["user:u", "item:cate"] hash_bucket_size: 1000
  }
}
feature_configs {
  expr_feature {
    feature_name: "ex" expression: "a - b" variables: ["user:a", "item:b"]
    boundaries: [0, 1, 5]
  }
}
feature_configs {
  overlap_feature {
    feature_name: "ov" query: "user:q" title: "item:t" method: "query_common_ratio"
  }
}
feature_configs {
  bool_mask_feature {
    feature_name: "bm" expression: ["user:vals", "user:mask"] hash_bucket_size: 100
  }
}
feature_configs {
  combine_feature {
    feature_name: "cb" expression: "user:acts" combiner: "sum"
    value_map { key: "click" value: 1 } value_map { key: "buy" value: 3 }
  }
}
feature_configs {
  combine_feature { feature_name: "cb2" expression: "user:n" num_buckets: 8 combiner: "max" }
}
feature_configs {
  sequence_feature {
    sequence_name: "s"
    sequence_length: 4
    features {
      combo_feature {
        feature_name: "c" expression: ["user:u", "item:cate"] hash_bucket_size: 100
      }
    }
    features {
      expr_feature { feature_name: "e" expression: "a * b" variables: ["user:a", "item:b"] }
    }
  }
}
"""


def test_other_feature_types_get_usable_inputs(tmp_path: Path) -> None:
    config = parse_config(OTHER_TYPES_CONFIG)
    result = synthesize(config, str(tmp_path), num_rows=400, num_files=1)
    table = read_split(result.train_input_path)
    types = {name: str(table.schema.field(name).type) for name in table.column_names}
    assert types == {
        "cate": "int64",  # the id feature's num_buckets serves the combo too
        "u": "string",
        "a": "float",
        "b": "float",
        "q": "string",
        "t": "string",
        "vals": "list<element: string>",
        "mask": "list<element: bool>",
        "acts": "list<element: string>",
        "n": "int64",
        "s__cate": "list<element: string>",
        "s__b": "list<element: float>",
        "clk": "int64",
    }
    # query and title draw terms from one vocabulary, so they overlap in some rows
    features = features_of(config)
    values = FeatureGenerator(features).run(
        {c: table[c] for c in table.column_names}, table.num_rows
    )
    ratio = values["ov"].values[:, 0]
    assert (ratio > 0).mean() > 0.2 and (ratio < 1).mean() > 0.2
    # mask and values line up row by row
    assert pc.list_value_length(table["vals"]).equals(pc.list_value_length(table["mask"]))
    # value_map keys and a few out-of-vocabulary actions
    acts = set(pc.list_flatten(table["acts"]).to_pylist())
    assert {"click", "buy"} <= acts and len(acts - {"click", "buy"}) >= 1
    # the u column of the sequence combo is not a sequence, b of the sequence expr is
    seq_len = pc.list_value_length(table["s__cate"])
    assert seq_len.equals(pc.list_value_length(table["s__b"]))
    check_ids_in_range(features, table)


def test_fg_normal_reads_feature_and_const_inputs_from_columns(tmp_path: Path) -> None:
    config = parse_config(
        """
        data_config { fg_mode: FG_NORMAL label_fields: "clk" }
        feature_configs { raw_feature { feature_name: "p" expression: "item:price" } }
        feature_configs {
          combo_feature {
            feature_name: "cc" expression: ["feature:p", "const:7", "user:u"]
            hash_bucket_size: 10
          }
        }
        """
    )
    result = synthesize(config, str(tmp_path), num_rows=40)
    table = read_split(result.train_input_path)
    assert table.column_names == ["price", "p", "7", "u", "clk"]
    assert set(table["7"].to_pylist()) == {"7"}
    check_ids_in_range(features_of(config), table)


LOOKUP_CONFIG = """
data_config { fg_mode: FG_DAG label_fields: "clk" }
feature_configs { id_feature { feature_name: "cate" expression: "item:cate" num_buckets: 30 } }
feature_configs { lookup_feature { feature_name: "lk" map: "user:kv" key: "item:cate" } }
feature_configs {
  lookup_feature {
    feature_name: "lkd" map: "user:kv2" key: "item:cate" need_discrete: true num_buckets: 20
  }
}
feature_configs {
  lookup_feature { feature_name: "lkb" map: "user:kv" key: "item:brand" boundaries: [0.5, 1, 2] }
}
feature_configs { kv_dot_product { feature_name: "kvd" query: "user:qv" document: "item:dv" } }
feature_configs {
  sequence_feature {
    sequence_name: "s"
    sequence_length: 4
    features { lookup_feature { feature_name: "l" map: "user:kv" key: "item:cate" } }
  }
}
"""


def test_lookup_maps_hold_the_key_columns_values(tmp_path: Path) -> None:
    config = parse_config(LOOKUP_CONFIG)
    result = synthesize(config, str(tmp_path), num_rows=500, num_files=1)
    table = read_split(result.train_input_path)
    assert table.schema.field("kv").type == pa.map_(pa.string(), pa.float32())
    assert table.schema.field("kv2").type == pa.map_(pa.string(), pa.int64())
    assert table.schema.field("qv").type == pa.string()
    kv = table["kv"].to_pylist()
    # kv is read with three key columns (cate, brand, s__cate): each row's key is in
    # the map in about 80% of the rows
    for key_column in ("cate", "brand"):
        keys = table[key_column].cast(pa.string()).to_pylist()
        hits = np.mean([key in dict(m) for key, m in zip(keys, kv, strict=True)])
        assert 0.7 < hits < 0.9, key_column
    seq_keys = table["s__cate"].to_pylist()
    seq_hits = [any(k in dict(m) for k in ks) for ks, m in zip(seq_keys, kv, strict=True) if ks]
    assert 0.7 < np.mean(seq_hits) < 0.9
    items = pc.list_flatten(pc.split_pattern(table["qv"], "\x1d")).to_pylist()
    assert all(len(item.split(":")) == 2 for item in items)

    features = features_of(config)
    check_ids_in_range(features, table)
    values = FeatureGenerator(features).run(
        {c: table[c] for c in table.column_names}, table.num_rows
    )
    assert (values["lk"].values > 0).mean() > 0.6
    assert (values["kvd"].values > 0).mean() > 0.2


@pytest.mark.parametrize("mode", ["FG_DAG", "FG_BUCKETIZE", "FG_NONE"])
def test_tokenize_feature_gets_text_or_token_ids(mode: str, tmp_path: Path) -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = {"[UNK]": 0, "word_0": 1, "word_1": 2, "word_2": 3}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.save(str(tmp_path / "tok.json"))
    config = parse_config(
        f"""
        data_config {{ fg_mode: {mode} label_fields: "clk" }}
        feature_configs {{
          tokenize_feature {{
            feature_name: "title" expression: "item:title" vocab_file: "{tmp_path}/tok.json"
          }}
        }}
        """
    )
    result = synthesize(config, str(tmp_path / "data"), num_rows=200, num_files=1)
    table = read_split(result.train_input_path)
    if mode == "FG_DAG":
        assert table.schema.field("title").type == pa.string()
        words = set(pc.list_flatten(pc.split_pattern(table["title"], " ")).to_pylist())
        assert {"word_0", "word_1", "word_2"} <= words
    else:
        assert table.schema.field("title").type == pa.list_(pa.int64())
        assert set(pc.list_flatten(table["title"]).to_pylist()) == {0, 1, 2, 3}
    check_ids_in_range(features_of(config), table)


MATCH_CONFIG = """
data_config { fg_mode: FG_DAG label_fields: "clk" }
feature_configs {
  match_feature {
    feature_name: "m" nested_map: "user:nm" pkey: "item:cate" skey: "item:brand"
    combiner: "sum"
  }
}
feature_configs {
  match_feature {
    feature_name: "md" nested_map: "user:nm2" pkey: "item:cate" skey: "ALL"
    need_discrete: true num_buckets: 9 value_dim: 0
  }
}
"""


def test_match_nested_maps_hold_the_key_columns_values(tmp_path: Path) -> None:
    config = parse_config(MATCH_CONFIG)
    result = synthesize(config, str(tmp_path), num_rows=400, num_files=1)
    table = read_split(result.train_input_path)
    assert table.column_names == ["nm", "cate", "brand", "nm2", "clk"]
    first = table["nm"][0].as_py()
    assert first.startswith(f"{table['cate'][0].as_py()}^") and first.count("|") == 1
    groups = [row.split("|")[0] for row in table["nm"].to_pylist()]
    brands = table["brand"].to_pylist()
    hits = [f"^{b}:" in g or f",{b}:" in g for g, b in zip(groups, brands, strict=True)]
    assert 0.7 < np.mean(hits) < 0.9  # the row's secondary key in 80% of the rows
    features = features_of(config)
    check_ids_in_range(features, table)
    values = FeatureGenerator(features).run(
        {c: table[c] for c in table.column_names}, table.num_rows
    )
    assert 0.7 < (values["m"].values > 0).mean() < 0.9


def test_vocab_file_words_are_drawn(tmp_path: Path) -> None:
    (tmp_path / "vocab.txt").write_text("red 0\ngreen 1\n\nblue 2\n")
    config = parse_config(
        f"""
        data_config {{ fg_mode: FG_DAG label_fields: "clk" }}
        feature_configs {{
          id_feature {{
            feature_name: "color" expression: "item:color"
            vocab_file: "{tmp_path}/vocab.txt" default_bucketize_value: 3
          }}
        }}
        """
    )
    table = read_split(synthesize(config, str(tmp_path / "d"), num_rows=400).train_input_path)
    colors = set(table["color"].to_pylist())
    assert {"red", "green", "blue"} <= colors
    assert colors - {"red", "green", "blue"} <= {"__oov_0__", "__oov_1__", "__oov_2__"}
    check_ids_in_range(features_of(config), table)
