"""tzrec-io's plugin module, published under the ``tzrec`` entry-point group.

It registers readers, writers and samplers through the hooks of
:mod:`tzrec.plugins.hookspecs` as they are implemented (the data-pipeline work);
until then it registers nothing, and ``tzrec plugins`` says so.
"""
