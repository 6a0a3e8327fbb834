"""Users, roles and permissions, login sessions, API tokens."""
