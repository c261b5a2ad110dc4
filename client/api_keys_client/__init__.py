"""Typed Python SDK for the API Keys service."""
