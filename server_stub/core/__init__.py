"""Settings, the database and its tables, errors, the clock, secrets and rate limits."""
