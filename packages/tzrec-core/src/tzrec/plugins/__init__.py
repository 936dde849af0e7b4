"""tzrec's plugin system (pluggy): the hook contract, records and registries.

Third parties import :data:`hookimpl` and the spec records from here; see
:mod:`tzrec.plugins.hookspecs` for the contract.
"""

from tzrec.plugins.hookspecs import hookimpl, hookspec
from tzrec.plugins.manager import (
    DuplicatePluginNameError,
    Registries,
    Registry,
    UnknownPluginNameError,
    build_registries,
    create_plugin_manager,
    get_plugin_manager,
    get_registries,
    import_config_messages,
)
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

__all__ = [
    "CommandSpec",
    "DuplicatePluginNameError",
    "FeatureOperatorSpec",
    "ModelSpec",
    "PluginTargetError",
    "ReaderSpec",
    "Registries",
    "Registry",
    "SamplerSpec",
    "UnknownPluginNameError",
    "WriterSpec",
    "build_registries",
    "create_plugin_manager",
    "get_plugin_manager",
    "get_registries",
    "hookimpl",
    "hookspec",
    "import_config_messages",
    "load_target",
]
