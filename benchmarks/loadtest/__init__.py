"""make loadtest: the app as deployed (gunicorn and a timer worker) under a mixed load from
simulated coordinators and partners; see run.py for the settings."""
