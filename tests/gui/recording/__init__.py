"""Tests of :mod:`gui.recording`."""
