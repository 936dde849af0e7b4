"""The plugin module named by this package's ``tzrec`` entry point.

Only lazy references here: the model module (which imports torch) is imported when a
pipeline config selects TinyNet, not when tzrec lists plugins.
"""

from __future__ import annotations

from tzrec.plugins import CommandSpec, ModelSpec, hookimpl

CONFIG_MESSAGE = "tzrec_example.TinyNet"


@hookimpl
def register_models() -> list[ModelSpec]:
    """TinyNet, keyed by the full name of its config message."""
    return [ModelSpec(CONFIG_MESSAGE, "tzrec_plugin_example.model:TinyNet", "example")]


@hookimpl
def register_config_messages() -> list[str]:
    """The module defining tzrec_example.TinyNet, for parsing ``plugin_model``."""
    return ["tzrec_plugin_example.tinynet_pb2"]


@hookimpl
def register_commands() -> list[CommandSpec]:
    """``tzrec example-info``."""
    return [
        CommandSpec(
            "example-info",
            "tzrec_plugin_example.info:example_info",
            "Show what the example plugin provides.",
        )
    ]
