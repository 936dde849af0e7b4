"""Ranking models: one module per model, registered in :mod:`tzrec_models.plugin`."""
