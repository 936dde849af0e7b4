"""The pipeline config of a run: loaded, edited from the command line, checked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tzrec.features.factory import context_from_data_config, create_features
from tzrec.features.feature import BaseFeature
from tzrec.protos import pipeline_pb2
from tzrec.utils.config_edit import edit_config
from tzrec.utils.config_errors import ConfigError
from tzrec.utils.config_util import load_pipeline_config


@dataclass
class RunConfig:
    """A loaded pipeline config and where it came from."""

    config: pipeline_pb2.EasyRecConfig
    path: str

    @property
    def model_dir(self) -> str:
        """The run's model directory (``model_dir``)."""
        return self.config.model_dir


def load_run_config(
    pipeline_config_path: str,
    edit_config_json: str | dict[str, Any] | None = None,
    **overrides: str | None,
) -> RunConfig:
    """Load the pipeline config, apply ``--edit_config_json`` and path overrides.

    Args:
        pipeline_config_path: the config file.
        edit_config_json: TorchEasyRec's ``{"field.path": value}`` edits (JSON text or a
            dict), applied before the overrides.
        **overrides: top-level string fields (``model_dir``, ``train_input_path``,
            ``eval_input_path``) to replace when not None.

    Raises:
        ConfigError: for a malformed config, edit or an inconsistent train config.
    """
    config = load_pipeline_config(pipeline_config_path)
    if edit_config_json:
        edit_config(config, edit_config_json)
    for field_name, value in overrides.items():
        if value:
            setattr(config, field_name, value)
    train = config.train_config
    if train.num_steps and train.num_epochs:
        raise ConfigError(
            f"train_config sets both num_steps ({train.num_steps}) and num_epochs "
            f"({train.num_epochs}); set one",
            path=pipeline_config_path,
            field_path="train_config.num_steps",
        )
    if train.HasField("save_checkpoints_epochs") and train.HasField("save_checkpoints_steps"):
        raise ConfigError(
            "train_config sets both save_checkpoints_steps and save_checkpoints_epochs; set one",
            path=pipeline_config_path,
            field_path="train_config.save_checkpoints_epochs",
        )
    return RunConfig(config, pipeline_config_path)


def build_features(config: pipeline_pb2.EasyRecConfig) -> list[BaseFeature]:
    """The pipeline's features, with the data config's FG context."""
    context = context_from_data_config(config.data_config)
    return create_features(list(config.feature_configs), context)
