"""Integrated card payments: terminal providers, terminal payments and their refunds."""
