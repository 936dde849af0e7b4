"""The monorepo's distributions: metadata, entry points, dependency rules."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

REPO = Path(__file__).resolve().parents[1]
PACKAGES = {
    "tzrec-core": "tzrec",
    "tzrec-io": "tzrec_io",
    "tzrec-models": "tzrec_models",
    "tzrec-cli": "tzrec_cli",
}
PLUGIN_IMPORTS = {"tzrec_io", "tzrec_models", "tzrec_cli"}
TORCH_STACK = {"torch", "torchrec", "fbgemm-gpu", "fbgemm-gpu-cpu"}


def _pyproject(folder: str) -> dict:
    return tomllib.loads((REPO / "packages" / folder / "pyproject.toml").read_text())


def _requirement_name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].strip().lower()


@pytest.mark.parametrize("folder", sorted(PACKAGES))
def test_each_package_is_a_distribution(folder: str) -> None:
    project = _pyproject(folder)["project"]
    assert project["name"] == folder
    version_file = REPO / "packages" / folder / "src" / PACKAGES[folder]
    text = "".join(p.read_text() for p in version_file.glob("*.py"))
    assert f'__version__ = "{project["version"]}"' in text
    assert (version_file / "py.typed").is_file()


def test_plugin_packages_publish_entry_points() -> None:
    for folder, module in (("tzrec-io", "io"), ("tzrec-models", "models"), ("tzrec-cli", "cli")):
        entry_points = _pyproject(folder)["project"]["entry-points"]["tzrec"]
        assert entry_points == {module: f"{PACKAGES[folder]}.plugin"}


def test_dependency_rules() -> None:
    deps = {
        folder: {_requirement_name(r) for r in _pyproject(folder)["project"]["dependencies"]}
        for folder in PACKAGES
    }
    assert {"torch", "torchrec", "protobuf", "pluggy", "pyarrow"} <= deps["tzrec-core"]
    assert "typer" not in deps["tzrec-core"] | deps["tzrec-io"] | deps["tzrec-models"]
    assert "typer" in deps["tzrec-cli"]
    io_extras = _pyproject("tzrec-io")["project"]["optional-dependencies"]
    assert "pyodps" in {_requirement_name(r) for r in io_extras["odps"]}
    assert "pyodps" not in deps["tzrec-io"]


def test_runtime_requirements_cover_package_dependencies() -> None:
    """The packages install with --no-deps, so runtime.txt must list their needs."""
    listed = {
        _requirement_name(line)
        for line in (REPO / "requirements" / "runtime.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for folder in PACKAGES:
        for requirement in _pyproject(folder)["project"]["dependencies"]:
            name = _requirement_name(requirement)
            if name in TORCH_STACK or name.startswith("tzrec"):
                continue
            assert name in listed, f"{folder} needs {name}, missing in requirements/runtime.txt"


def _imported_modules(source: Path) -> set[str]:
    tree = ast.parse(source.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_never_imports_a_plugin_package() -> None:
    core = REPO / "packages" / "tzrec-core" / "src"
    offenders = {
        str(path.relative_to(core)): sorted(_imported_modules(path) & PLUGIN_IMPORTS)
        for path in core.rglob("*.py")
        if _imported_modules(path) & PLUGIN_IMPORTS
    }
    assert offenders == {}


def test_plugin_modules_are_cheap_to_import() -> None:
    """Entry-point modules must not pull torch (tzrec --help stays fast)."""
    probe = (
        "import sys, tzrec_io.plugin, tzrec_models.plugin, tzrec_cli.plugin, "
        "tzrec_plugin_example.plugin, tzrec.utils.config_util\n"
        "print(sorted(m for m in ('torch', 'torchrec', 'typer') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
