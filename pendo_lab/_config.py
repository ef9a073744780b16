"""Regions, hosts and the environment variables the client reads.

Environment variables:

- ``PENDO_INTEGRATION_KEY``: the integration key (used when none is passed).
- ``PENDO_REGION``: ``us`` (default), ``eu``, ``us1``, ``jpn`` or ``au``.
- ``PENDO_BASE_URL``: an explicit API base URL (overrides the region's host).
- ``PENDO_TRACK_SECRET``: the track-event shared secret, for ``client.track``.
- ``PENDO_TIMEZONE``: the subscription timezone used for time columns (default ``UTC``).

Example:
    >>> resolve_hosts("eu")
    Hosts(api='https://app.eu.pendo.io', data='https://data.eu.pendo.io')
"""

from __future__ import annotations

import ipaddress
import os
from typing import NamedTuple
from urllib.parse import urlsplit

from ._exceptions import ConfigurationError

ENV_KEY = "PENDO_INTEGRATION_KEY"
ENV_REGION = "PENDO_REGION"
ENV_BASE_URL = "PENDO_BASE_URL"
ENV_TRACK_SECRET = "PENDO_TRACK_SECRET"
ENV_TIMEZONE = "PENDO_TIMEZONE"


class Hosts(NamedTuple):
    """The API host (REST and aggregation) and the data host (track events) of a region."""

    api: str
    data: str


# The reference lists the API hosts of all five regions and the data hosts of us, eu, us1 and
# jpn; the au data host follows the same pattern (INFERRED).
REGIONS: dict[str, Hosts] = {
    "us": Hosts("https://app.pendo.io", "https://data.pendo.io"),
    "eu": Hosts("https://app.eu.pendo.io", "https://data.eu.pendo.io"),
    "us1": Hosts("https://us1.app.pendo.io", "https://us1.data.pendo.io"),
    "jpn": Hosts("https://app.jpn.pendo.io", "https://data.jpn.pendo.io"),
    "au": Hosts("https://app.au.pendo.io", "https://data.au.pendo.io"),
}


def resolve_hosts(region: str | None = None, base_url: str | None = None) -> Hosts:
    """The hosts for a region, or for an explicit base URL (then used for both API and data).

    Arguments fall back to ``PENDO_REGION`` and ``PENDO_BASE_URL``. Plain ``http`` is refused
    unless the host is a loopback address, so a key is never sent in clear over a network.

    Example:
        >>> resolve_hosts(base_url="http://127.0.0.1:8000/").api
        'http://127.0.0.1:8000'
    """
    base_url = base_url or os.environ.get(ENV_BASE_URL)
    if base_url:
        url = base_url.rstrip("/")
        check_base_url(url)
        return Hosts(url, url)
    name = (region or os.environ.get(ENV_REGION) or "us").lower()
    if name not in REGIONS:
        raise ConfigurationError(
            f"unknown Pendo region {name!r}: use one of {', '.join(REGIONS)} "
            f"(or pass base_url= / set {ENV_BASE_URL})"
        )
    return REGIONS[name]


def check_base_url(url: str) -> None:
    """Refuse URLs that are not http(s), and plain http to anything but loopback.

    Example:
        >>> check_base_url("http://example.com")
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.ConfigurationError: refusing plain http to 'example.com': the integration key would travel unencrypted; use https (plain http is allowed for loopback only)
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"base_url must be an http(s) URL with a host, got {url!r}")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigurationError(
            f"refusing plain http to {parts.hostname!r}: the integration key would travel "
            "unencrypted; use https (plain http is allowed for loopback only)"
        )


def is_loopback(host: str) -> bool:
    """Whether a host name is this machine (``localhost``, 127.0.0.0/8, ``::1``).

    Example:
        >>> is_loopback("127.0.0.1"), is_loopback("[::1]"), is_loopback("app.pendo.io")
        (True, True, False)
    """
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def integration_key(explicit: str | None) -> str | None:
    """The key passed in, else ``PENDO_INTEGRATION_KEY``, else None."""
    return explicit or os.environ.get(ENV_KEY) or None


def track_secret(explicit: str | None) -> str | None:
    """The track-event secret passed in, else ``PENDO_TRACK_SECRET``, else None."""
    return explicit or os.environ.get(ENV_TRACK_SECRET) or None


def timezone_name(explicit: str | None) -> str:
    """The subscription timezone passed in, else ``PENDO_TIMEZONE``, else ``UTC``.

    Example:
        >>> timezone_name("Nope/Zone")
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.ConfigurationError: unknown timezone 'Nope/Zone': use an IANA name such as 'America/New_York' or 'UTC'
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = explicit or os.environ.get(ENV_TIMEZONE) or "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(
            f"unknown timezone {name!r}: use an IANA name such as 'America/New_York' or 'UTC'"
        ) from None
    return name
