"""Wall time of the CLI's quick commands against the cost of importing torch.

``tzrec --help``, ``tzrec plugins`` and ``tzrec config validate`` must answer without
importing torch. This prints the median of several runs of each, next to a baseline
measured in the same run (``python -c "import torch, torchrec"``), so the ratio is
comparable across noisy machines.

    python tools/bench_cli.py [--runs 7]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "examples" / "configs" / "deepfm_synthetic.config"


def median_seconds(command: list[str], runs: int) -> float:
    """Median wall time of ``command`` over ``runs`` runs (output discarded)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, cwd=tempfile.gettempdir())
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    tzrec = shutil.which("tzrec", path=str(Path(sys.executable).parent)) or "tzrec"
    with tempfile.TemporaryDirectory() as tmp:
        typo = Path(tmp) / "typo.config"
        typo.write_text(CONFIG.read_text().replace("num_epochs", "num_epoch"))
        cases = {
            "baseline: import torch, torchrec": [sys.executable, "-c", "import torch, torchrec"],
            "tzrec --help": [tzrec, "--help"],
            "tzrec plugins": [tzrec, "plugins"],
            "tzrec config validate (valid)": [tzrec, "config", "validate", str(CONFIG)],
            "tzrec config validate (typo)": [tzrec, "config", "validate", str(typo)],
        }
        results = {name: median_seconds(cmd, args.runs) for name, cmd in cases.items()}
    baseline = results["baseline: import torch, torchrec"]
    for name, seconds in results.items():
        print(f"{name:36s} {seconds * 1000:8.0f} ms   {seconds / baseline:5.2f}x baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
