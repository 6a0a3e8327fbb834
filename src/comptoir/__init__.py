"""Comptoir: retail point of sale and back office."""

__version__ = "0.1.0"
