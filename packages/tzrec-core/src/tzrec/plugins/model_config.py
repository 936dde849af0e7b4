"""Which model a ModelConfig selects, for schema models and plugin models alike.

A schema model is a member of ``ModelConfig.model`` (``deepfm { ... }``); a plugin model
is ``plugin_model { [type.googleapis.com/acme.TinyNet] { ... } }``, a
``google.protobuf.Any`` holding the plugin's own config message. Either way the engine
asks :func:`selected_model` for the registry key and the config message to build from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from google.protobuf import descriptor_pool, message_factory
from google.protobuf.message import Message

from tzrec.plugins.manager import UnknownPluginNameError

if TYPE_CHECKING:
    from google.protobuf import any_pb2

PLUGIN_MODEL_FIELD = "plugin_model"


def unpack_any(packed: any_pb2.Any, where: str) -> tuple[str, Message]:
    """Unpack a ``google.protobuf.Any`` into its registered message type.

    Returns:
        the message's full name and the unpacked message.
    """
    full_name = packed.type_url.rsplit("/", 1)[-1]
    try:
        descriptor = descriptor_pool.Default().FindMessageTypeByName(full_name)
    except KeyError:
        raise UnknownPluginNameError(
            f"{where}: config message '{full_name}' is not known; is the plugin that "
            "defines it installed?"
        ) from None
    message = message_factory.GetMessageClass(descriptor)()
    packed.Unpack(message)
    return full_name, message


def selected_model(model_config: Message) -> tuple[str, Message]:
    """The registry key and config message of the model ``model_config`` selects.

    Raises:
        ValueError: when no model is chosen in ``model_config.model``.
    """
    chosen = model_config.WhichOneof("model")
    if chosen is None:
        raise ValueError("model_config sets no model: choose one in its 'model' oneof")
    sub = getattr(model_config, chosen)
    if chosen == PLUGIN_MODEL_FIELD:
        return unpack_any(sub, "model_config.plugin_model")
    return chosen, sub
