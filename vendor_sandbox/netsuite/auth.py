"""NetSuite authentication: OAuth 2.0 Bearer tokens or OAuth 1.0a token-based auth (TBA).

A TBA header looks like

    OAuth realm="SANDBOX", oauth_consumer_key="sandbox-consumer", oauth_token="sandbox-token-id",
    oauth_signature_method="HMAC-SHA256", oauth_timestamp="...", oauth_nonce="...",
    oauth_version="1.0", oauth_signature="..."

With `settings.check_tba_signature` the signature is verified as RFC 5849 defines it: the base
string is METHOD & encoded base URL & encoded normalised parameters (query parameters plus every
oauth_* parameter but the signature; the realm is not a parameter), signed with HMAC-SHA256 keyed
`consumer_secret&token_secret`. NetSuite also refuses timestamps far from its clock and nonces
seen before; so does the emulator when checking (wall-clock time: signatures are real time, not
business time). Without the check, any well-formed TBA header for the sandbox's keys is accepted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from starlette.requests import Request

from vendor_sandbox.netsuite.errors import invalid_login

ACCOUNT = "SANDBOX"
BEARER_TOKEN = "sandbox-token"
CONSUMER_KEY = "sandbox-consumer"
CONSUMER_SECRET = "sandbox-consumer-secret"
TOKEN_ID = "sandbox-token-id"
TOKEN_SECRET = "sandbox-token-secret"
SIGNATURE_METHOD = "HMAC-SHA256"
TIMESTAMP_TOLERANCE_SECONDS = 300
REQUIRED = (
    "oauth_consumer_key",
    "oauth_token",
    "oauth_signature_method",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
)


def _encode(value: str) -> str:
    """RFC 5849 percent-encoding: everything but unreserved characters."""
    return quote(value, safe="-._~")


def parse_oauth_header(header: str) -> dict[str, str] | None:
    """The parameters of an `OAuth k="v", ...` header (values decoded), or None."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "oauth":
        return None
    params: dict[str, str] = {}
    for part in rest.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        params[unquote(key.strip())] = unquote(value)
    return params


def base_string(method: str, url: str, oauth_params: dict[str, str]) -> str:
    """RFC 5849 section 3.4.1 signature base string of a request."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    port = parts.port
    netloc = (
        host
        if port is None or (scheme, port) in (("http", 80), ("https", 443))
        else (f"{host}:{port}")
    )
    base_url = f"{scheme}://{netloc}{parts.path}"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    pairs += [(k, v) for k, v in oauth_params.items() if k not in ("oauth_signature", "realm")]
    normalised = "&".join(f"{k}={v}" for k, v in sorted((_encode(k), _encode(v)) for k, v in pairs))
    return "&".join((method.upper(), _encode(base_url), _encode(normalised)))


def signature(method: str, url: str, oauth_params: dict[str, str]) -> str:
    key = f"{_encode(CONSUMER_SECRET)}&{_encode(TOKEN_SECRET)}"
    digest = hmac.new(
        key.encode(), base_string(method, url, oauth_params).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def signed_url(request: Request) -> str:
    """The URL the client signed: scheme, Host header, path as sent (still encoded), query."""
    scope = request.scope
    raw_path = scope.get("raw_path") or scope["path"].encode()
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    url = f"{scope.get('scheme', 'http')}://{host}{raw_path.decode('latin-1')}"
    query = scope.get("query_string", b"").decode("latin-1")
    return f"{url}?{query}" if query else url


class NonceCache:
    """Nonces seen within the timestamp tolerance (a replayed nonce is refused)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], float] = {}

    def first_use(self, timestamp: str, nonce: str, now: float) -> bool:
        with self._lock:
            if len(self._seen) > 10_000:
                cutoff = now - 2 * TIMESTAMP_TOLERANCE_SECONDS
                self._seen = {k: t for k, t in self._seen.items() if t > cutoff}
            if (timestamp, nonce) in self._seen:
                return False
            self._seen[(timestamp, nonce)] = now
            return True


def authenticate(request: Request, *, check_signature: bool, nonces: NonceCache) -> str:
    """Accept the request's credentials or raise NetSuite's 401; returns 'oauth2' or 'tba'."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() == "bearer":
        if token.strip() == BEARER_TOKEN:
            return "oauth2"
        raise invalid_login()
    params = parse_oauth_header(header)
    if params is None or any(not params.get(k) for k in REQUIRED):
        raise invalid_login()
    if params.get("realm", ACCOUNT).upper().replace("-", "_") != ACCOUNT:
        raise invalid_login()
    if params["oauth_consumer_key"] != CONSUMER_KEY or params["oauth_token"] != TOKEN_ID:
        raise invalid_login()
    if params["oauth_signature_method"] != SIGNATURE_METHOD:
        raise invalid_login()
    if params.get("oauth_version", "1.0") != "1.0":
        raise invalid_login()
    if not check_signature:
        return "tba"
    now = time.time()
    try:
        stamp = int(params["oauth_timestamp"])
    except ValueError:
        raise invalid_login() from None
    if abs(now - stamp) > TIMESTAMP_TOLERANCE_SECONDS:
        raise invalid_login()
    expected = signature(request.method, signed_url(request), params)
    if not hmac.compare_digest(expected, params["oauth_signature"]):
        raise invalid_login()
    if not nonces.first_use(params["oauth_timestamp"], params["oauth_nonce"], now):
        raise invalid_login()
    return "tba"
