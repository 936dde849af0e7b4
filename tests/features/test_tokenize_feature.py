"""TokenizeFeature with tiny tokenizers built in the test: HF JSON and sentencepiece."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from google.protobuf import text_format

from tzrec.features.errors import FeatureConfigError, InvalidFgInputError
from tzrec.features.factory import create_feature
from tzrec.features.feature import BaseFeature, FeatureContext
from tzrec.features.values import SequenceSparseValue, SparseValue
from tzrec.protos import data_pb2, feature_pb2

VOCAB = {"[UNK]": 0, "hello": 1, "world": 2, "the": 3, "big": 4, "我": 5, "爱": 6, "cat": 7}


@pytest.fixture
def hf_dir(tmp_path: Path) -> Path:
    """A WordLevel tokenizer JSON (whitespace pre-tokenizer) in tmp_path."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    tok = Tokenizer(models.WordLevel(VOCAB, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.save(str(tmp_path / "tokenizer.json"))
    return tmp_path


def make(text: str, mode: int, resource_dir: Path | None) -> list[BaseFeature]:
    config = text_format.Parse(text, feature_pb2.FeatureConfig())
    ctx = FeatureContext(fg_mode=mode, resource_dir=str(resource_dir) if resource_dir else None)
    return create_feature(config, ctx)


def one(text: str, mode: int = data_pb2.FG_DAG, resource_dir: Path | None = None) -> BaseFeature:
    (feature,) = make(text, mode, resource_dir)
    return feature


def rows(value: SparseValue) -> list[list[int]]:
    offsets = np.concatenate([[0], np.cumsum(value.lengths)])
    return [value.values[a:b].tolist() for a, b in itertools.pairwise(offsets)]


BASIC = """
tokenize_feature {
    feature_name: "title_token"
    expression: "item:title"
    vocab_file: "tokenizer.json"
    embedding_dim: 8
}
"""


def test_tokenizes_each_row(hf_dir: Path) -> None:
    f = one(BASIC, resource_dir=hf_dir)
    assert f.is_sparse and f.num_embeddings == 8 and f.value_dim == 0
    assert f.input_columns == ["title"]
    titles = pa.array(["hello world", None, "the big cat", "", "hello dog", "hello world"])
    value = f.parse({"title": titles})
    assert isinstance(value, SparseValue)
    assert rows(value) == [[1, 2], [], [3, 4, 7], [], [1, 0], [1, 2]]
    assert value.weights is None


def test_default_value_is_tokenized_for_empty_rows(hf_dir: Path) -> None:
    f = one(
        BASIC.replace("embedding_dim: 8", 'embedding_dim: 8 default_value: "cat"'),
        resource_dir=hf_dir,
    )
    value = f.parse({"title": pa.array([None, "", "big"])})
    assert rows(value) == [[7], [7], [4]]  # type: ignore[arg-type]


def test_text_normalizer_runs_before_tokenizing(hf_dir: Path) -> None:
    text = BASIC.replace(
        "embedding_dim: 8",
        "embedding_dim: 8 text_normalizer { norm_options: [TEXT_UPPER2LOWER, TEXT_SBC2DBC, "
        "TEXT_CHT2CHS, TEXT_FILTER, TEXT_SPLITCHRS] }",
    )
    f = one(text, resource_dir=hf_dir)
    value = f.parse({"title": pa.array(["HELLO, Ｗｏｒｌｄ!", "我愛cat"])})
    assert rows(value) == [[1, 2], [5, 6, 7]]  # type: ignore[arg-type]


def test_dictionary_column_and_all_null_batch(hf_dir: Path) -> None:
    f = one(BASIC, resource_dir=hf_dir)
    col = pa.array(["cat", "cat", "world"]).dictionary_encode()
    assert rows(f.parse({"title": col})) == [[7], [7], [2]]  # type: ignore[arg-type]
    assert rows(f.parse({"title": pa.array([None, None], pa.string())})) == [  # type: ignore[arg-type]
        [],
        [],
    ]


def test_fg_none_reads_ids_and_checks_the_range(hf_dir: Path) -> None:
    f = one(BASIC, mode=data_pb2.FG_NONE, resource_dir=hf_dir)
    assert f.input_columns == ["title_token"]
    value = f.parse({"title_token": pa.array(["1\x032", "", "7"])})
    assert rows(value) == [[1, 2], [], [7]]  # type: ignore[arg-type]
    with pytest.raises(InvalidFgInputError, match="id 8 is out of range \\[0, 8\\)"):
        f.parse({"title_token": pa.array([[1, 8]])})


def test_fg_bucketize_reads_fg_output(hf_dir: Path) -> None:
    f = one(BASIC, mode=data_pb2.FG_BUCKETIZE, resource_dir=hf_dir)
    value = f.parse({"title_token": pa.array([[3, 4], []], pa.list_(pa.int64()))})
    assert rows(value) == [[3, 4], []]  # type: ignore[arg-type]


def test_tokens_as_sequence(hf_dir: Path) -> None:
    text = BASIC.replace(
        "embedding_dim: 8", "embedding_dim: 8 tokens_as_sequence: true sequence_length: 2"
    )
    f = one(text, resource_dir=hf_dir)
    assert f.is_sequence and f.value_dim == 1 and f.sequence_length == 2
    value = f.parse({"title": pa.array(["the big cat", None, "hello"])})
    assert isinstance(value, SequenceSparseValue)
    np.testing.assert_array_equal(value.values, [3, 4, 1])
    np.testing.assert_array_equal(value.lengths, [2, 0, 1])
    assert value.step_lengths is None
    encoded = one(text, mode=data_pb2.FG_NONE, resource_dir=hf_dir)
    value = encoded.parse({"title_token": pa.array([[1, 2, 3], [4]])})
    assert isinstance(value, SequenceSparseValue)
    np.testing.assert_array_equal(value.values, [1, 2, 4])
    np.testing.assert_array_equal(value.lengths, [2, 1])


def test_tokens_as_sequence_needs_a_length(hf_dir: Path) -> None:
    text = BASIC.replace("embedding_dim: 8", "embedding_dim: 8 tokens_as_sequence: true")
    with pytest.raises(FeatureConfigError, match="needs sequence_length"):
        one(text, resource_dir=hf_dir)


def test_sequence_tokenize_feature_tokenizes_each_step(hf_dir: Path) -> None:
    text = """
    sequence_tokenize_feature {
        feature_name: "clk_titles"
        expression: "user:clk_titles"
        vocab_file: "tokenizer.json"
        embedding_dim: 8
        sequence_length: 3
        sequence_delim: ";"
    }
    """
    f = one(text, resource_dir=hf_dir)
    assert f.is_sequence and f.value_dim == 0
    value = f.parse({"clk_titles": pa.array(["hello world;big cat", "", "cat;a;b;c"])})
    assert isinstance(value, SequenceSparseValue)
    np.testing.assert_array_equal(value.lengths, [2, 0, 3])
    assert value.step_lengths is not None
    np.testing.assert_array_equal(value.step_lengths, [2, 2, 1, 1, 1])
    np.testing.assert_array_equal(value.values, [1, 2, 4, 7, 7, 0, 0])


def test_sentencepiece(tmp_path: Path) -> None:
    import sentencepiece as spm

    sentences = ["hello world", "hello there", "the world is big", "big hello"] * 5
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences),
        model_prefix=str(tmp_path / "sp"),
        vocab_size=9,
        model_type="word",
        minloglevel=2,
    )
    sp = spm.SentencePieceProcessor(model_file=str(tmp_path / "sp.model"))
    text = """
    tokenize_feature {
        feature_name: "t"
        expression: "item:title"
        vocab_file: "sp.model"
        tokenizer_type: "sentencepiece"
        embedding_dim: 8
    }
    """
    f = one(text, resource_dir=tmp_path)
    assert f.num_embeddings == 9
    value = f.parse({"title": pa.array(["hello world", "big zebra", None])})
    hello, world, big = (sp.piece_to_id(p) for p in ["▁hello", "▁world", "▁big"])
    assert rows(value) == [[hello, world], [big, sp.unk_id()], []]  # type: ignore[arg-type]


def test_config_errors(tmp_path: Path) -> None:
    bad_type = BASIC.replace("vocab_file:", 'tokenizer_type: "wordpiece" vocab_file:')
    with pytest.raises(FeatureConfigError, match="unknown tokenizer_type 'wordpiece'"):
        one(bad_type, resource_dir=tmp_path)
    f = one(BASIC, resource_dir=tmp_path)
    with pytest.raises(FeatureConfigError, match="cannot load tokenizer vocab_file"):
        _ = f.num_embeddings
