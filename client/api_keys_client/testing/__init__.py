"""Testing kit: a stateful fake of the API Keys service, in process or over real HTTP, and pytest
fixtures (registered automatically when the SDK is installed: see `pytest_plugin`).

The names load on first use, so that the pytest plugin, which lives in this package and is loaded
by every pytest run in an environment that has the SDK, costs nothing until a fixture is used.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._fake import FakeApiKeys, FakeResponse
else:

    def __getattr__(name: str) -> object:
        if name not in __all__:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from . import _fake  # noqa: PLC0415 - the point of this function

        value = getattr(_fake, name)
        globals()[name] = value
        return value


__all__ = ["FakeApiKeys", "FakeResponse"]
