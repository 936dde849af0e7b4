"""tzrec-models: the model-family plugins (rank, multi-task, match, TDM, generative)."""

__version__ = "0.1.0"
