"""Register sessions: opening float, cash movements, closures and the X report."""
