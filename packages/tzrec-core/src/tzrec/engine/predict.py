"""predict: batch prediction of an input with a checkpoint or an exported model.

The model is either a training checkpoint (``pipeline_config_path`` [+
``checkpoint_path``]) or an exported model directory (``scripted_model_path``); see
:mod:`tzrec.engine.predictors`. The input is read through the reader plugins like
evaluation data (no shuffling, no masking, every row exactly once), the outputs and the
reserved input columns are written through a writer plugin.

Order and completeness: the input is split into ``processes x max(num_workers, 1)``
shards, each a contiguous run of input rows (files sorted by path, rows in file order),
shard ``s = rank * workers + worker``. Each shard's rows are written, in input order, to
its own output: ``part-{s:05d}.parquet`` (or ``.csv``) under ``predict_output_path``,
or one uploaded session per shard for a table. So one process with ``num_workers`` 0
writes ``part-00000`` holding the whole input in order; N processes (torchrun,
``--nproc-per-node``) each write their shards' part files; reading the part files in
name order gives the input's rows in the input's order, each once. A file output path
(``out.parquet``) is allowed when there is one shard. A shard without rows writes no
file, and removes a part file of its number that an earlier run left in the directory.

Outputs are committed only when every process has finished its rows: files are written
under hidden temporary names and renamed at the end; any error (a missing column, an
unknown output, an empty input, a failed batch) removes them, so the output path never
holds a partial result under a final name.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import torch
import torch.distributed as dist

from tzrec.datasets.batch import Batch
from tzrec.datasets.dataloader import create_dataloader
from tzrec.datasets.dataset import Mode, TzrecDataset
from tzrec.datasets.errors import DataReadError
from tzrec.engine.distributed import (
    DistContext,
    distributed_run,
    padded_lockstep,
)
from tzrec.engine.predict_output import (
    ShardWriters,
    default_writer_type,
    is_single_file,
    output_record_batch,
)
from tzrec.engine.predictors import (
    CheckpointPredictor,
    ExportedPredictor,
    Predictor,
    find_checkpoint,
)
from tzrec.engine.profiling import step_profiler
from tzrec.engine.run_config import load_run_config
from tzrec.plugins import get_registries
from tzrec.protos import data_pb2
from tzrec.utils.config_errors import ConfigError
from tzrec.utils.logging_util import configure_logging
from tzrec.utils.quiet import quiet_libraries

logger = logging.getLogger("tzrec")

_PART_RE = re.compile(r"^part-(\d+)\.(parquet|csv)$")


class PredictArgumentError(ConfigError):
    """A predict argument (command-line flag) that cannot be used; names the flag."""

    def __str__(self) -> str:
        return f"--{self.field_path}: {self.message}"


def _argument_error(flag: str, message: str) -> PredictArgumentError:
    return PredictArgumentError(message, field_path=flag)


@dataclass
class PredictSummary:
    """What a predict run wrote.

    Attributes:
        rows: rows written by all processes together.
        output_files: the files this process committed (empty for table outputs).
        seconds: wall time of reading, predicting and writing on this process.
    """

    rows: int
    output_files: list[str] = field(default_factory=list)
    seconds: float = 0.0


def column_names(value: str | Sequence[str] | None) -> list[str]:
    """Column names from a comma-separated string or a sequence (TorchEasyRec's flags)."""
    if value is None:
        return []
    parts = value.split(",") if isinstance(value, str) else list(value)
    return [part.strip() for part in parts if part.strip()]


def _check_arguments(
    predict_input_path: str,
    predict_output_path: str,
    pipeline_config_path: str | None,
    scripted_model_path: str | None,
    checkpoint_path: str | None,
    edit_config_json: object,
    counts: dict[str, int | None],
    names: dict[str, list[str]],
) -> None:
    if bool(pipeline_config_path) == bool(scripted_model_path):
        given = "both were given" if pipeline_config_path else "neither was given"
        raise _argument_error(
            "scripted_model_path",
            "give either --scripted_model_path (an exported model) or --pipeline_config_path "
            f"(a checkpoint of a training run); {given}",
        )
    if scripted_model_path and checkpoint_path:
        raise _argument_error(
            "checkpoint_path", "applies to --pipeline_config_path, not to an exported model"
        )
    if scripted_model_path and edit_config_json:
        raise _argument_error(
            "edit_config_json", "applies to --pipeline_config_path, not to an exported model"
        )
    if not predict_input_path:
        raise _argument_error("predict_input_path", "no input given")
    if not predict_output_path:
        raise _argument_error("predict_output_path", "no output given")
    for flag, count in counts.items():
        minimum = 1 if flag == "batch_size" else 0
        if count is not None and count < minimum:
            raise _argument_error(flag, f"must be at least {minimum}, got {count}")
    for flag, columns in names.items():
        repeated = sorted({c for c in columns if columns.count(c) > 1})
        if repeated:
            raise _argument_error(flag, f"names {repeated} more than once")


def _data_config(base: data_pb2.DataConfig, dataset_type: str | None) -> data_pb2.DataConfig:
    """A copy of ``base`` reading with ``dataset_type`` (a DatasetType or plugin name)."""
    config = data_pb2.DataConfig()
    config.CopyFrom(base)
    if dataset_type:
        if dataset_type in data_pb2.DatasetType.keys():
            config.dataset_type = cast(
                data_pb2.DatasetType, data_pb2.DatasetType.Value(dataset_type)
            )
            config.ClearField("plugin_dataset_type")
        else:
            config.plugin_dataset_type = dataset_type
    return config


def _check_stale_parts(output_path: str, num_shards: int) -> None:
    """Refuse a directory holding part files this run would not overwrite.

    A part file of a run with more shards would stay beside this run's output and be
    read with it (its rows twice, or rows of another input).
    """
    if is_single_file(output_path) or not os.path.isdir(output_path):
        return
    stale = sorted(
        name
        for name in os.listdir(output_path)
        if (match := _PART_RE.match(name)) and int(match.group(1)) >= num_shards
    )
    if stale:
        raise _argument_error(
            "predict_output_path",
            f"{output_path!r} holds part files of an earlier run that this run of "
            f"{num_shards} shard(s) would not replace ({', '.join(stale[:3])}); remove them "
            "or write to another path",
        )


def _remove_parts_of_empty_shards(output_path: str, rows_by_shard: dict[int, int]) -> None:
    """Delete an earlier run's part file of each of this run's shards that got no rows.

    Such a shard writes nothing, so the old file would stay under a name of this run's
    output and its rows be read with this run's.
    """
    if is_single_file(output_path) or not os.path.isdir(output_path):
        return
    for shard, rows in rows_by_shard.items():
        if rows:
            continue
        for suffix in ("parquet", "csv"):
            stale = os.path.join(output_path, f"part-{shard:05d}.{suffix}")
            if os.path.isfile(stale):
                os.remove(stale)


def _select_outputs(
    outputs: dict[str, torch.Tensor], output_columns: Sequence[str]
) -> dict[str, torch.Tensor]:
    if not output_columns:
        return outputs
    return {name: outputs[name] for name in output_columns}


def check_output_columns(output_columns: Sequence[str], available: Iterable[str]) -> None:
    """Raise :class:`PredictArgumentError` for an output column the model does not have."""
    names = list(available)
    unknown = [name for name in output_columns if name not in names]
    if unknown:
        raise _argument_error(
            "output_columns", f"{unknown} are not outputs of the model; it has {names}"
        )


def _shard_of(batch: Batch) -> int:
    (shard,) = batch.checkpoint_info
    return int(shard)


def _sum_over_ranks(value: int, context: DistContext) -> int:
    if context.world_size == 1:
        return value
    tensor = torch.tensor([value], dtype=torch.int64, device=context.device)
    dist.all_reduce(tensor)
    return int(tensor.item())


def _profile_root(predictor: Predictor, output_path: str) -> str:
    """Where profiling traces go (``ROOT/profiler``): the model_dir of a checkpoint.

    An export directory stays as it was exported, so an exported model's traces go
    beside the output (the current directory for a table such as ``odps://...``).
    """
    if predictor.profile_dir:
        return predictor.profile_dir
    if "://" in output_path:
        return os.getcwd()
    return os.path.dirname(os.path.abspath(output_path.rstrip("/")))


def _predict_batches(
    predictor: Predictor,
    batches: Iterator[Batch],
    writers: ShardWriters,
    context: DistContext,
    output_columns: Sequence[str],
    input_path: str,
    profile_root: str | None,
) -> None:
    """Predict every batch and write the real ones to their shard's writer."""
    stream: Iterator[tuple[Batch, bool]]
    if predictor.collective:
        stream = padded_lockstep(
            batches,
            context,
            lambda: DataReadError(
                input_path,
                f"has too few rows for {context.world_size} processes: some process got "
                "none to predict; use fewer processes",
            ),
        )
    else:
        stream = ((batch, True) for batch in batches)
    start = time.monotonic()
    with step_profiler(profile_root is not None, profile_root or "", context.rank) as profiler:
        for step, (batch, is_real) in enumerate(stream, start=1):
            outputs = predictor.predict(batch)
            if step == 1:
                check_output_columns(output_columns, outputs)
            if is_real:
                record_batch = output_record_batch(
                    _select_outputs(outputs, output_columns), batch.reserves, batch.batch_size
                )
                writers.write(_shard_of(batch), record_batch)
            profiler.step()
            if context.is_main and step % 100 == 0:
                logger.info(
                    "predict step %d: %d rows (%.1f s)",
                    step,
                    writers.total_rows,
                    time.monotonic() - start,
                )


def _output_shards(output_path: str, dataset: TzrecDataset, context: DistContext) -> list[int]:
    """The shards this process reads (and writes a part of), after checking the output.

    Raises:
        PredictArgumentError: a single-file output for several shards, or a directory
            holding part files this run would not replace.
    """
    workers = max(dataset.num_workers, 1)
    if is_single_file(output_path) and dataset.num_shards > 1:
        raise _argument_error(
            "predict_output_path",
            f"{output_path!r} is one file, but the input is read as {dataset.num_shards} "
            f"shards ({context.world_size} process(es) x {workers} worker(s)), each written "
            "to its own part file; give a directory, or use one process with num_workers 0",
        )
    _check_stale_parts(output_path, dataset.num_shards)
    return [context.rank * workers + worker for worker in range(workers)]


def _open_predictor(
    context: DistContext,
    pipeline_config_path: str | None,
    scripted_model_path: str | None,
    checkpoint_path: str | None,
    edit_config_json: str | dict[str, Any] | None,
) -> Predictor:
    if scripted_model_path:
        return ExportedPredictor(scripted_model_path, context.device)
    assert pipeline_config_path
    run = load_run_config(pipeline_config_path, edit_config_json)
    path = find_checkpoint(checkpoint_path, run.config.model_dir)
    if context.is_main:
        logger.info("predicting with checkpoint %s", path)
    return CheckpointPredictor(run.config, pipeline_config_path, path, context)


def predict(
    predict_input_path: str,
    predict_output_path: str,
    pipeline_config_path: str | None = None,
    scripted_model_path: str | None = None,
    checkpoint_path: str | None = None,
    reserved_columns: str | Sequence[str] = (),
    output_columns: str | Sequence[str] = (),
    batch_size: int | None = None,
    num_workers: int | None = None,
    dataset_type: str | None = None,
    writer_type: str | None = None,
    predict_steps: int | None = None,
    is_profiling: bool = False,
    edit_config_json: str | dict[str, Any] | None = None,
) -> PredictSummary:
    """Predict every row of an input and write the outputs with the reserved columns.

    Every process of the run (torchrun) calls it with the same arguments; see the
    module docstring for how the rows are split, ordered and committed.

    Args:
        predict_input_path: the input (``data/*.parquet``, ``odps://...``).
        predict_output_path: a directory of part files, a single ``.parquet``/``.csv``
            file (one process, ``num_workers`` 0 or 1), or a table (``odps://...``).
        pipeline_config_path: predict with a checkpoint of this pipeline config.
        scripted_model_path: predict with this exported model directory instead.
        checkpoint_path: the checkpoint (or a directory of them, whose newest is used);
            default the newest in the config's model_dir.
        reserved_columns: input columns copied to the output (a list or ``"a,b"``).
        output_columns: model outputs to write (default all), a list or ``"a,b"``.
        batch_size: rows per batch; default the data config's ``batch_size``.
        num_workers: dataloader workers per process; default the data config's.
        dataset_type: reader (``ParquetDataset``, ``CsvDataset``, ``OdpsDataset`` or a
            plugin's name); default the data config's.
        writer_type: writer (``ParquetWriter``, ``CsvWriter``, ``OdpsWriter``...);
            default the one matching the dataset type.
        predict_steps: at most this many batches per process (default: all rows).
        is_profiling: record a torch.profiler trace of a few batches under
            ``MODEL_DIR/profiler`` (for an exported model, ``profiler/`` beside the output:
            the export directory stays as exported).
        edit_config_json: TorchEasyRec's ``{"field.path": value}`` pipeline config
            edits (checkpoint prediction only).

    Returns:
        a :class:`PredictSummary`.

    Raises:
        PredictArgumentError: conflicting or invalid arguments, unknown output columns.
        FileNotFoundError: no checkpoint, no exported model at the given path.
        DataReadError: a missing or mistyped input column, an input without rows.
    """
    reserved = column_names(reserved_columns)
    outputs = column_names(output_columns)
    _check_arguments(
        predict_input_path,
        predict_output_path,
        pipeline_config_path,
        scripted_model_path,
        checkpoint_path,
        edit_config_json,
        {"batch_size": batch_size, "num_workers": num_workers, "predict_steps": predict_steps},
        {"reserved_columns": reserved, "output_columns": outputs},
    )
    quiet_libraries()
    configure_logging()
    start = time.monotonic()
    with distributed_run() as context:
        predictor = _open_predictor(
            context, pipeline_config_path, scripted_model_path, checkpoint_path, edit_config_json
        )
        known_outputs = predictor.output_names()
        if known_outputs is not None:
            check_output_columns(outputs, known_outputs)
        data_config = _data_config(predictor.data_config, dataset_type)
        loader = create_dataloader(
            data_config,
            predictor.features,
            predict_input_path,
            Mode.PREDICT,
            reserved_columns=reserved,
            batch_size=batch_size or data_config.batch_size,
            num_workers=num_workers,
        )
        dataset = loader.dataset
        assert isinstance(dataset, TzrecDataset)
        shards = _output_shards(predict_output_path, dataset, context)
        writer = writer_type or default_writer_type(data_config)
        get_registries().writers.load(writer)  # an unknown writer fails before any row
        batches: Iterator[Batch] = iter(loader)
        if predict_steps:
            batches = itertools.islice(batches, predict_steps)
        with ShardWriters(writer, predict_output_path, shards, dataset.num_shards) as writers:
            _predict_batches(
                predictor,
                batches,
                writers,
                context,
                outputs,
                predict_input_path,
                _profile_root(predictor, predict_output_path) if is_profiling else None,
            )
            # Every process has finished its rows before any commits its output.
            total = _sum_over_ranks(writers.total_rows, context)
            if total == 0:
                raise DataReadError(predict_input_path, "holds no rows to predict")
        _remove_parts_of_empty_shards(predict_output_path, writers.rows)
        seconds = time.monotonic() - start
        if context.is_main:
            logger.info(
                "predicted %d rows in %.1f s (%.0f rows/s) to %s",
                total,
                seconds,
                total / max(seconds, 1e-9),
                predict_output_path,
            )
        return PredictSummary(total, writers.output_files(), seconds)
