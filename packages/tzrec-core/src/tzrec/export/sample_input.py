"""A few raw input rows to check an export with (and to learn the input column types).

The rows come from the config's eval input, else its train input; a config without
readable input gets rows synthesized from its feature configs
(:func:`tzrec.datasets.synth.synthesize`).
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.dataset as pads

from tzrec.datasets.reader import create_reader
from tzrec.datasets.record_batches import concat_batches
from tzrec.protos import pipeline_pb2

logger = logging.getLogger("tzrec")


def _read_rows(
    config: pipeline_pb2.EasyRecConfig, path: str, columns: Sequence[str], num_rows: int
) -> pa.RecordBatch | None:
    reader = create_reader(config.data_config, path, num_rows, selected_cols=list(columns))
    taken: list[pa.RecordBatch] = []
    rows = 0
    for rb in reader.to_batches(0, 1):
        taken.append(rb.slice(0, num_rows - rows))
        rows += taken[-1].num_rows
        if rows >= num_rows:
            break
    return concat_batches(taken) if rows else None


def sample_rows(
    config: pipeline_pb2.EasyRecConfig, columns: Sequence[str], num_rows: int = 64
) -> tuple[pa.RecordBatch, str]:
    """Up to ``num_rows`` raw rows of ``columns`` and where they came from.

    Args:
        config: the pipeline config.
        columns: the columns to read (the serving parser's input columns).
        num_rows: how many rows.
    """
    for path in (config.eval_input_path, config.train_input_path):
        if not path:
            continue
        try:
            rows = _read_rows(config, path, columns, num_rows)
        except (OSError, ValueError) as e:
            logger.warning("export: cannot read sample rows from %s (%s)", path, e)
            continue
        if rows is not None:
            return rows, path
    from tzrec.datasets.synth import synthesize

    with tempfile.TemporaryDirectory(prefix="tzrec-export-sample-") as tmp:
        synthesize(config, tmp, num_rows=num_rows, num_files=1, eval_fraction=0.0)
        table = pads.dataset(os.path.join(tmp, "train"), format="parquet").to_table(
            columns=list(columns)
        )
    return concat_batches(table.to_batches()), "synthesized rows"
