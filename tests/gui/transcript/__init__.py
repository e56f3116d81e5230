"""Tests of :mod:`gui.transcript`."""
