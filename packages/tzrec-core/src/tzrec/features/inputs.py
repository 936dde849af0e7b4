"""Feature inputs: ``side:name`` references and the table columns they read.

A feature names its inputs as ``side:name`` (TorchEasyRec's expression syntax), side
one of ``user``, ``item``, ``context`` (table columns), ``feature`` (another feature's
output) or ``const`` (a literal). Which table column an input reads depends on the
FG mode and on whether the input is a sequence field of a grouped sequence feature.
"""

from __future__ import annotations

from dataclasses import dataclass

from tzrec.features.errors import FeatureConfigError

SIDES = ("user", "item", "context", "feature", "const")
TABLE_SIDES = ("user", "item", "context")


@dataclass(frozen=True)
class InputRef:
    """One input of a feature.

    Attributes:
        side: user | item | context | feature | const.
        name: the column name, feature name or literal.
    """

    side: str
    name: str

    @property
    def text(self) -> str:
        """The reference as written in the config (``user:age``)."""
        return f"{self.side}:{self.name}"

    @property
    def is_table_column(self) -> bool:
        """Whether the input is read from the input table in FG_DAG mode."""
        return self.side in TABLE_SIDES


def parse_input_ref(text: str, feature_name: str) -> InputRef:
    """Parse ``side:name``; a bare ``name`` means a user-side column.

    Raises:
        FeatureConfigError: for an unknown side or an empty name.
    """
    side, sep, name = text.partition(":")
    if not sep:
        side, name = "user", text
    side = side.strip()
    name = name.strip()
    if side not in SIDES:
        raise FeatureConfigError(
            feature_name,
            f"input '{text}' has unknown side '{side}'; expected one of {', '.join(SIDES)}",
        )
    if not name:
        raise FeatureConfigError(feature_name, f"input '{text}' has no name after the side")
    return InputRef(side, name)
