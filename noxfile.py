"""Developer sessions: install the stack, run tests, lint, regenerate protos, demo.

    nox -s tests          # install everything (CPU stack) and run pytest
    nox -s lint           # ruff format --check + ruff check
    nox -s typecheck      # install, then mypy over the packages ([tool.mypy] in pyproject)
    nox -s protos         # regenerate committed *_pb2.py; `nox -s protos -- --check`
    nox -s demo           # install, then run the main job on the bundled configs
    nox -s bench          # benchmarks (tools/bench_*.py), ratios against a baseline
    TZREC_DEVICE=gpu nox -s tests   # the CUDA stack (fbgemm-gpu) instead of the CPU one

Why the install is in steps: torchrec's metadata requires ``fbgemm-gpu`` (the CUDA
build), which breaks fbgemm's operators on a machine without CUDA. So the torch stack is
installed first (``fbgemm-gpu-cpu`` or ``fbgemm-gpu``), torchrec with ``--no-deps``, and
the tzrec packages with ``--no-deps`` plus ``requirements/runtime.txt``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PACKAGES = [
    "packages/tzrec-core",
    "packages/tzrec-io",
    "packages/tzrec-models",
    "packages/tzrec-cli",
]
EXAMPLE_PLUGIN = "examples/tzrec-plugin-example"
PYTHON = "3.11"

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.default_venv_backend = "venv"


def install_stack(session: nox.Session, device: str | None = None) -> None:
    """Install torch, fbgemm, torchrec and all tzrec packages (editable) into session.

    Args:
        session: the nox session to install into.
        device: ``"cpu"`` (fbgemm-gpu-cpu) or ``"gpu"`` (fbgemm-gpu); defaults to the
            ``TZREC_DEVICE`` environment variable, else ``"cpu"``.
    """
    device = device or os.environ.get("TZREC_DEVICE", "cpu")
    if device not in ("cpu", "gpu"):
        session.error(f"TZREC_DEVICE must be cpu or gpu, not {device!r}")
    session.install("-r", f"requirements/torch-{device}.txt")
    session.install("--no-deps", "-r", "requirements/torchrec.txt")
    session.install("-r", "requirements/torchrec-deps.txt", "-r", "requirements/runtime.txt")
    editable = [arg for pkg in [*PACKAGES, EXAMPLE_PLUGIN] for arg in ("-e", pkg)]
    session.install("--no-deps", *editable)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Install the stack and the example plugin, then run pytest (posargs go to pytest)."""
    install_stack(session)
    session.install("-r", "requirements/test.txt")
    session.run("pytest", *(session.posargs or ["tests"]))


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Ruff format --check and ruff check over the whole repo."""
    session.install("-r", "requirements/lint.txt")
    session.run("ruff", "format", "--check", ".")
    session.run("ruff", "check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """Install the stack, then run mypy (files and settings from pyproject's [tool.mypy])."""
    install_stack(session)
    session.install("-r", "requirements/typecheck.txt")
    session.run("mypy", *session.posargs)


@nox.session(python=PYTHON)
def protos(session: nox.Session) -> None:
    """Regenerate the committed proto modules (``-- --check`` only verifies them)."""
    session.install("-r", "requirements/test.txt")
    session.run("python", "tools/gen_protos.py", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Run the benchmarks; each prints its numbers next to a same-run baseline."""
    install_stack(session)
    for script in sorted((ROOT / "tools").glob("bench_*.py")):
        session.run("python", str(script.relative_to(ROOT)), *session.posargs)


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """Install the stack and run the main job end to end on generated data.

    Validates the bundled example configs and lists the plugins; generates the default
    dataset for the DeepFM example with ``tzrec data synth``, trains DeepFM on it for an
    epoch with ``tzrec train`` (which evaluates at the end), evaluates the checkpoint
    again with ``tzrec eval``, draws the loss/metric curves with ``tzrec report``, exports
    the model with ``tzrec export`` and scores the eval rows with the export through
    ``tzrec predict``.
    Then generates raw data for the FG_DAG example, encodes it offline with
    ``tzrec fg run`` and reads the encoded table back.
    """
    install_stack(session)
    configs = sorted(str(p) for p in _bundled_configs())
    if not configs:
        session.error("no example configs found")
    session.run("tzrec", "version")
    session.run("tzrec", "plugins")
    session.run("tzrec", "config", "validate", *configs)
    deepfm = "examples/configs/deepfm_synthetic.config"
    model_dir = "experiments/deepfm_synthetic"
    session.run(
        "tzrec",
        "data",
        "synth",
        "--pipeline_config_path",
        deepfm,
        "--output_dir",
        "data/criteo_synth",
        "--num_rows",
        "100000",
    )
    shutil.rmtree(ROOT / model_dir, ignore_errors=True)  # train afresh, not resume
    session.run("tzrec", "train", "--pipeline_config_path", deepfm, "--model_dir", model_dir)
    session.run("tzrec", "eval", "--pipeline_config_path", f"{model_dir}/pipeline.config")
    session.run("tzrec", "report", model_dir)
    session.run(
        "tzrec",
        "export",
        "--pipeline_config_path",
        f"{model_dir}/pipeline.config",
        "--export_dir",
        f"{model_dir}/export",
    )
    session.run(
        "tzrec",
        "predict",
        "--scripted_model_path",
        f"{model_dir}/export",
        "--predict_input_path",
        "data/criteo_synth/eval/*.parquet",
        "--predict_output_path",
        f"{model_dir}/predict",
        "--reserved_columns",
        "label",
    )
    fg_dag = "examples/configs/deepfm_fg_dag.config"
    session.run(
        "tzrec",
        "data",
        "synth",
        "--pipeline_config_path",
        fg_dag,
        "--output_dir",
        "data/fg_dag_synth",
    )
    session.run(
        "tzrec",
        "fg",
        "run",
        "--pipeline_config_path",
        fg_dag,
        "--output_path",
        "data/fg_dag_encoded",
        "--write_config",
        "experiments/deepfm_fg_none.config",
    )
    session.run(
        "tzrec",
        "data",
        "check",
        "--pipeline_config_path",
        "experiments/deepfm_fg_none.config",
        "--num_batches",
        "0",
    )


def _bundled_configs() -> list[Path]:
    return sorted((ROOT / "examples" / "configs").glob("*.config"))
