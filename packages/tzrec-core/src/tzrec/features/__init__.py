"""Features: one module per feature type, and feature generation (FG) over batches."""
