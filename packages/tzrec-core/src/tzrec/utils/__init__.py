"""Utilities shared across tzrec: config handling, logging, environment settings."""
