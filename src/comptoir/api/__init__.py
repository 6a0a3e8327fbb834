"""X-Series compatible REST routers: parse, call a service, serialise. Nothing else."""
