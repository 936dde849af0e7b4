"""Silence the notices torchrec, fbgemm and torch print during a healthy training run.

A clean CPU training run under DistributedModelParallel prints a screenful of messages
meant for those libraries' developers: deprecations inside fbgemm and torchrec, planner
advice about topology construction and dry runs, one line per data-parallel table, and
torch's notice about operators without autograd kernels that fbgemm's ops trigger.
:func:`quiet_libraries` filters exactly those, each matched by category, module and
message, so every other warning and every error still shows. Set
``TZREC_LIBRARY_NOTICES=1`` to see them all (the convention of :mod:`tzrec.utils.env`).

Warning filters and logger filters belong to one process: call this in every training
process (each spawned rank), before torchrec is imported, to also catch import-time
notices.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from tzrec.utils.env import env_flag


@dataclass(frozen=True)
class WarningNotice:
    """A ``warnings`` message to ignore.

    Attributes:
        category: its warning class.
        module: regex matched at the start of the module name the warning is issued from.
        message: regex matched (case-insensitive) at the start of the message.
        why: what it is and why it is safe to hide.
    """

    category: type[Warning]
    module: str
    message: str
    why: str


@dataclass(frozen=True)
class LogNotice:
    """A log record (WARNING or lower) to drop.

    Attributes:
        logger: the name of the logger it is logged on (``"root"`` for ``logging.warning``).
        message: regex searched for in the formatted message.
        why: what it is and why it is safe to hide.
    """

    logger: str
    message: str
    why: str


WARNING_NOTICES: tuple[WarningNotice, ...] = (
    WarningNotice(
        DeprecationWarning,
        r"fbgemm_gpu(\.|$)",
        "",
        "fbgemm_gpu's own modules import its deprecated aliases and optional SSD ops",
    ),
    WarningNotice(
        DeprecationWarning,
        r"torch\.jit\._script$",
        r"`torch\.jit\.(script|interface)` is deprecated",
        "torchrec and fbgemm script helpers at import; tzrec's export scripts the traced model",
    ),
    WarningNotice(
        DeprecationWarning,
        r"torchrec\.optim\.apply_optimizer_in_backward$",
        r"This API is deprecated",
        "torchrec's fused-optimizer entry point, still the documented way to fuse",
    ),
    WarningNotice(
        FutureWarning,
        r"torchrec\.distributed\.planner\.planners$",
        r"HeuristicalStorageReservation is known to cause issues",
        "the planner's default storage reservation, chosen inside torchrec",
    ),
    WarningNotice(
        FutureWarning,
        r"torchrec\.distributed\.",
        r"`broadcast_buffers` is deprecated",
        "torchrec wraps data-parallel lookups in DDP with the old argument",
    ),
    WarningNotice(
        FutureWarning,
        r"torch\.distributed\.checkpoint\.",
        r"Please use DTensor instead and we are deprecating ShardedTensor",
        "loading a checkpoint of torchrec's sharded tables (ShardedTensor) with DCP",
    ),
    WarningNotice(
        UserWarning,
        r"torch\.autograd\.graph$",
        r"fbgemm::\w+: an autograd kernel was not registered",
        "fbgemm ops whose backward is implemented by fbgemm's own autograd functions",
    ),
    WarningNotice(
        UserWarning,
        r"",
        r"(?s).*mix of the legacy and new APIs to set the (TF32|matmul precision)",
        "torch's TF32 notice on GPU when libraries use the old and new switches together",
    ),
    WarningNotice(
        UserWarning,
        r"torch\.distributed\.checkpoint\.",
        r"torch\.distributed is disabled, unavailable or uninitialized",
        "export reads every shard of a checkpoint in its own process, on purpose",
    ),
    WarningNotice(
        UserWarning,
        r"",
        r"The TorchScript type system doesn't support instance-level annotations",
        "torch.jit.script of torchrec's traced modules (export), about their __init__ style",
    ),
    WarningNotice(
        UserWarning,
        r"torch\.jit\.annotations$",
        r"TorchScript will treat type annotations of Tensor dtype-specific subtypes",
        "torch.jit.script of torchrec's typed helpers (export); tzrec checks dtypes itself",
    ),
)

LOG_NOTICES: tuple[LogNotice, ...] = (
    LogNotice(
        "torchrec.distributed.planner.types",
        r"topology was constructed directly rather than via TopologyFactory",
        "advice to the planner's callers; a directly built Topology is valid",
    ),
    LogNotice(
        "torchrec.distributed.planner.storage_reservations",
        r"known issue with TorchRec's dense tensor size calculation",
        "advice about planner dry runs, printed on every plan",
    ),
    LogNotice(
        "torchrec.distributed.utils",
        r"Sharding Type is data_parallel, caching params will be ignored",
        "one line per data-parallel table; no cache is configured",
    ),
    LogNotice(
        "root",
        r"Could not determine LOCAL_WORLD_SIZE from environment",
        "torchrec's fallback to WORLD_SIZE, right for one machine without torchrun",
    ),
    LogNotice(
        "root",
        r"Sharding spec not found for ",
        "plan validation logs it for every data-parallel (replicated) table",
    ),
)

#: Loggers whose INFO output is replaced by tzrec's own summary (the planner's shard
#: tables: see tzrec.engine.plan_summary); their warnings and errors still show.
INFO_LOGGERS_TO_RAISE: tuple[str, ...] = ("torchrec.distributed.planner.stats",)


class NoticeFilter(logging.Filter):
    """Drops WARNING-or-lower records whose message matches one of the patterns."""

    def __init__(self, patterns: Iterable[str]) -> None:
        super().__init__()
        self.patterns = tuple(re.compile(p) for p in patterns)

    def filter(self, record: logging.LogRecord) -> bool:
        """False (drop) for a known notice; errors are always kept."""
        if record.levelno > logging.WARNING:
            return True
        message = record.getMessage()
        return not any(p.search(message) for p in self.patterns)


def _logger(name: str) -> logging.Logger:
    return logging.getLogger() if name == "root" else logging.getLogger(name)


def quiet_libraries() -> None:
    """Hide the library notices listed in this module, unless TZREC_LIBRARY_NOTICES=1.

    Safe to call more than once: filters are replaced, not stacked.
    """
    if env_flag("TZREC_LIBRARY_NOTICES"):
        return
    for notice in WARNING_NOTICES:
        warnings.filterwarnings(
            "ignore", message=notice.message, category=notice.category, module=notice.module
        )
    patterns: dict[str, list[str]] = defaultdict(list)
    for log_notice in LOG_NOTICES:
        patterns[log_notice.logger].append(log_notice.message)
    for name, logger_patterns in patterns.items():
        target = _logger(name)
        for old in [f for f in target.filters if isinstance(f, NoticeFilter)]:
            target.removeFilter(old)
        target.addFilter(NoticeFilter(logger_patterns))
    for name in INFO_LOGGERS_TO_RAISE:
        target = logging.getLogger(name)
        if target.level < logging.WARNING:
            target.setLevel(logging.WARNING)
