"""evaluate: the metrics of a checkpoint on evaluation data."""

from __future__ import annotations

import logging
import os
from typing import Any

from tzrec.datasets.dataloader import create_dataloader
from tzrec.datasets.dataset import Mode
from tzrec.engine import checkpoint as ckpt
from tzrec.engine.distributed import distributed_run
from tzrec.engine.evaluation import (
    apply_checkpoint_ema,
    format_metrics,
    run_evaluation,
    use_dense_ema,
    write_eval_result,
)
from tzrec.engine.history import MetricsHistory
from tzrec.engine.model_setup import build_model
from tzrec.engine.run_config import build_features, load_run_config
from tzrec.utils.config_errors import ConfigError
from tzrec.utils.logging_util import configure_logging
from tzrec.utils.quiet import quiet_libraries

logger = logging.getLogger("tzrec")

EVAL_RESULT = "eval_result.txt"


def evaluate(
    pipeline_config_path: str,
    checkpoint_path: str | None = None,
    eval_input_path: str | None = None,
    eval_result_filename: str = EVAL_RESULT,
    edit_config_json: str | dict[str, Any] | None = None,
) -> dict[str, float]:
    """Evaluate a checkpoint and write its metrics as JSON.

    With a dense EMA (``eval_config.use_dense_ema``, by default whether
    ``train_config.dense_optimizer.ema`` is set) the averages saved in the checkpoint
    replace the dense weights, as in the evaluations of ``train_and_evaluate``.

    Args:
        pipeline_config_path: the pipeline config (usually MODEL_DIR/pipeline.config).
        checkpoint_path: a checkpoint, or a directory of checkpoints whose newest is
            used; defaults to the newest checkpoint in the config's model_dir.
        eval_input_path: overrides the config's eval_input_path.
        eval_result_filename: file name of the JSON result, written next to the
            checkpoint's model_dir (an absolute path is used as is).
        edit_config_json: TorchEasyRec's ``{"field.path": value}`` config edits.

    Returns:
        metric name -> value (``loss`` included).

    Raises:
        FileNotFoundError: when there is no checkpoint to evaluate.
        ConfigError: when there is no evaluation input.
    """
    quiet_libraries()
    configure_logging()
    run = load_run_config(pipeline_config_path, edit_config_json, eval_input_path=eval_input_path)
    config = run.config
    if not config.eval_input_path:
        raise ConfigError(
            "eval_input_path is not set: give --eval_input_path or set it in the config",
            path=pipeline_config_path,
            field_path="eval_input_path",
        )
    search = checkpoint_path or config.model_dir
    path = ckpt.latest_checkpoint(search) if search else None
    if path is None:
        raise FileNotFoundError(
            f"no checkpoint to evaluate in {search!r} (expected model.ckpt-STEP directories "
            "with a train_state.json)"
        )
    with distributed_run() as context:
        features = build_features(config)
        bundle = build_model(config, features, context, training=False)
        ckpt.load_model_state(path, bundle.dmp.state_dict())
        if use_dense_ema(config):
            apply_checkpoint_ema(
                bundle.dmp, path, "eval_config.use_dense_ema", pipeline_config_path
            )
        step = ckpt.read_train_state(path).step
        loader = create_dataloader(config.data_config, features, config.eval_input_path, Mode.EVAL)
        metrics = run_evaluation(
            bundle.dmp,
            bundle.model,
            loader,
            context,
            config.eval_config.num_steps,
            config.eval_config.log_step_count_steps,
        )
        if context.is_main:
            logger.info("eval of %s: %s", path, format_metrics(metrics))
        model_dir = config.model_dir or os.path.dirname(path)
        write_eval_result(os.path.join(model_dir, eval_result_filename), metrics, context)
        MetricsHistory(model_dir, context.rank).log_eval(step, metrics)
        return metrics
