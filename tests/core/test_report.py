"""draw_report: panels built from a history, a PNG written, clear errors."""

from __future__ import annotations

import builtins
import sys
from pathlib import Path
from typing import Any

import pytest

from tzrec.engine.history import HISTORY_FILE, MetricsHistory
from tzrec.engine.report import REPORT_FILE, build_panels, draw_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _synthetic_history(model_dir: Path) -> None:
    history = MetricsHistory(str(model_dir))
    for step in range(100, 1001, 100):
        history.log_train(
            step=step,
            epoch=step // 500,
            loss=1.0 / step,
            losses={"cross_entropy": 0.8 / step, "l2": 0.2 / step},
            lrs={"dense": 1e-3 * 0.9 ** (step // 100), "sparse": 0.05},
            samples_per_s=10_000.0,
            train_metrics={"auc": 0.5 + step / 4000},
        )
        if step % 500 == 0:
            history.log_eval(step, {"auc": 0.5 + step / 5000, "recall@10": step / 2000})


def test_panels_follow_the_history(tmp_path: Path) -> None:
    from tzrec.engine.history import read_history

    _synthetic_history(tmp_path)
    panels = build_panels(read_history(str(tmp_path)))
    assert [p.title for p in panels] == ["train loss", "learning rate", "auc", "recall@10"]
    loss, lr, auc, recall = panels
    assert list(loss.lines) == ["loss", "cross_entropy", "l2"]
    assert loss.lines["loss"][0] == (100, 0.01)
    assert len(loss.lines["l2"]) == 10
    assert list(lr.lines) == ["dense", "sparse"]
    assert lr.scientific
    assert auc.lines["eval"] == [(500, 0.6), (1000, 0.7)]
    assert auc.lines["train"][-1] == (1000, 0.75)
    assert recall.lines == {"eval": [(500, 0.25), (1000, 0.5)]}


def test_draws_a_png_in_model_dir(tmp_path: Path) -> None:
    _synthetic_history(tmp_path)
    path = draw_report(str(tmp_path))
    assert path == str(tmp_path / REPORT_FILE)
    data = Path(path).read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert len(data) > 10_000  # four panels with lines, not an empty canvas


def test_output_path_and_its_folder_are_created(tmp_path: Path) -> None:
    _synthetic_history(tmp_path)
    target = tmp_path / "out" / "r.png"
    assert draw_report(str(tmp_path), str(target)) == str(target)
    assert target.read_bytes()[:8] == PNG_MAGIC


def test_eval_only_history_draws(tmp_path: Path) -> None:
    MetricsHistory(str(tmp_path)).log_eval(5, {"auc": 0.5})
    assert Path(draw_report(str(tmp_path))).read_bytes()[:8] == PNG_MAGIC


def test_no_history_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=str(tmp_path / HISTORY_FILE)):
        draw_report(str(tmp_path))


def test_empty_history_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / HISTORY_FILE).write_text("")
    with pytest.raises(ValueError, match="holds no train or eval records"):
        draw_report(str(tmp_path))


def test_missing_matplotlib_names_the_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _synthetic_history(tmp_path)
    real_import = builtins.__import__

    def no_matplotlib(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("matplotlib"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    for module in [m for m in sys.modules if m.startswith("matplotlib")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(ModuleNotFoundError, match="pip install matplotlib"):
        draw_report(str(tmp_path))
    assert not (tmp_path / REPORT_FILE).exists()
