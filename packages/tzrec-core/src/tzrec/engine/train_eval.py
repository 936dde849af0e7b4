"""train_and_evaluate: the training loop, with checkpoints, resume and evaluation.

The loop is the same for one process and for many (torchrun): the model is always in
DistributedModelParallel, ranks step in lockstep, rank 0 writes files and logs.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
from dataclasses import dataclass
from typing import Any, cast

import torch
from torch.utils.data import DataLoader

from tzrec.datasets.batch import Batch
from tzrec.datasets.dataloader import DataPosition, create_dataloader
from tzrec.datasets.dataset import Mode, TzrecDataset
from tzrec.engine import checkpoint as ckpt
from tzrec.engine.distributed import (
    DistContext,
    distributed_run,
    lockstep,
)
from tzrec.engine.evaluation import (
    format_metrics,
    run_evaluation,
    use_dense_ema,
    write_eval_result,
)
from tzrec.engine.history import MetricsHistory
from tzrec.engine.model_setup import ModelBundle, build_model
from tzrec.engine.plan_summary import summarize_plan
from tzrec.engine.profiling import StepProfiler, step_profiler
from tzrec.engine.progress import ProgressReporter
from tzrec.engine.run_config import RunConfig, build_features, load_run_config
from tzrec.engine.summaries import SummaryWriterFacade
from tzrec.features.feature import BaseFeature
from tzrec.optim.dense import dense_parameters
from tzrec.utils.config_errors import ConfigError
from tzrec.utils.config_util import save_message
from tzrec.utils.logging_util import configure_logging
from tzrec.utils.quiet import quiet_libraries

logger = logging.getLogger("tzrec")

TRAIN_EVAL_RESULT = "train_eval_result.txt"
DEFAULT_SUMMARIES = ("loss", "learning_rate")


def train_and_evaluate(
    pipeline_config_path: str,
    train_input_path: str | None = None,
    eval_input_path: str | None = None,
    model_dir: str | None = None,
    continue_train: bool = True,
    fine_tune_checkpoint: str | None = None,
    edit_config_json: str | dict[str, Any] | None = None,
    ignore_restore_optimizer: bool = False,
) -> dict[str, float]:
    """Train the configured model, checkpointing and evaluating as the config says.

    Args:
        pipeline_config_path: the pipeline config.
        train_input_path: overrides the config's train_input_path.
        eval_input_path: overrides the config's eval_input_path (empty: no evaluation).
        model_dir: overrides the config's model_dir.
        continue_train: resume from the newest checkpoint in model_dir, if any
            (model, optimizer, step and data position).
        fine_tune_checkpoint: initialise the model from this checkpoint (file or
            directory of checkpoints) when not resuming; overrides
            train_config.fine_tune_checkpoint.
        edit_config_json: TorchEasyRec's ``{"field.path": value}`` config edits.
        ignore_restore_optimizer: when resuming, restore the model but start the
            optimizer afresh.

    Returns:
        the final evaluation's metrics (empty without eval input).
    """
    quiet_libraries()
    configure_logging()
    run = load_run_config(
        pipeline_config_path,
        edit_config_json,
        train_input_path=train_input_path,
        eval_input_path=eval_input_path,
        model_dir=model_dir,
    )
    if not run.config.model_dir:
        raise ConfigError(
            "model_dir is not set: give --model_dir or set it in the config",
            path=pipeline_config_path,
            field_path="model_dir",
        )
    if not run.config.train_input_path:
        raise ConfigError(
            "train_input_path is not set: give --train_input_path or set it in the config",
            path=pipeline_config_path,
            field_path="train_input_path",
        )
    with distributed_run() as context:
        trainer = Trainer(
            run, context, continue_train, fine_tune_checkpoint, ignore_restore_optimizer
        )
        return trainer.run()


@dataclass
class _EpochLoop:
    """What one epoch's loop works with."""

    loader: DataLoader[Batch]
    tracker: DataPosition
    progress: ProgressReporter
    profiler: StepProfiler
    save_steps: int
    log_every: int


@dataclass
class _Counters:
    step: int = 0
    epoch: int = 0
    last_saved_step: int = -1


class Trainer:
    """One training run; see :func:`train_and_evaluate` for the arguments."""

    def __init__(
        self,
        run: RunConfig,
        context: DistContext,
        continue_train: bool,
        fine_tune_checkpoint: str | None,
        ignore_restore_optimizer: bool,
    ) -> None:
        self.config = run.config
        self.context = context
        self.continue_train = continue_train
        self.fine_tune_checkpoint = (
            fine_tune_checkpoint or self.config.train_config.fine_tune_checkpoint
        )
        self.ignore_restore_optimizer = ignore_restore_optimizer
        self.model_dir = self.config.model_dir
        self.train_cfg = self.config.train_config
        self.counters = _Counters()
        self.data_position: dict[str, Any] = {}
        self.history = MetricsHistory(self.model_dir, context.rank)
        self.summaries: SummaryWriterFacade | None = None
        self.features: list[BaseFeature] = []

    # -- set up ---------------------------------------------------------------------------
    def _log_setup(self, features: list[BaseFeature], bundle: ModelBundle) -> None:
        if not self.context.is_main:
            return
        model_cfg = self.config.model_config
        groups = ", ".join(
            f"{g.group_name} {len(g.feature_names)}" for g in model_cfg.feature_groups
        )
        params = sum(p.numel() for p in bundle.model.parameters())
        logger.info(
            "model %s: %d features, groups [%s], %s parameters; %d process(es) on %s",
            model_cfg.WhichOneof("model"),
            len(features),
            groups,
            f"{params:,}",
            self.context.world_size,
            self.context.device,
        )
        for line in summarize_plan(bundle.plan, bundle.table_sizes):
            logger.info("%s", line)

    def _restore(self, bundle: ModelBundle) -> None:
        if not self._restore_checkpoint(bundle):
            self._restart_ema(bundle)

    def _restore_checkpoint(self, bundle: ModelBundle) -> bool:
        """Resume or fine-tune; returns whether the dense EMA state was restored."""
        path = ckpt.latest_checkpoint(self.model_dir) if self.continue_train else None
        if path is not None:
            ckpt.load_model_state(path, bundle.dmp.state_dict())
            state = ckpt.read_train_state(path)
            ema_restored = False
            if not self.ignore_restore_optimizer and bundle.optimizer is not None:
                restored = ckpt.load_optimizer_state(path, bundle.optimizer.state_dict())
                if restored is not None:
                    bundle.optimizer.load_state_dict(restored)
                    ema_restored = "ema" in restored
            self.counters = _Counters(state.step, state.epoch, state.step)
            self.data_position = dict(state.data_position)
            if self.context.is_main:
                logger.info("resumed from %s (step %d, epoch %d)", path, state.step, state.epoch)
            return ema_restored
        if self.fine_tune_checkpoint:
            source = ckpt.latest_checkpoint(self.fine_tune_checkpoint) or self.fine_tune_checkpoint
            param_map = (
                ckpt.read_param_map(self.train_cfg.fine_tune_ckpt_var_map)
                if self.train_cfg.fine_tune_ckpt_var_map
                else None
            )
            loaded, skipped = ckpt.load_fine_tune(source, bundle.dmp.state_dict(), param_map)
            if self.context.is_main:
                logger.info(
                    "fine-tuning from %s: %d tensors loaded, %d kept initial%s",
                    source,
                    len(loaded),
                    len(skipped),
                    f" ({', '.join(skipped[:5])}{'...' if len(skipped) > 5 else ''})"
                    if skipped
                    else "",
                )
        return False

    @staticmethod
    def _restart_ema(bundle: ModelBundle) -> None:
        """Start the dense EMA at the weights training starts from.

        The EMA copies the parameters when the optimizer is built, before a checkpoint
        or fine_tune_checkpoint is loaded; without its saved state (fine-tuning,
        ignore_restore_optimizer, an EMA new to the config) it would otherwise average
        from the random initial weights.
        """
        ema = bundle.optimizer.ema if bundle.optimizer is not None else None
        if ema is None:
            return
        shadow = {name: param.detach() for name, param in dense_parameters(bundle.dmp)}
        ema.load_state_dict({"decay": ema.decay, "num_updates": 0, "shadow": shadow})

    def _save_config(self) -> None:
        if self.context.is_main:
            os.makedirs(self.model_dir, exist_ok=True)
            save_message(self.config, os.path.join(self.model_dir, "pipeline.config"))

    # -- checkpoints and evaluation --------------------------------------------------------
    def _save(self, bundle: ModelBundle, position: dict[str, Any]) -> None:
        assert bundle.optimizer is not None
        state = ckpt.TrainState(self.counters.step, self.counters.epoch, position)
        path = ckpt.save_checkpoint(
            self.model_dir,
            state,
            bundle.dmp.state_dict(),
            bundle.optimizer.state_dict(),
            self.context.rank,
            self.train_cfg.keep_checkpoint_max,
        )
        self.counters.last_saved_step = self.counters.step
        if self.context.is_main:
            logger.info("saved %s", path)

    def _evaluate(self, bundle: ModelBundle, features: list[BaseFeature]) -> dict[str, float]:
        eval_path = self.config.eval_input_path
        if not eval_path:
            return {}
        loader = create_dataloader(self.config.data_config, features, eval_path, Mode.EVAL)
        ema = bundle.optimizer.ema if bundle.optimizer is not None else None
        use_ema = ema is not None and use_dense_ema(self.config)
        with ema.swapped_in() if use_ema and ema is not None else contextlib.nullcontext():
            metrics = run_evaluation(
                bundle.dmp,
                bundle.model,
                loader,
                self.context,
                self.config.eval_config.num_steps,
                self.config.eval_config.log_step_count_steps,
            )
        if self.context.is_main:
            logger.info("eval at step %d: %s", self.counters.step, format_metrics(metrics))
        self.history.log_eval(self.counters.step, metrics)
        if self.summaries is not None:
            self.summaries.eval(self.counters.step, metrics)
        return metrics

    # -- the loop ---------------------------------------------------------------------------
    def run(self) -> dict[str, float]:
        """Train to num_steps / num_epochs; returns the final evaluation's metrics."""
        self._save_config()
        features = build_features(self.config)
        self.features = features
        bundle = build_model(self.config, features, self.context, training=True)
        assert bundle.optimizer is not None
        self._log_setup(features, bundle)
        self._restore(bundle)
        summaries = list(self.train_cfg.tensorboard_summaries) or list(DEFAULT_SUMMARIES)
        self.summaries = SummaryWriterFacade(
            self.model_dir, summaries, self.train_cfg.use_tensorboard, self.context.rank
        )
        try:
            self._train(bundle, features)
            if self.counters.last_saved_step != self.counters.step:
                self._save(bundle, self.data_position)
            metrics = self._evaluate(bundle, features)
            if metrics:
                write_eval_result(
                    os.path.join(self.model_dir, TRAIN_EVAL_RESULT), metrics, self.context
                )
            return metrics
        finally:
            self.summaries.close()

    def _limits(self) -> tuple[int, int]:
        num_steps = int(self.train_cfg.num_steps)
        num_epochs = int(self.train_cfg.num_epochs)
        if num_steps == 0 and num_epochs == 0:
            num_epochs = 1
        return num_steps, num_epochs

    def _done(self) -> bool:
        num_steps, num_epochs = self._limits()
        if num_steps:
            return self.counters.step >= num_steps
        return self.counters.epoch >= num_epochs

    def _total_steps(self, loader_rows: int | None) -> int | None:
        num_steps, num_epochs = self._limits()
        if num_steps:
            return num_steps
        if loader_rows is None:
            return None
        # Each (rank, worker) shard cuts its own batches, the last one short unless
        # drop_remainder: a rank's batches are its workers' shards' batch counts.
        data_cfg = self.config.data_config
        workers = max(int(data_cfg.num_workers), 1)
        shard_rows = loader_rows / (max(self.context.world_size, 1) * workers)
        per_shard = shard_rows / data_cfg.batch_size
        batches = math.floor(per_shard) if data_cfg.drop_remainder else math.ceil(per_shard)
        return num_epochs * max(batches * workers, 1)

    def _train(self, bundle: ModelBundle, features: list[BaseFeature]) -> None:
        optimizer = bundle.optimizer
        assert optimizer is not None
        train_cfg = self.train_cfg
        save_epochs = int(train_cfg.save_checkpoints_epochs)
        save_steps = 0 if save_epochs else int(train_cfg.save_checkpoints_steps)
        log_every = max(int(train_cfg.log_step_count_steps), 1)
        data_cfg = self.config.data_config
        progress: ProgressReporter | None = None
        bundle.dmp.train()
        num_shards = self.context.world_size * max(int(data_cfg.num_workers), 1)
        with step_profiler(train_cfg.is_profiling, self.model_dir, self.context.rank) as profiler:
            while not self._done():
                start_positions = (
                    DataPosition.start_positions(self.data_position, num_shards)
                    if self.data_position
                    else None
                )
                loader = create_dataloader(
                    data_cfg,
                    features,
                    self.config.train_input_path,
                    Mode.TRAIN,
                    start_positions=start_positions,
                )
                dataset = cast(TzrecDataset, loader.dataset)
                dataset.set_epoch(self.counters.epoch)
                if progress is None:
                    total = self._total_steps(dataset.reader.num_rows())
                    progress = ProgressReporter(total, log_every, self.context.rank)
                tracker = DataPosition(num_shards)
                tracker.rows.update(start_positions or {})
                loop = _EpochLoop(loader, tracker, progress, profiler, save_steps, log_every)
                epoch_steps = self._train_epoch(bundle, loop)
                if self._done() and self._limits()[0]:
                    break  # num_steps reached inside the epoch
                # A resumed epoch may have nothing left: its checkpoint was taken on the
                # epoch's last batch (save_checkpoints_steps or num_steps landing there).
                # It is then simply over; only a fresh epoch without batches is an error.
                if epoch_steps == 0 and start_positions is None:
                    raise RuntimeError(
                        f"training input {self.config.train_input_path!r} gave no batch in "
                        f"epoch {self.counters.epoch} (fewer rows than batch_size x processes?)"
                    )
                self.counters.epoch += 1
                self.data_position = {}
                optimizer.on_epoch_end()
                if (
                    save_epochs
                    and self.counters.epoch % save_epochs == 0
                    and self.counters.last_saved_step != self.counters.step
                    and not self._done()
                ):
                    self._save(bundle, {})
                    self._evaluate(bundle, features)
        if progress is not None:
            progress.close()

    def _train_epoch(self, bundle: ModelBundle, loop: _EpochLoop) -> int:
        """Train on the loop's batches until they or num_steps run out; returns the steps."""
        optimizer = bundle.optimizer
        assert optimizer is not None
        model = bundle.model
        num_steps, _ = self._limits()
        steps = 0
        for batch in lockstep(iter(loop.loader), self.context):
            batch = batch.to(self.context.device, non_blocking=True)
            loss, (losses, predictions, _) = bundle.dmp(batch)
            optimizer.backward(loss)
            if self.summaries is not None and self._is_logging_step(self.counters.step + 1, loop):
                # Gradient summaries need the gradients, which optimizer.step() clears.
                self.summaries.model_step(self.counters.step + 1, bundle.dmp)
            optimizer.step()
            model.update_train_metric(predictions, batch)
            loop.tracker.update(batch)
            loop.profiler.step()
            self.counters.step += 1
            steps += 1
            step = self.counters.step
            logging_step = self._is_logging_step(step, loop)
            loss_value = float(loss.detach()) if logging_step else None
            loop.progress.update(step, batch.batch_size, loss_value, optimizer.current_lrs())
            if loss_value is not None:
                self._log_train(bundle, loss_value, losses, loop.progress)
            if loop.save_steps and step % loop.save_steps == 0:
                self.data_position = loop.tracker.gathered_state_dict()
                self._save(bundle, self.data_position)
                self._evaluate(bundle, self.features)
            if num_steps and step >= num_steps:
                self.data_position = loop.tracker.gathered_state_dict()
                break
        return steps

    @staticmethod
    def _is_logging_step(step: int, loop: _EpochLoop) -> bool:
        """Whether ``step`` is logged: every log_every steps, and step 1.

        Step 1 is always recorded: the curves start there, and its time in the history
        tells how long the run took to get going.
        """
        return step % loop.log_every == 0 or step == 1

    def _log_train(
        self,
        bundle: ModelBundle,
        loss_value: float,
        losses: dict[str, torch.Tensor],
        progress: ProgressReporter,
    ) -> None:
        assert bundle.optimizer is not None
        step = self.counters.step
        lrs = bundle.optimizer.current_lrs()
        loss_values = {name: float(value) for name, value in losses.items()}
        train_metrics = {k: float(v) for k, v in bundle.model.compute_train_metric().items()}
        rate = progress.samples_per_s or 0.0
        self.history.log_train(
            step, self.counters.epoch, loss_value, loss_values, lrs, float(rate), train_metrics
        )
        if self.summaries is not None:
            self.summaries.train_step(step, loss_value, loss_values, lrs)
