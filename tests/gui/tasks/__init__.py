"""Tests of :mod:`gui.tasks`."""
