"""Stackscribe's wiring: settings, logging, processes and the command line."""
