"""``tzrec report`` as a user runs it: prints the PNG path, errors in one line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tzrec.engine.history import HISTORY_FILE, MetricsHistory
from tzrec.engine.report import REPORT_FILE

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_tzrec(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed ``tzrec`` console script."""
    exe = shutil.which("tzrec", path=str(Path(sys.executable).parent))
    assert exe, "the tzrec console script is not installed next to this Python"
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=120)


def _history(model_dir: Path) -> None:
    history = MetricsHistory(str(model_dir))
    for step in (10, 20, 30):
        history.log_train(step, 0, 1.0 / step, {}, {"dense": 0.01}, 100.0, {})
    history.log_eval(30, {"auc": 0.66})


def test_report_prints_the_png_path(tmp_path: Path) -> None:
    _history(tmp_path)
    result = run_tzrec("report", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{tmp_path / REPORT_FILE}\n"
    assert (tmp_path / REPORT_FILE).read_bytes()[:8] == PNG_MAGIC


def test_report_output_option(tmp_path: Path) -> None:
    _history(tmp_path)
    target = tmp_path / "plots" / "run.png"
    result = run_tzrec("report", str(tmp_path), "--output", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(target)
    assert target.read_bytes()[:8] == PNG_MAGIC
    assert not (tmp_path / REPORT_FILE).exists()


def test_report_without_history_is_a_one_line_error(tmp_path: Path) -> None:
    result = run_tzrec("report", str(tmp_path))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"error: no metrics history at {tmp_path / HISTORY_FILE}; has a training run written it?\n"
    )


def test_help_lists_report() -> None:
    result = run_tzrec("--help")
    assert result.returncode == 0
    assert "report" in result.stdout
    assert "Plot a run's metrics." in result.stdout
