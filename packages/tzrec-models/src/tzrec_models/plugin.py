"""tzrec-models' plugin module, published under the ``tzrec`` entry-point group.

It registers each model family through ``register_models`` as the models are
implemented; until then it registers nothing, and ``tzrec plugins`` says so.
"""
