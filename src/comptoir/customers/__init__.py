"""Customers: profiles, groups, search, balances, imports and GDPR requests."""
