"""Versioned SQL migrations of the PostgreSQL search store (applied by shared/storage/migrate.py)."""
