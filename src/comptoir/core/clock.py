"""The one place that reads the time; everything stored is UTC (DESIGN.md rule 8)."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
