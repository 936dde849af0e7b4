"""The built-in sub-commands of ``tzrec``, one module each."""
