"""A PNG of a run's history: losses, learning rates and each metric against the step.

Reads ``metrics_history.jsonl`` (see :mod:`tzrec.engine.history`) and draws one panel
for the training loss and its sub-losses, one for the learning rates, and one per
evaluation metric (with the train metric of the same name, when one was tracked).
matplotlib is imported only here, with its non-interactive Agg canvas, so that neither
training nor a headless machine needs a display.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any

from tzrec.engine.history import history_path, read_history

REPORT_FILE = "training_report.png"
_PANEL_INCHES = (5.0, 3.4)
_MAX_COLUMNS = 3


@dataclass
class Panel:
    """One chart: a title, a y label, named lines of (step, value) points.

    ``scientific`` writes the y ticks as powers of ten (for small values such as lrs).
    """

    title: str
    ylabel: str
    scientific: bool = False
    lines: dict[str, list[tuple[int, float]]] = field(default_factory=dict)

    def add(self, line: str, step: int, value: Any) -> None:
        """Append a point to ``line`` (created on first use)."""
        self.lines.setdefault(line, []).append((int(step), float(value)))


def build_panels(records: list[dict[str, Any]]) -> list[Panel]:
    """The panels to draw for the history ``records``, in display order."""
    loss = Panel("train loss", "loss")
    lr = Panel("learning rate", "lr", scientific=True)
    metrics: dict[str, Panel] = {}
    train_metrics: dict[str, list[tuple[int, float]]] = {}
    for record in records:
        step = record.get("step", 0)
        if record.get("kind") == "train":
            if "loss" in record:
                loss.add("loss", step, record["loss"])
            for name, value in record.get("losses", {}).items():
                if name != "loss":
                    loss.add(name, step, value)
            for name, value in record.get("lrs", {}).items():
                lr.add(name, step, value)
            for name, value in record.get("train_metrics", {}).items():
                train_metrics.setdefault(name, []).append((int(step), float(value)))
        elif record.get("kind") == "eval":
            for name, value in record.get("metrics", {}).items():
                if name == "loss":  # the eval loss belongs next to the train loss
                    loss.add("eval loss", step, value)
                else:
                    metrics.setdefault(name, Panel(name, name)).add("eval", step, value)
    for name, points in train_metrics.items():
        panel = metrics.setdefault(name, Panel(name, name))
        panel.lines["train"] = points
    return [p for p in (loss, lr, *metrics.values()) if p.lines]


def draw_report(model_dir: str, output_path: str | None = None) -> str:
    """Draw the run's history as a PNG.

    Args:
        model_dir: the run's directory holding ``metrics_history.jsonl``.
        output_path: where to write; default ``model_dir/training_report.png``.

    Returns:
        The path of the PNG written.

    Raises:
        FileNotFoundError: no history in ``model_dir``.
        ValueError: the history holds nothing to plot.
        ModuleNotFoundError: matplotlib is not installed.
    """
    panels = build_panels(read_history(model_dir))
    if not panels:
        raise ValueError(f"{history_path(model_dir)} holds no train or eval records to plot")
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ModuleNotFoundError(
            f"drawing the report needs matplotlib ({e}); install it: pip install matplotlib"
        ) from e
    columns = min(_MAX_COLUMNS, len(panels))
    rows = math.ceil(len(panels) / columns)
    figure = Figure(figsize=(_PANEL_INCHES[0] * columns, _PANEL_INCHES[1] * rows))
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, columns, squeeze=False).flatten()
    for ax, panel in zip(axes, panels, strict=False):
        for name, points in panel.lines.items():
            steps, values = zip(*points, strict=True)
            ax.plot(steps, values, marker="o" if len(points) < 30 else None, label=name)
        ax.set_title(panel.title)
        ax.set_xlabel("step")
        ax.set_ylabel(panel.ylabel)
        ax.grid(True, alpha=0.3)
        if panel.scientific:
            ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 3))
        if len(panel.lines) > 1:
            ax.legend(fontsize="small")
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    figure.suptitle(os.path.abspath(model_dir), fontsize="small")
    figure.tight_layout()
    path = output_path or os.path.join(model_dir, REPORT_FILE)
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    figure.savefig(path, format="png", dpi=100)
    return path
