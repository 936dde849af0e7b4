"""Config messages of the model families (rank, multi-task, match, generative)."""
