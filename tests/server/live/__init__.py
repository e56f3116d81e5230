"""Tests of :mod:`server.live`."""
