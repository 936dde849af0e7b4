"""export: a trained checkpoint as a self-contained serving directory.

Rank 0 does the work (under torchrun the other ranks wait for its result): it builds
the model on the CPU, loads the checkpoint (gathering the shards of every rank),
applies the dense EMA and quantization as configured, turns the model into a
TorchScript program, writes the FG description and resource files, and checks the
written directory by loading it with :func:`tzrec.serving.load_exported` and scoring
sample rows against the in-memory model. Everything is written to a temporary sibling
of ``export_dir`` that is renamed into place at the end, so a failed export leaves no
directory that looks complete.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import torch

from tzrec.datasets.data_parser import DataParser
from tzrec.engine.distributed import distributed_run
from tzrec.engine.run_config import build_features, load_run_config
from tzrec.export.checkpoint_select import SelectedCheckpoint, select_checkpoint
from tzrec.export.fg_files import copy_assets, write_fg_files
from tzrec.export.manifest import build_manifest
from tzrec.export.model_load import load_trained_model, use_dense_ema_for_export
from tzrec.export.quantize import Quantization, quantize_model, resolve_quantization
from tzrec.export.sample_input import sample_rows
from tzrec.export.tracing import script_model
from tzrec.plugins.model_config import selected_model
from tzrec.protos import pipeline_pb2
from tzrec.serving.exported_model import load_exported
from tzrec.serving.manifest import PIPELINE_CONFIG, SCRIPTED_MODEL, write_manifest
from tzrec.utils.config_errors import ConfigError, InputError
from tzrec.utils.config_util import save_message
from tzrec.utils.logging_util import configure_logging
from tzrec.utils.quiet import quiet_libraries

logger = logging.getLogger("tzrec")

OUTPUT_FORMATS = ("torchscript", "aot")
#: Largest |exported - in-memory| prediction difference accepted for an fp32 export.
FP32_TOLERANCE = 1e-5


@dataclass
class ExportResult:
    """What an export wrote.

    Attributes:
        export_dir: the directory.
        checkpoint: the checkpoint exported.
        manifest: the manifest written.
        max_abs_diff: per output, the largest |exported - in-memory model| on the
            sample rows (the quantization error for a quantized export).
        seconds: how long the export took.
    """

    export_dir: str
    checkpoint: SelectedCheckpoint
    manifest: dict[str, Any]
    max_abs_diff: dict[str, float]
    seconds: float


def resolve_output_format(output_format: str | None) -> str:
    """``output_format``, else ``aot`` when ENABLE_AOT is set (not 0), else torchscript.

    Raises:
        InputError: an unknown format, or ``aot`` (not supported yet); a user error that
            the CLI reports in one line.
    """
    if output_format is None:
        flag = os.environ.get("ENABLE_AOT", "").strip()
        output_format = "aot" if flag not in ("", "0") else "torchscript"
    output_format = output_format.strip().lower()
    if output_format not in OUTPUT_FORMATS:
        raise InputError(f"output_format {output_format!r} is not one of {list(OUTPUT_FORMATS)}")
    if output_format == "aot":
        raise InputError(
            "output_format 'aot' (ENABLE_AOT) is not supported yet: torch.export of a "
            "TorchRec model traces here only with every input shape fixed to one batch "
            "(ids per feature are data-dependent and KeyedJaggedTensor.to_dict has no "
            "dynamic-shape export), so the AOTInductor program would only score inputs "
            "shaped exactly like the sample; use torchscript"
        )
    return output_format


def _check_target(export_dir: str) -> None:
    """Refuse to write over something: ``export_dir`` must be absent or an empty directory.

    Raises:
        ConfigError: naming the directory.
    """
    if os.path.exists(export_dir) and not os.path.isdir(export_dir):
        raise ConfigError("export_dir exists and is not a directory", path=export_dir)
    if os.path.isdir(export_dir) and os.listdir(export_dir):
        raise ConfigError(
            "export_dir exists and is not empty; remove it or choose another", path=export_dir
        )


def _max_abs_diff(
    expected: dict[str, torch.Tensor], actual: dict[str, torch.Tensor]
) -> dict[str, float]:
    if sorted(expected) != sorted(actual):
        raise RuntimeError(
            f"the exported program's outputs {sorted(actual)} differ from the model's "
            f"{sorted(expected)}"
        )
    return {
        name: float((expected[name].float() - actual[name].float()).abs().max())
        if expected[name].numel()
        else 0.0
        for name in expected
    }


def _write_export(
    config: pipeline_pb2.EasyRecConfig,
    target: str,
    selected: SelectedCheckpoint,
    quantization: Quantization,
    output_format: str,
) -> tuple[dict[str, Any], dict[str, float]]:
    """Write the export into ``target`` (an empty directory); the manifest and diffs."""
    features = build_features(config)
    parser = DataParser(features)
    use_ema = use_dense_ema_for_export(config)
    model = load_trained_model(config, features, selected.path, use_ema).set_serving(True)
    rows, source = sample_rows(config, parser.input_columns)
    logger.info("export: checking with %d rows of %s", rows.num_rows, source)
    with torch.no_grad():
        expected = model.predict(parser.parse(rows, source=source))
    quantize_model(model, quantization)
    program = script_model(model, parser.features)
    program.save(os.path.join(target, SCRIPTED_MODEL))

    exported_config = pipeline_pb2.EasyRecConfig()
    exported_config.CopyFrom(config)
    assets = copy_assets(exported_config, target)
    save_message(exported_config, os.path.join(target, PIPELINE_CONFIG))
    serving_features = write_fg_files(exported_config, target)
    serving_inputs = DataParser(serving_features).input_columns
    if serving_inputs != parser.input_columns:
        raise RuntimeError(
            f"the exported features read columns {serving_inputs}, training read "
            f"{parser.input_columns}"
        )
    manifest = build_manifest(
        model_name=selected_model(config.model_config)[0],
        output_format=output_format,
        model_file=SCRIPTED_MODEL,
        quantization=quantization,
        dense_ema=use_ema,
        checkpoint=selected,
        input_schema=pa.schema([rows.schema.field(c) for c in parser.input_columns]),
        feature_names=[f.name for f in parser.features],
        output_names=sorted(expected),
        assets=assets,
    )
    write_manifest(target, manifest)

    served = load_exported(target).predict(rows)
    diffs = _max_abs_diff(expected, served)
    if not quantization.enabled and max(diffs.values(), default=0.0) > FP32_TOLERANCE:
        raise RuntimeError(
            f"the exported program scores the sample rows differently from the model "
            f"(max |diff| {diffs}); please report this"
        )
    manifest["verification"] = {"rows": rows.num_rows, "source": source, "max_abs_diff": diffs}
    write_manifest(target, manifest)
    return manifest, diffs


def _export_on_this_rank(
    config: pipeline_pb2.EasyRecConfig,
    export_dir: str,
    selected: SelectedCheckpoint,
    quantization: Quantization,
    output_format: str,
) -> tuple[dict[str, Any], dict[str, float]]:
    export_dir = os.path.abspath(export_dir)
    _check_target(export_dir)
    parent = os.path.dirname(export_dir)
    os.makedirs(parent, exist_ok=True)
    tmp = os.path.join(parent, f".{os.path.basename(export_dir)}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    try:
        manifest, diffs = _write_export(config, tmp, selected, quantization, output_format)
        if os.path.isdir(export_dir):
            os.rmdir(export_dir)  # empty (checked above)
        os.rename(tmp, export_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest, diffs


def export(
    pipeline_config_path: str,
    export_dir: str,
    checkpoint_path: str | None = None,
    output_format: str | None = None,
    quantize_embedding: str | None = None,
    edit_config_json: str | dict[str, Any] | None = None,
) -> ExportResult | None:
    """Export a checkpoint of a run as a self-contained serving directory.

    Args:
        pipeline_config_path: the pipeline config (usually MODEL_DIR/pipeline.config).
        export_dir: the directory to create (it must not exist, or be empty).
        checkpoint_path: a checkpoint, or a directory of checkpoints; default the
            config's model_dir. Within a directory, ``export_config.exporter_type``
            picks the latest or the best checkpoint.
        output_format: ``torchscript`` (default; ENABLE_AOT=1 asks for ``aot``).
        quantize_embedding: ``none`` (default: fp32 tables, exact) or ``int8`` (also
            int4 / int2 / fp16) for the pooled embedding tables; None reads QUANT_EMB.
            QUANT_EC_EMB quantizes the sequence tables.
        edit_config_json: TorchEasyRec's ``{"field.path": value}`` config edits.

    Returns:
        what was written (on rank 0; None on the other ranks of a torchrun launch).

    Raises:
        FileNotFoundError: no checkpoint, or a missing resource file.
        ConfigError: ``export_dir`` exists and is not empty, a bad export_config, or
            a model that cannot be exported.
        InputError: an output format that cannot be written.
    """
    quiet_libraries()
    configure_logging()
    start = time.monotonic()
    config = load_run_config(pipeline_config_path, edit_config_json).config
    output_format = resolve_output_format(output_format)
    try:
        quantization = resolve_quantization(quantize_embedding)
    except ValueError as e:
        raise ConfigError(str(e)) from e
    selected = select_checkpoint(config.model_dir, checkpoint_path, config.export_config)
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        manifest, diffs = _export_on_this_rank(
            config, export_dir, selected, quantization, output_format
        )
        return _result(export_dir, selected, manifest, diffs, start)
    # Under torchrun: rank 0 exports; the others wait for its outcome.
    with distributed_run() as context:
        outcome: list[Any] = [None]
        if context.is_main:
            try:
                manifest, diffs = _export_on_this_rank(
                    config, export_dir, selected, quantization, output_format
                )
                outcome[0] = "ok"
            except BaseException as e:
                outcome[0] = f"{type(e).__name__}: {e}"
                torch.distributed.broadcast_object_list(outcome, src=0)
                raise
        torch.distributed.broadcast_object_list(outcome, src=0)
        if not context.is_main:
            if outcome[0] != "ok":
                raise RuntimeError(f"rank 0 failed to export: {outcome[0]}")
            return None
        return _result(export_dir, selected, manifest, diffs, start)


def _result(
    export_dir: str,
    selected: SelectedCheckpoint,
    manifest: dict[str, Any],
    diffs: dict[str, float],
    start: float,
) -> ExportResult:
    seconds = time.monotonic() - start
    logger.info(
        "exported %s (step %d, %s) to %s in %.1f s",
        selected.path,
        selected.step,
        selected.reason,
        export_dir,
        seconds,
    )
    return ExportResult(os.path.abspath(export_dir), selected, manifest, diffs, seconds)
