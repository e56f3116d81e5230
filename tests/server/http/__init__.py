"""Tests of :mod:`server.http`."""
