"""The plugin system: entry-point discovery, registries, conflicts, plugin models."""

from __future__ import annotations

from pathlib import Path

import pytest

from tzrec.plugins import (
    CommandSpec,
    DuplicatePluginNameError,
    ModelSpec,
    PluginTargetError,
    ReaderSpec,
    UnknownPluginNameError,
    build_registries,
    create_plugin_manager,
    get_registries,
    hookimpl,
    load_target,
)
from tzrec.plugins.model_config import selected_model
from tzrec.utils.config_errors import ConfigError
from tzrec.utils.config_util import load_pipeline_config, parse_pipeline_config

REPO = Path(__file__).resolve().parents[2]
TINYNET_CONFIG = REPO / "examples" / "configs" / "tinynet_plugin.config"


class _ReaderPlugin:
    """A plugin object registering one reader under a given name."""

    def __init__(self, reader_name: str, target: str) -> None:
        self.reader_name = reader_name
        self.target = target

    @hookimpl
    def register_readers(self) -> list[ReaderSpec]:
        return [ReaderSpec(self.reader_name, self.target)]


def test_installed_plugins_are_found_through_entry_points() -> None:
    """tzrec's own packages and the example plugin all come in via entry points."""
    pm = create_plugin_manager()
    names = {name for name, _ in pm.list_name_plugin()}
    assert {"cli", "io", "models", "example"} <= names
    distributions = {dist.project_name for _, dist in pm.list_plugin_distinfo()}
    assert {"tzrec-cli", "tzrec-io", "tzrec-models", "tzrec-plugin-example"} <= distributions


def test_example_plugin_registrations() -> None:
    registries = get_registries()
    assert registries.models.entries["tzrec_example.TinyNet"].plugin == "example"
    assert registries.commands.entries["example-info"].plugin == "example"
    assert registries.commands.entries["config"].plugin == "cli"
    assert "tzrec_plugin_example.tinynet_pb2" in registries.config_messages


def test_two_plugins_claiming_one_name_fail_naming_both() -> None:
    pm = create_plugin_manager(
        load_entrypoints=False,
        plugins={
            "acme": _ReaderPlugin("ParquetDataset", "acme.reader:Reader"),
            "globex": _ReaderPlugin("ParquetDataset", "globex.reader:Reader"),
        },
    )
    with pytest.raises(DuplicatePluginNameError) as info:
        build_registries(pm)
    message = str(info.value)
    assert "reader 'ParquetDataset'" in message
    assert "'acme'" in message and "'globex'" in message


def test_distinct_names_coexist() -> None:
    pm = create_plugin_manager(
        load_entrypoints=False,
        plugins={
            "acme": _ReaderPlugin("AcmeDataset", "json:loads"),
            "globex": _ReaderPlugin("GlobexDataset", "json:dumps"),
        },
    )
    readers = build_registries(pm).readers
    assert readers.names() == ["AcmeDataset", "GlobexDataset"]
    import json

    assert readers.load("AcmeDataset") is json.loads


def test_disabled_plugin_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZREC_DISABLE_PLUGINS", "example, io")
    pm = create_plugin_manager()
    names = {name for name, plugin in pm.list_name_plugin() if plugin is not None}
    assert "example" not in names and "io" not in names and "cli" in names
    assert "tzrec_example.TinyNet" not in build_registries(pm).models


def test_unknown_name_lists_what_is_installed() -> None:
    with pytest.raises(UnknownPluginNameError) as info:
        get_registries().models.get("no_such_model")
    assert "no_such_model" in str(info.value)
    assert "tzrec_example.TinyNet" in str(info.value)


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        ("no_colon", "is not of the form 'module:attribute'"),
        ("no_such_module_xyz:Thing", "cannot import 'no_such_module_xyz'"),
        ("json:NoSuchThing", "'json' has no 'NoSuchThing'"),
    ],
)
def test_bad_targets_name_the_plugin(target: str, fragment: str) -> None:
    with pytest.raises(PluginTargetError) as info:
        load_target(target, owner="acme")
    assert fragment in str(info.value)
    assert "plugin 'acme'" in str(info.value)


def test_plugin_model_parses_from_its_own_message() -> None:
    """plugin_model holds a google.protobuf.Any of the plugin's TinyNet message."""
    config = load_pipeline_config(str(TINYNET_CONFIG))
    name, message = selected_model(config.model_config)
    assert name == "tzrec_example.TinyNet"
    assert list(message.hidden_units) == [16, 8]
    assert message.dropout_ratio == pytest.approx(0.1)


def test_plugin_model_builds_and_runs() -> None:
    """The registry's lazy target imports the model class, built from the config."""
    import pyarrow as pa
    import torch

    from tzrec.datasets.data_parser import DataParser
    from tzrec.engine.run_config import build_features
    from tzrec.models.factory import create_model

    config = load_pipeline_config(str(TINYNET_CONFIG))
    name, _ = selected_model(config.model_config)
    assert get_registries().models.load(name).__name__ == "TinyNet"
    features = build_features(config)
    net = create_model(config.model_config, features, ["label"])
    assert [m.out_features for m in net.mlp if isinstance(m, torch.nn.Linear)] == [16, 8, 1]
    parser = DataParser(features, label_fields=["label"])
    columns = {"price": [1.0, 2.0, 3.0, 4.0], "age": [5.0, 6.0, 7.0, 8.0], "label": [0, 1, 0, 1]}
    batch = parser.parse(pa.RecordBatch.from_pydict(columns))
    predictions = net.predict(batch)
    assert predictions["probs"].shape == (4,)


def test_unknown_plugin_message_type_is_a_config_error() -> None:
    text = TINYNET_CONFIG.read_text().replace("tzrec_example.TinyNet", "acme.Missing")
    with pytest.raises(ConfigError) as info:
        parse_pipeline_config(text, "tiny.config")
    assert info.value.line > 0
    assert "acme.Missing" in str(info.value)


def test_schema_model_selection() -> None:
    config = parse_pipeline_config("model_config { deepfm { deep { hidden_units: [4] } } }")
    name, message = selected_model(config.model_config)
    assert (name, message.DESCRIPTOR.name) == ("deepfm", "DeepFM")
    with pytest.raises(ValueError, match="sets no model"):
        selected_model(parse_pipeline_config("model_config { num_class: 2 }").model_config)


def test_command_spec_help_is_carried() -> None:
    spec = get_registries().commands.get("config")
    assert isinstance(spec, CommandSpec) and spec.help
    assert isinstance(get_registries().models.get("tzrec_example.TinyNet"), ModelSpec)
