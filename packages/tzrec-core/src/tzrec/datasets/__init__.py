"""Data pipeline: readers/writers contracts, Batch, data parsing, datasets and dataloaders."""
