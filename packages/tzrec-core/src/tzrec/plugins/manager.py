"""Find plugins through their entry points and build the registries from their hooks.

:func:`get_plugin_manager` loads the ``tzrec`` entry-point group once per process.
:func:`get_registries` asks every plugin's hooks once and files each record under its
name; a name claimed by two plugins raises :class:`DuplicatePluginNameError` naming
both. Tests (or an embedding application) can build their own manager with
:func:`create_plugin_manager` and pass it in.
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Generic, TypeVar

import pluggy

from tzrec.plugins import hookspecs
from tzrec.plugins.specs import (
    CommandSpec,
    FeatureOperatorSpec,
    ModelSpec,
    PluginTargetError,
    ReaderSpec,
    SamplerSpec,
    WriterSpec,
    load_target,
)

ENTRY_POINT_GROUP = "tzrec"
# Comma-separated plugin (entry-point) names to leave out, e.g. to bisect a broken one.
DISABLE_ENV = "TZREC_DISABLE_PLUGINS"

SpecT = TypeVar("SpecT")


class DuplicatePluginNameError(RuntimeError):
    """Two plugins registered the same name in one registry."""


class UnknownPluginNameError(KeyError):
    """A config names something no installed plugin provides."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class Entry(Generic[SpecT]):
    """A registered record and the plugin that registered it."""

    spec: SpecT
    plugin: str


@dataclass
class Registry(Generic[SpecT]):
    """Records of one kind, by name, each remembering its plugin."""

    kind: str
    entries: dict[str, Entry[SpecT]] = field(default_factory=dict)

    def add(self, name: str, spec: SpecT, plugin: str) -> None:
        """Register ``spec`` as ``name``; a second plugin claiming it is an error."""
        if name in self.entries:
            other = self.entries[name].plugin
            raise DuplicatePluginNameError(
                f"{self.kind} '{name}' is registered by two plugins: '{other}' and "
                f"'{plugin}'; uninstall one, or disable one with {DISABLE_ENV}={plugin}"
            )
        self.entries[name] = Entry(spec, plugin)

    def __contains__(self, name: object) -> bool:
        return name in self.entries

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self.entries)

    def get(self, name: str) -> SpecT:
        """The record registered as ``name``, or an error listing what exists."""
        if name not in self.entries:
            known = ", ".join(self.names()) or "none"
            raise UnknownPluginNameError(
                f"no installed plugin provides the {self.kind} '{name}' "
                f"(installed: {known}); install the plugin package that provides it"
            )
        return self.entries[name].spec

    def load(self, name: str) -> Any:
        """Import and return the target of the record registered as ``name``."""
        spec = self.get(name)
        # SpecT is unbounded (config_messages holds plain str); the registries that are
        # loaded from all hold *Spec records, which have a ``target``.
        return load_target(spec.target, self.entries[name].plugin)  # type: ignore[attr-defined]


@dataclass
class Registries:
    """Everything the installed plugins provide."""

    models: Registry[ModelSpec]
    readers: Registry[ReaderSpec]
    writers: Registry[WriterSpec]
    samplers: Registry[SamplerSpec]
    feature_operators: Registry[FeatureOperatorSpec]
    commands: Registry[CommandSpec]
    config_messages: Registry[str]

    def by_kind(self) -> dict[str, Registry[Any]]:
        """The registries keyed by the hook category, for listings."""
        return {
            "models": self.models,
            "readers": self.readers,
            "writers": self.writers,
            "samplers": self.samplers,
            "feature operators": self.feature_operators,
            "commands": self.commands,
            "config messages": self.config_messages,
        }


def create_plugin_manager(
    load_entrypoints: bool = True, plugins: Mapping[str, ModuleType | object] | None = None
) -> pluggy.PluginManager:
    """A plugin manager with tzrec's hookspecs.

    Args:
        load_entrypoints: load every installed ``tzrec`` entry point (minus those
            named in ``TZREC_DISABLE_PLUGINS``).
        plugins: extra plugins to register directly (tests, applications), by name.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    disabled = [n.strip() for n in os.environ.get(DISABLE_ENV, "").split(",") if n.strip()]
    for name in disabled:
        pm.set_blocked(name)
    for name, plugin in (plugins or {}).items():
        pm.register(plugin, name=name)
    if load_entrypoints:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    return pm


@functools.lru_cache(maxsize=1)
def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, loaded from entry points on first use."""
    return create_plugin_manager()


def _collect(
    pm: pluggy.PluginManager, hook_name: str, registry: Registry[Any], key: str | None
) -> None:
    caller = getattr(pm.hook, hook_name)
    for impl in caller.get_hookimpls():
        plugin_name = pm.get_name(impl.plugin) or impl.plugin_name
        for record in impl.function() or ():
            name = record if key is None else getattr(record, key)
            registry.add(name, record, plugin_name)


def build_registries(pm: pluggy.PluginManager) -> Registries:
    """Ask each plugin's hooks once and file the records by name."""
    registries = Registries(
        models=Registry("model"),
        readers=Registry("reader"),
        writers=Registry("writer"),
        samplers=Registry("sampler"),
        feature_operators=Registry("feature operator"),
        commands=Registry("command"),
        config_messages=Registry("config message module"),
    )
    _collect(pm, "register_models", registries.models, "name")
    _collect(pm, "register_readers", registries.readers, "name")
    _collect(pm, "register_writers", registries.writers, "name")
    _collect(pm, "register_samplers", registries.samplers, "name")
    _collect(pm, "register_feature_operators", registries.feature_operators, "name")
    _collect(pm, "register_commands", registries.commands, "name")
    _collect(pm, "register_config_messages", registries.config_messages, None)
    return registries


@functools.lru_cache(maxsize=1)
def get_registries() -> Registries:
    """The registries of the process-wide plugin manager (built once)."""
    return build_registries(get_plugin_manager())


def import_config_messages(registries: Registries | None = None) -> None:
    """Import every plugin's config-message modules so Any fields can be parsed."""
    registries = registries or get_registries()
    for name, entry in registries.config_messages.entries.items():
        try:
            importlib.import_module(name)
        except ImportError as e:
            raise PluginTargetError(
                f"cannot import config messages '{name}' (registered by plugin "
                f"'{entry.plugin}'): {e}"
            ) from e
