"""Receipts on paper, in the browser, as PDF and by email: the outlet's receipt template, one
receipt model rendered for each medium, network printers per register and their jobs through
the outbox."""
