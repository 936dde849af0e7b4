"""Offline feature generation: encode a raw table into FG_NONE form.

Training in FG_DAG mode runs feature generation on every epoch; encoding the table once
and training in FG_NONE mode is faster, and the same feature configs still serve raw
requests through FG. :func:`encode_table` reads a raw input with the configured reader,
runs every (non-stub) feature and writes one column per feature, named by the feature
name, in the form FG_NONE parsing reads back exactly:

- sparse features: ``list<int64>`` ids (and, for weighted features, the ids' weights as
  ``id:weight`` strings joined by the multi-value separator);
- dense features: ``float32`` (value_dim 1) or ``fixed_size_list<float32>``;
- sequences: an outer list level per row.

Labels, sample weights and the reserved columns are copied through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from tzrec.datasets.reader import create_reader, create_writer
from tzrec.features.errors import FeatureConfigError, InvalidFgInputError
from tzrec.features.factory import context_from_data_config, create_features
from tzrec.features.fg import FeatureGenerator, value_to_arrow
from tzrec.features.ragged import list_array
from tzrec.features.values import FeatureValue, SparseValue
from tzrec.protos import data_pb2, pipeline_pb2


@dataclass(frozen=True)
class EncodeResult:
    """What :func:`encode_table` wrote.

    Attributes:
        output_path: where the writer put the rows.
        num_rows: rows encoded.
        columns: the output's columns.
    """

    output_path: str
    num_rows: int
    columns: list[str]


def _weighted_to_arrow(value: SparseValue, sep: str) -> pa.Array:
    """Weighted ids as ``id:weight`` strings joined by ``sep`` (the FG_NONE form)."""
    assert value.weights is not None
    pairs = pc.binary_join_element_wise(
        pc.cast(pa.array(value.values), pa.string()),
        pc.cast(pa.array(value.weights), pa.string()),
        ":",
    )
    return pc.binary_join(list_array(value.lengths, pairs), sep)


def encoded_column(value: FeatureValue, weighted: bool, sep: str) -> pa.Array:
    """One feature's value in FG_NONE column form."""
    if weighted and isinstance(value, SparseValue) and value.weights is not None:
        return _weighted_to_arrow(value, sep)
    return value_to_arrow(value)


def encode_table(
    pipeline_config: pipeline_pb2.EasyRecConfig,
    input_path: str,
    output_path: str,
    reserved_columns: Sequence[str] = (),
    writer_type: str = "ParquetWriter",
    batch_size: int = 8192,
    rank: int = 0,
    world_size: int = 1,
) -> EncodeResult:
    """Encode ``input_path`` (raw, as the config's fg_mode reads it) into FG_NONE form.

    Args:
        pipeline_config: the pipeline whose features, labels and data config apply.
        input_path: the raw input, read with the config's reader.
        output_path: where the writer plugin writes (a directory for Parquet/CSV).
        reserved_columns: extra input columns to copy through (ids, request ids...).
        writer_type: the writer plugin (``ParquetWriter``, ``CsvWriter``, ``OdpsWriter``).
        batch_size: rows per read batch.
        rank: this process's shard of the input when several processes encode.
        world_size: number of encoding processes.
    """
    data_config = pipeline_config.data_config
    if data_config.fg_mode in (data_pb2.FG_NONE, data_pb2.FG_BUCKETIZE):
        raise ValueError(
            "the pipeline's data_config.fg_mode is "
            f"{data_pb2.FgMode.Name(data_config.fg_mode)}: its input is already encoded; "
            "set fg_mode to FG_DAG or FG_NORMAL to encode a raw table"
        )
    features = create_features(
        pipeline_config.feature_configs, context_from_data_config(data_config)
    )
    generator = FeatureGenerator(features)
    passthrough = [
        *data_config.label_fields,
        *data_config.sample_weight_fields,
        *[c for c in reserved_columns if c not in data_config.label_fields],
    ]
    selected = list(dict.fromkeys([*generator.input_columns, *passthrough]))
    reader = create_reader(data_config, input_path, batch_size, selected_cols=selected)
    sep = data_config.fg_encoded_multival_sep
    num_rows = 0
    columns: list[str] = []
    with create_writer(writer_type, output_path, rank=rank, world_size=world_size) as writer:
        for rb in reader.to_batches(rank, world_size):
            cols = {name: rb.column(name) for name in rb.schema.names}
            try:
                values = generator.run(cols, rb.num_rows)
            except (InvalidFgInputError, FeatureConfigError) as e:
                e.add_source(input_path)
                raise
            out: dict[str, pa.Array] = {}
            for f in generator.output_features:
                out[f.name] = encoded_column(values[f.name], f.is_weighted, sep)
            for name in passthrough:
                out.setdefault(name, rb.column(name))
            writer.write(out)
            num_rows += rb.num_rows
            columns = list(out)
    return EncodeResult(output_path, num_rows, columns)


def encoded_pipeline_config(
    pipeline_config: pipeline_pb2.EasyRecConfig, train_path: str, eval_path: str | None = None
) -> pipeline_pb2.EasyRecConfig:
    """A copy of the config that trains on encoded data: FG_NONE over ParquetDataset."""
    out = pipeline_pb2.EasyRecConfig()
    out.CopyFrom(pipeline_config)
    out.data_config.fg_mode = data_pb2.FG_NONE
    out.data_config.ClearField("fg_encoded")
    out.data_config.dataset_type = data_pb2.ParquetDataset
    out.train_input_path = train_path
    if eval_path is not None:
        out.eval_input_path = eval_path
    return out
