"""One HTTP POST to a receiver, on the address the policy checked.

The connection goes to an IP address from `Target.addresses` (checked by
webhooks.address_policy moments before), with the receiver's host name in
the `Host` header and, for https, in the TLS server name and certificate
check. Nothing here resolves the name again, so a DNS answer that changes
between the check and the connection (rebinding) is never used.

Redirects are not followed, connect and read time out (settings
AIKB_WEBHOOKS_CONNECT_TIMEOUT, AIKB_WEBHOOKS_READ_TIMEOUT, in seconds), and
at most AIKB_WEBHOOKS_MAX_RESPONSE_BYTES of the answer are read, within the
read timeout, whatever the receiver sends.
"""

import time
from dataclasses import dataclass

import urllib3
from django.conf import settings
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

from .address_policy import DEFAULT_PORTS, Target

USER_AGENT = "AIKB-Webhooks/1.0 (Standard Webhooks)"
EXCERPT_CHARS = 500


def connect_timeout() -> float:
    return float(getattr(settings, "AIKB_WEBHOOKS_CONNECT_TIMEOUT", 5))


def read_timeout() -> float:
    return float(getattr(settings, "AIKB_WEBHOOKS_READ_TIMEOUT", 10))


def max_response_bytes() -> int:
    return int(getattr(settings, "AIKB_WEBHOOKS_MAX_RESPONSE_BYTES", 64 * 1024))


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: the status code (None when no answer came), the
    reason it failed in words (empty on success), the address connected to,
    and the start of the answer."""

    status_code: int | None
    error: str
    address: str = ""
    excerpt: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and self.status_code is not None and 200 <= self.status_code < 300


def host_header(target: Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if target.port == DEFAULT_PORTS[target.scheme] else f"{host}:{target.port}"


def _pool(target: Target, address: str):
    timeout = urllib3.Timeout(connect=connect_timeout(), read=read_timeout())
    common = {"port": target.port, "timeout": timeout, "retries": False, "maxsize": 1, "block": False}
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address, cert_reqs="CERT_REQUIRED", server_hostname=target.host, assert_hostname=target.host, **common
        )
    return urllib3.HTTPConnectionPool(address, **common)


def _read_capped(response) -> bytes:
    """At most max_response_bytes() of the body, within the read timeout overall."""
    limit, deadline = max_response_bytes(), time.monotonic() + read_timeout()
    chunks, size = [], 0
    while size < limit and time.monotonic() < deadline:
        chunk = response.read(min(8192, limit - size), decode_content=False)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _describe(error: Exception, target: Target, address: str) -> str:
    if isinstance(error, MaxRetryError) and error.reason is not None:
        error = error.reason
    host = target.host if target.host == address else f"{target.host} ({address})"
    where = f"{host} port {target.port}"
    # NewConnectionError is a kind of ConnectTimeoutError in urllib3: test it first.
    if isinstance(error, NewConnectionError):
        return f"Could not connect to {where}: {str(error).rpartition('] ')[2] or error}."
    if isinstance(error, ConnectTimeoutError):
        return f"Could not connect to {where} within {connect_timeout():g} s."
    if isinstance(error, ReadTimeoutError):
        return f"{where} did not answer within {read_timeout():g} s."
    if isinstance(error, SSLError):
        return f"The TLS connection to {where} failed: {error}"
    if isinstance(error, ProtocolError):
        return f"The connection to {where} broke: {error}"
    return f"The request to {where} failed: {error}"


def post(target: Target, body: bytes, headers: dict[str, str]) -> Outcome:
    """POST `body` to `target` (on its checked addresses, in order, until one
    connects) and say what happened; never raises for network errors."""
    headers = {
        "Host": host_header(target),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Connection": "close",
        **headers,
    }
    failure = Outcome(None, "No address to connect to.")
    for address in target.addresses:
        pool = _pool(target, address)
        try:
            response = pool.urlopen(
                "POST", target.path, body=body, headers=headers, redirect=False, retries=False,
                preload_content=False, assert_same_host=False,
            )
            try:
                excerpt = _read_capped(response).decode("utf-8", "replace")[:EXCERPT_CHARS]
            except (HTTPError, OSError):
                excerpt = ""  # the answer's status is what counts
            finally:
                response.release_conn()
            return _judge(response, address, excerpt)
        except (NewConnectionError, ConnectTimeoutError) as error:
            failure = Outcome(None, _describe(error, target, address), address)
            continue  # the next checked address, if any
        except (HTTPError, OSError) as error:
            return Outcome(None, _describe(error, target, address), address)
        finally:
            pool.close()
    return failure


def _judge(response, address: str, excerpt: str) -> Outcome:
    code = response.status
    if 200 <= code < 300:
        return Outcome(code, "", address, excerpt)
    if 300 <= code < 400:
        location = response.headers.get("Location", "")[:300]
        return Outcome(
            code,
            f"The receiver answered {code}, a redirect" + (f" to {location}" if location else "")
            + ": redirects are not followed (register the final URL).",
            address, excerpt,
        )
    return Outcome(code, f"The receiver answered {code} {response.reason or ''}".rstrip() + ".", address, excerpt)
