"""Tests of :mod:`gui.settings`."""
