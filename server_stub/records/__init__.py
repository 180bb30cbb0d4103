"""Signed records and their photos, ingested exactly once."""
