"""The `api_keys_client` logger. API_KEYS_LOG=debug or info turns it on without code.

Nothing secret is ever passed to it; a filter also masks bearer tokens and Authorization values
in anything that reaches it, as a second line of defence.
"""

from __future__ import annotations

import logging
import os
import re
import warnings

logger = logging.getLogger("api_keys_client")

_BEARER = re.compile(r"(?i)(bearer\s+)[^\s'\",;]+")
_AUTH_HEADER = re.compile(r"(?i)(['\"]?authorization['\"]?\s*[:=]\s*['\"]?)[^'\",;}\n]+")


def redact(text: str) -> str:
    """Mask bearer credentials and Authorization header values."""
    return _AUTH_HEADER.sub(r"\1[redacted]", _BEARER.sub(r"\1[redacted]", text))


class RedactingFilter(logging.Filter):
    """Masks credentials in every record that reaches the SDK's logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}


def _setup() -> None:
    """API_KEYS_LOG=debug: every attempt plus its request and response headers (credentials
    masked, bodies never); info: one line per attempt and per retry; warning: only problems.
    Any other value is reported, not ignored silently."""
    logger.addFilter(RedactingFilter())
    setting = os.environ.get("API_KEYS_LOG", "").strip()
    if not setting:
        return
    level = LEVELS.get(setting.lower())
    if level is None:
        warnings.warn(
            f"API_KEYS_LOG={setting[:20]!r} is not one of {', '.join(LEVELS)}: logging stays off",
            RuntimeWarning,
            stacklevel=2,
        )
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)


_setup()
