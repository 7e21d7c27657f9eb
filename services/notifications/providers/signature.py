"""Twilio's request signature: base64(HMAC-SHA1(auth token, URL + sorted name/value pairs))."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit, urlunsplit

Params = Mapping[str, str] | Iterable[tuple[str, str]]

DEFAULT_PORTS = {"http": 80, "https": 443}


def _pairs(params: Params) -> list[tuple[str, str]]:
    items = params.items() if isinstance(params, Mapping) else params
    return sorted((str(name), str(value)) for name, value in items)


def sign(auth_token: str, url: str, params: Params) -> str:
    """The X-Twilio-Signature of a form POST of `params` to `url`."""
    payload = url + "".join(name + value for name, value in _pairs(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _url_variants(url: str) -> set[str]:
    # Twilio may sign with or without the port, so its own validators accept both forms.
    parts = urlsplit(url)
    try:
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:  # not a port number: only the URL as given can match
        return {url}
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    prefix = f"{userinfo}@" if userinfo else ""
    without = urlunsplit(parts._replace(netloc=prefix + host))
    variants = {url, without}
    if port is not None:
        variants.add(urlunsplit(parts._replace(netloc=f"{prefix}{host}:{port}")))
    return variants


def valid(auth_token: str, url: str, params: Params, signature: str | None) -> bool:
    """Whether `signature` is Twilio's for this URL and these parameters (constant time)."""
    if not signature:
        return False
    pairs = _pairs(params)
    matches = [
        hmac.compare_digest(sign(auth_token, variant, pairs).encode(), signature.encode())
        for variant in sorted(_url_variants(url))
    ]
    return any(matches)
