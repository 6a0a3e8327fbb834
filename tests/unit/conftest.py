from hypothesis import settings

# The properties check pure functions: no per-example deadline, so a loaded CI machine
# (the PostgreSQL cluster starting next door) cannot turn a slow example into a failure.
settings.register_profile("comptoir", deadline=None)
settings.load_profile("comptoir")
