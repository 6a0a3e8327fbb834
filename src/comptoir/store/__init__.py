"""Retailer settings, outlets, registers, taxes, payment types, SKU generation."""
