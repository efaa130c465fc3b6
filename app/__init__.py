"""Composition root: settings, database, wiring, HTTP app and CLI. The only package that knows every other."""
