"""The ``tzrec`` command line (Typer).

Commands are thin: each parses its arguments and calls an importable function of
tzrec-core; the command list itself comes from the plugins' ``register_commands``
hooks, this package's own included.
"""

__version__ = "0.1.0"
