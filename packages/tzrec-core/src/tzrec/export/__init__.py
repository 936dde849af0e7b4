"""Export: a trained checkpoint as a self-contained serving directory.

:func:`export` writes it; :func:`tzrec.serving.load_exported` loads it.
"""

from tzrec.export.exporter import ExportResult, export

__all__ = ["ExportResult", "export"]
