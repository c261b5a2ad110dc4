"""A URL's host read alike on httpx and httpx2.

httpx decodes an internationalised (`xn--`) host when it is read (`URL.host`) and refuses one
that does not decode; httpx2 keeps it as it came. The SDK checks such labels itself, with idna
(IDNA 2008, the package both depend on and httpx decodes with), so that a base URL or a redirect
gets the same answer on either.
"""

from __future__ import annotations

import httpx


def undecodable_label(url: httpx.URL) -> str | None:
    """The first punycode label of `url`'s host that does not decode, or None."""
    labels = [
        label
        for label in url.raw_host.decode("ascii", "replace").split(".")
        if label[:4].lower() == "xn--"
    ]
    if not labels:
        return None
    import idna  # noqa: PLC0415 - httpx's own dependency, needed only for punycode hosts

    for label in labels:
        try:
            idna.decode(label)
        except (UnicodeError, ValueError):  # idna.IDNAError is a UnicodeError
            return label
    return None
