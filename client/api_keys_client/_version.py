"""The package version, read by the build backend and sent in the User-Agent header."""

__version__ = "0.2.0"
"""The installed api-keys-client's version."""
