"""The item list and the two directories: storage, CSV files, demo data."""
