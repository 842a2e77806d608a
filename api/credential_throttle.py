"""Slowing down the guessing of credentials: API tokens here, the admin
login with the same counts in config/login_throttle.py.

Only failures are limited, and only by where they come from, so that a
guesser slows down itself and nobody else:

- API tokens: a client address that sent AIKB_AUTH_FAILURE_LIMIT unknown
  tokens within AIKB_AUTH_FAILURE_WINDOW_SECONDS gets 429 with Retry-After
  for each further unknown token until the oldest failure leaves the window.
  A token is looked up first: a valid one is always accepted, whatever else
  its address sent (behind a reverse proxy not declared in NUM_PROXIES,
  every client has the proxy's address). Looking tokens up for a slowed
  address gives a guesser nothing worth having: tokens hold 256 random bits.
- Admin login: failures are counted per (address, username) pair, with the
  same limit, and per address over all usernames, with SHARED_ADDRESS_FACTOR
  times that. Over either, the login form answers 429 before any password is
  checked. Never per username alone: failures sent from other addresses
  would then lock the editor out, and anyone can send those. A guess spread
  over many addresses gets the limit from each; slowing it further without
  handing out that lockout takes a second factor, not a counter.

An attempt is counted as a failure before the password is checked and taken
back if it succeeds, so guesses sent in parallel cannot get past the limit
while the first of them are still being checked. Successful requests are
never counted. Counts are shared by all web processes (api/throttling.py).
"""

from django.conf import settings
from rest_framework.exceptions import Throttled

from .throttling import Claim, SlidingWindow, client_address

DEFAULT_LIMIT = 10
DEFAULT_WINDOW_SECONDS = 15 * 60
# An address may be shared (an office, a NAT): several people mistyping
# there should not lock each other out, but one address trying a password
# on many usernames should still be slowed.
SHARED_ADDRESS_FACTOR = 3


class FailedAttempts:
    """Failures per identity in a sliding window; `factor` times
    AUTH_FAILURE_LIMIT of them are allowed per AUTH_FAILURE_WINDOW_SECONDS."""

    def __init__(self, scope: str, factor: int = 1):
        self.scope = scope
        self.factor = factor

    @property
    def limit(self) -> int:
        return self.factor * getattr(settings, "AUTH_FAILURE_LIMIT", DEFAULT_LIMIT)

    @property
    def window(self) -> int:
        return getattr(settings, "AUTH_FAILURE_WINDOW_SECONDS", DEFAULT_WINDOW_SECONDS)

    def _window(self) -> SlidingWindow:
        return SlidingWindow(f"auth-failures:{self.scope}", self.limit, self.window)

    def count(self, ident: str) -> Claim:
        """Count a failure for `ident`, unless it is already over the limit
        (then nothing is counted and the claim says how long to wait)."""
        return self._window().claim(ident)

    def take_back(self, ident: str, claim: Claim) -> None:
        """Forget a failure counted in advance for an attempt that succeeded."""
        self._window().release(ident, claim)


token_failures = FailedAttempts("api-token")


def count_failed_token(request) -> None:
    """Count a token that was not accepted (unknown, revoked or malformed);
    raise Throttled (429) if its address is already over the limit. Call it
    only after the token is found wanting, never before the lookup."""
    claim = token_failures.count(client_address(request))
    if not claim.granted:
        raise Throttled(claim.wait, detail="Too many failed token attempts from this address.")
