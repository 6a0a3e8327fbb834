"""Pricing of a sale, its lifecycle, returns, receipts."""
