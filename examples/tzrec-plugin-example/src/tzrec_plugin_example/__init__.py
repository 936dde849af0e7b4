"""An example third-party tzrec plugin: a model with its own config message."""
