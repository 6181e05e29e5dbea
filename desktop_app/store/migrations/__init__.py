"""Alembic migrations of the desk's schema, shipped inside the package."""
