"""``python -m tzrec_cli`` runs the ``tzrec`` command line (also under torchrun).

A torchrun worker leaves through :func:`os._exit` once the command has returned and its
output is flushed. Every collective is over by then (runs end with a barrier and destroy
their process group), but gloo's worker threads can still abort the process while C++
static objects are destroyed at interpreter exit ("terminate called without an active
exception", seen in about 1 of 10 two-rank runs with column-wise sharding), turning a
finished run into a failed one. Skipping that teardown costs nothing: the process is
ending and the operating system reclaims its resources.
"""

import os
import sys

from tzrec_cli.app import main
from tzrec_cli.commands.launch import under_launcher


def _exit_code(error: SystemExit) -> int:
    """The process exit status a SystemExit stands for."""
    if error.code is None:
        return 0
    if isinstance(error.code, int):
        return error.code
    print(error.code, file=sys.stderr)
    return 1


if __name__ == "__main__":
    if not under_launcher():
        main()
    else:
        try:
            main()
            code = 0
        except SystemExit as e:
            code = _exit_code(e)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
