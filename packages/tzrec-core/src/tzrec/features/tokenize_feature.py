"""TokenizeFeature: text -> token ids with a HuggingFace or sentencepiece tokenizer.

``vocab_file`` is a HuggingFace ``tokenizers`` JSON file (``tokenizer_type: "bpe"``, the
default; any model the file describes works: BPE, WordPiece, WordLevel, Unigram) or a
sentencepiece model (``tokenizer_type: "sentencepiece"``). The token ids are the
embedding rows, so ``num_embeddings`` is the tokenizer's vocabulary size (added tokens
included). Texts are encoded without special tokens (no BOS/EOS/CLS), like
tokenizers-cpp's ``Encode``.

The optional ``text_normalizer`` runs first (:mod:`tzrec.features.text_normalizer`); a
null or empty text takes ``default_value`` (when set) before normalization, else has no
tokens. Each distinct text of a batch is tokenized once, with the library's batch call.

The FG output is ``list<int64>`` token ids per row; in FG_NONE / FG_BUCKETIZE the column
holds those ids (a ``list<int>`` or ids joined by ``fg_encoded_multival_sep``), which
must lie in ``[0, vocab size)``.

By default a row's tokens are its multi-value ids (value_dim 0; per step for
``sequence_tokenize_feature``, whose steps are texts). With ``tokens_as_sequence`` the
tokens of a row become a sequence of up to ``sequence_length`` steps of one id each.

The ``tokenizers`` and ``sentencepiece`` packages are imported only when a tokenizer of
their kind is loaded.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from google.protobuf.message import Message

from tzrec.features.encoded import check_id_range, parse_encoded_sparse, to_int64
from tzrec.features.errors import FeatureConfigError
from tzrec.features.feature import BaseFeature, FeatureContext, SequenceSpec
from tzrec.features.ragged import as_ragged, combine_chunks, list_array
from tzrec.features.text_normalizer import TextNormalizer
from tzrec.features.values import (
    DenseValue,
    FeatureValue,
    SequenceSparseValue,
    SparseValue,
)
from tzrec.protos import data_pb2

TOKENIZER_TYPES = ("bpe", "sentencepiece")


class _Tokenizer:
    """A loaded tokenizer: its vocabulary size and a batch encoder."""

    def __init__(self, kind: str, path: str, feature_name: str) -> None:
        self.kind = kind
        self._impl: Any
        if kind == "bpe":
            try:
                import tokenizers
            except ImportError as e:
                raise FeatureConfigError(
                    feature_name,
                    "tokenizer_type 'bpe' needs the 'tokenizers' package: pip install tokenizers",
                ) from e
            try:
                self._impl = tokenizers.Tokenizer.from_file(path)
            except Exception as e:  # the library raises a bare Exception for bad files
                raise FeatureConfigError(
                    feature_name, f"cannot load tokenizer vocab_file '{path}': {e}"
                ) from e
            self.vocab_size = int(self._impl.get_vocab_size(with_added_tokens=True))
        else:
            try:
                import sentencepiece
            except ImportError as e:
                raise FeatureConfigError(
                    feature_name,
                    "tokenizer_type 'sentencepiece' needs the 'sentencepiece' package: "
                    "pip install sentencepiece",
                ) from e
            try:
                self._impl = sentencepiece.SentencePieceProcessor(model_file=path)
            except (OSError, RuntimeError) as e:
                raise FeatureConfigError(
                    feature_name, f"cannot load sentencepiece vocab_file '{path}': {e}"
                ) from e
            self.vocab_size = int(self._impl.get_piece_size())

    def encode(self, texts: list[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
        """Token ids of each text: (flat ids, ids per text)."""
        if not texts:
            return np.zeros(0, np.int64), np.zeros(0, np.int32)
        if self.kind == "bpe":
            encode = getattr(self._impl, "encode_batch_fast", self._impl.encode_batch)
            ids: list[list[int]] = [e.ids for e in encode(texts, add_special_tokens=False)]
        else:
            ids = self._impl.encode(texts)
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int32, count=len(ids))
        flat = np.fromiter(itertools.chain.from_iterable(ids), dtype=np.int64)
        return flat, lengths


class TokenizeFeature(BaseFeature):
    """Token ids of a text input (also ``sequence_tokenize_feature``)."""

    config_type = "tokenize_feature"

    def __init__(
        self,
        config: Message,
        context: FeatureContext | None = None,
        sequence: SequenceSpec | None = None,
    ) -> None:
        as_seq = bool(getattr(config, "tokens_as_sequence", False))
        name = str(config.feature_name)  # type: ignore[attr-defined]
        if as_seq:
            if sequence is not None:
                raise FeatureConfigError(
                    name, "tokens_as_sequence cannot be used inside a sequence feature"
                )
            length = int(getattr(config, "sequence_length", 0))
            if length <= 0:
                raise FeatureConfigError(name, "tokens_as_sequence needs sequence_length > 0")
            sequence = SequenceSpec(length=length)
        super().__init__(config, context, sequence)
        self.tokens_as_sequence = as_seq
        kind = str(self.config.tokenizer_type or "bpe")
        if kind not in TOKENIZER_TYPES:
            raise FeatureConfigError(
                self.name, f"unknown tokenizer_type '{kind}'; expected bpe or sentencepiece"
            )
        if not self.config.vocab_file:
            raise FeatureConfigError(self.name, "tokenize_feature needs vocab_file")
        self.tokenizer_type = kind
        self._tokenizer: _Tokenizer | None = None
        self.normalizer: TextNormalizer | None = None
        if self.config.HasField("text_normalizer"):
            self.normalizer = TextNormalizer.from_config(
                self.config.text_normalizer, self.name, self.context.resource_dir
            )

    # ------------------------------------------------------------------ properties
    @property
    def is_sparse(self) -> bool:
        """Token ids are embedding rows."""
        return True

    @property
    def value_dim(self) -> int:
        """1 token per step with tokens_as_sequence, else any number of tokens (0)."""
        return 1 if self.tokens_as_sequence else 0

    @property
    def vocab_path(self) -> str:
        """The vocab_file, resolved against the resource directory when relative."""
        path = str(self.config.vocab_file)
        if self.context.resource_dir and not os.path.isabs(path):
            path = os.path.join(self.context.resource_dir, path)
        return path

    @property
    def tokenizer(self) -> _Tokenizer:
        """The tokenizer, loaded on first use."""
        if self._tokenizer is None:
            self._tokenizer = _Tokenizer(self.tokenizer_type, self.vocab_path, self.name)
        return self._tokenizer

    @property
    def num_embeddings(self) -> int:
        """The tokenizer's vocabulary size."""
        return self.tokenizer.vocab_size

    # ------------------------------------------------------------------ FG
    def _input_texts(self) -> Sequence[str]:
        if not self.config.expression:
            if self.context.fg_mode in (data_pb2.FG_NONE, data_pb2.FG_BUCKETIZE):
                return []
            raise FeatureConfigError(self.config_name, "tokenize_feature needs an expression")
        return [str(self.config.expression)]

    def _fg(self, inputs: list[pa.Array]) -> pa.Array:
        """Token ids per row, as ``list<int64>``."""
        text = combine_chunks(inputs[0])
        if pa.types.is_dictionary(text.type):
            text = text.cast(text.type.value_type)
        if not (pa.types.is_string(text.type) or pa.types.is_large_string(text.type)):
            text = text.cast(pa.string())
        default = str(self.config.default_value or "")
        if default:
            empty = pc.or_kleene(pc.is_null(text), pc.equal(pc.utf8_length(text), 0))
            text = pc.if_else(empty, pa.scalar(default, text.type), text)
        if self.normalizer is not None:
            text = self.normalizer(text)
        encoded = pc.dictionary_encode(text, null_encoding="mask")
        uniques = encoded.dictionary.to_pylist()
        ids, lengths = self.tokenizer.encode([str(u) for u in uniques])
        per_unique = list_array(lengths, pa.array(ids, pa.int64()))
        indices = encoded.indices
        out = per_unique.take(pc.fill_null(indices, 0)) if len(per_unique) else None
        if out is None:
            return pa.array([[]] * len(text), pa.list_(pa.int64()))
        if indices.null_count:
            out = pc.if_else(pc.is_valid(indices), out, pa.scalar([], out.type))
        return out

    def _finish(self, fg_output: pa.Array) -> SparseValue | DenseValue:
        """Token ids (list<int> or joined ids) as a sparse value, range-checked."""
        ragged = as_ragged(fg_output, self.context.fg_encoded_multival_sep)
        ids = to_int64(ragged.values, self.name, self.name)
        check_id_range(ids, self.num_embeddings, self.name, self.name)
        return SparseValue(ids, ragged.lengths.astype(np.int32))

    def _parse_encoded(self, column: pa.Array) -> SparseValue | DenseValue:
        return parse_encoded_sparse(self, column)

    # ------------------------------------------------------------------ tokens as sequence
    def parse(self, columns: Mapping[str, pa.Array | pa.ChunkedArray]) -> FeatureValue:
        """As :meth:`BaseFeature.parse`; with tokens_as_sequence, tokens become steps."""
        if not self.tokens_as_sequence:
            return super().parse(columns)
        mode = self.context.fg_mode
        if mode == data_pb2.FG_NONE:
            value = self._parse_encoded(combine_chunks(columns[self.name]))
        elif mode == data_pb2.FG_BUCKETIZE:
            value = self._finish(combine_chunks(columns[self.name]))
        else:
            arrays = [combine_chunks(columns[k]) for k in self.input_keys()]
            value = self._finish(self._fg(arrays))
        assert isinstance(value, SparseValue)
        return _truncate_to_sequence(value, self.sequence_length)


def _truncate_to_sequence(value: SparseValue, max_len: int) -> SequenceSparseValue:
    """Each row's ids as steps of one id, keeping the first ``max_len``."""
    lengths = value.lengths.astype(np.int64)
    starts = np.cumsum(lengths) - lengths
    pos = np.arange(len(value.values), dtype=np.int64) - np.repeat(starts, lengths)
    keep = pos < max_len
    return SequenceSparseValue(
        values=value.values[keep].astype(np.int64),
        lengths=np.minimum(lengths, max_len).astype(np.int32),
        step_lengths=None,
        weights=None if value.weights is None else value.weights[keep],
    )


#: ``sequence_tokenize_feature`` is implemented by the same class.
SequenceTokenizeFeature = TokenizeFeature
