"""Expanding a file input path: comma-separated lists of paths and glob patterns."""

from __future__ import annotations

import glob
import os

from tzrec.datasets.errors import UnreadableFileError


def expand_input_path(input_path: str) -> list[str]:
    """The files an input path names, sorted and without duplicates.

    Args:
        input_path: one or more paths or glob patterns (``*``, ``?``, ``[...]``),
            separated by commas, e.g. ``"data/a/*.parquet,data/b/part-0.parquet"``.

    Returns:
        The matching files, sorted (so every process sees the same order).

    Raises:
        UnreadableFileError: a pattern that matches no file, a path that does not
            exist or is a directory, or an input path with no entry at all.
    """
    files: set[str] = set()
    for raw in input_path.split(","):
        pattern = raw.strip()
        if not pattern:
            continue
        if glob.has_magic(pattern):
            matches = [p for p in glob.glob(pattern) if os.path.isfile(p)]
            if not matches:
                raise UnreadableFileError(pattern, "no file matches this pattern")
            files.update(matches)
        elif os.path.isdir(pattern):
            raise UnreadableFileError(
                pattern, "is a directory; give a glob such as 'dir/*.parquet'"
            )
        elif not os.path.isfile(pattern):
            raise UnreadableFileError(pattern, "no such file")
        else:
            files.add(pattern)
    if not files:
        raise UnreadableFileError(input_path, "the input path names no file")
    return sorted(files)
