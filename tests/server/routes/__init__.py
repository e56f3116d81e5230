"""Tests of :mod:`server.routes`."""
