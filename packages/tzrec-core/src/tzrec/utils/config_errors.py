"""Errors about a pipeline config that point at what the user wrote.

Every error carries the file, the 1-based line and column, the field path in the
config (``model_config.feature_groups[1].group_type``) and, where a name was misspelt,
the closest valid names. ``str(error)`` is the one-line message the CLI prints.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


def closest_names(name: str, candidates: Iterable[str], limit: int = 3) -> list[str]:
    """The valid names that look most like ``name`` (a misspelling), best first."""
    pool = sorted(set(candidates))
    matches = difflib.get_close_matches(name, pool, n=limit, cutoff=0.6)
    if not matches:
        lowered = {c.lower(): c for c in pool}
        matches = [
            lowered[m] for m in difflib.get_close_matches(name.lower(), list(lowered), limit, 0.6)
        ]
    prefix = [c for c in pool if name and c.startswith(name) and c not in matches]
    return (matches + prefix)[:limit]


@dataclass
class ConfigError(Exception):
    """A pipeline config that cannot be used as written.

    Attributes:
        message: what is wrong, in the user's terms.
        path: the config file ("<string>" for text given directly).
        line: 1-based line of the problem, 0 when unknown.
        column: 1-based column, 0 when unknown.
        field_path: dotted path of the field concerned, "" when none applies.
        suggestions: valid names close to a misspelt one.
    """

    message: str
    path: str = "<string>"
    line: int = 0
    column: int = 0
    field_path: str = ""
    suggestions: Sequence[str] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def location(self) -> str:
        """``file:line:column`` with the parts that are known."""
        where = self.path
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        return where

    def __str__(self) -> str:
        text = f"{self.location()}: "
        if self.field_path:
            text += f"field '{self.field_path}': "
        text += self.message
        if self.suggestions:
            names = ", ".join(f"'{s}'" for s in self.suggestions)
            text += f" (did you mean {names}?)"
        return text


class ConfigEditError(ValueError):
    """An ``edit_config`` key or value that does not fit the config schema."""


class InputError(ValueError):
    """Something the user gave, other than a config, that cannot be used as it is.

    For example an export directory whose manifest is of another version. Commands
    report it in one line, without a traceback, like a :class:`ConfigError`.
    """
