"""tzrec: config-driven recommendation models on PyTorch and TorchRec.

Importing ``tzrec`` is cheap on purpose (no torch import): the CLI answers ``--help``,
``plugins`` and ``config validate`` from it. It applies the process settings read from
the environment, see :mod:`tzrec.utils.env`.
"""

from tzrec.utils.env import apply_env_settings
from tzrec.version import __version__

apply_env_settings()

__all__ = ["__version__"]
