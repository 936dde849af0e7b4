"""``tzrec version``: versions of the tzrec packages and of the stack beneath them."""

from __future__ import annotations

from importlib import metadata

import typer

DISTRIBUTIONS = (
    "tzrec-core",
    "tzrec-io",
    "tzrec-models",
    "tzrec-cli",
    "torch",
    "torchrec",
    "fbgemm-gpu",
    "fbgemm-gpu-cpu",
    "protobuf",
    "pyarrow",
    "pluggy",
)


def installed_versions(names: tuple[str, ...] = DISTRIBUTIONS) -> dict[str, str | None]:
    """Installed version of each distribution, None when it is absent.

    Read from package metadata, so torch is not imported.
    """
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def version() -> None:
    """Show the versions of tzrec's packages, torch, torchrec and fbgemm."""
    versions = installed_versions()
    width = max(len(n) for n in versions)
    for name, value in versions.items():
        if value is None and name.startswith("fbgemm"):
            continue
        typer.echo(f"{name:<{width}}  {value or 'not installed'}")
