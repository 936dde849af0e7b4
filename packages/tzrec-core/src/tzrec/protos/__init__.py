"""tzrec's config schema: generated from the .proto files beside this module."""
