"""Shared pytest configuration.

pytest-django's settings live in ``pyproject.toml``; records are built with the factories in
``tests/factories.py``, so no shared fixture is needed yet. Add one here only when two test
modules need it.
"""
