"""Framework-free foundations: money, tax, database, unit of work, versioning, outbox."""
