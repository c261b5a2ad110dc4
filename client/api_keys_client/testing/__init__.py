"""Testing kit: a stateful fake of the API Keys service, in process or over real HTTP, and pytest
fixtures (registered automatically when the SDK is installed: see `pytest_plugin`)."""

from ._fake import FakeApiKeys, FakeResponse

__all__ = ["FakeApiKeys", "FakeResponse"]
