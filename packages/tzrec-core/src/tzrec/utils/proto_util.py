"""Typing helpers for protobuf messages."""

from __future__ import annotations

from typing import cast

from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message


def descriptor_of(message: Message) -> Descriptor:
    """``message.DESCRIPTOR``, typed as :class:`google.protobuf.descriptor.Descriptor`.

    types-protobuf declares ``Message.DESCRIPTOR`` as the union of the pure-Python and
    the upb descriptor classes. At run time ``descriptor.Descriptor`` accepts the active
    backend's descriptors (``isinstance`` holds for upb's too), so this only narrows the
    static type; the object is returned unchanged.
    """
    return cast(Descriptor, message.DESCRIPTOR)
