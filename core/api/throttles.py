"""Request rates per user, and per address for anonymous requests and failed tokens.

The request history lives in the shared cache (Redis when ``REDIS_URL`` is set, the database
cache otherwise), so every worker on every machine counts against the same rate.

DRF checks throttles after authentication and permissions: an anonymous request (401) or a
wrong token (401) would never be counted, leaving token guessing and anonymous floods
unlimited. Those two are counted here, during authentication.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle


class AddressThrottle(SimpleRateThrottle):
    """A rate per client address (``REMOTE_ADDR``, or X-Forwarded-For behind the proxies
    counted by ``NUM_PROXIES``)."""

    def get_cache_key(self, request: Request, view=None) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def blocked_for(self, request: Request) -> float | None:
        """Seconds left before the address may try again, or None if it may now."""
        self.key = self.get_cache_key(request)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) < self.num_requests:
            return None
        # DRF's wait() is None when the history is longer than the rate (a rate lowered
        # since): still blocked, for the whole window.
        wait = self.wait()
        return float(self.duration) if wait is None else wait

    def record(self, request: Request) -> None:
        """Count one more request of the address."""
        if self.blocked_for(request) is None:
            self.throttle_success()


class AnonymousThrottle(AddressThrottle):
    """Requests without credentials, per address."""

    scope = "anon"


class FailedTokenThrottle(AddressThrottle):
    """Requests with a token that is wrong, expired or of an inactive user, per address."""

    scope = "failed_token"


class AnonymousRateAuthentication(authentication.BaseAuthentication):
    """Last of the authentication classes: reached only by requests that no other class
    authenticated, it counts them against the anonymous rate (429 with Retry-After beyond it)
    and leaves them anonymous."""

    def authenticate(self, request: Request) -> None:
        throttle = AnonymousThrottle()
        wait = throttle.blocked_for(request)
        if wait is not None:
            raise exceptions.Throttled(wait)
        throttle.throttle_success()
        return None


class AnonymousRateAuthenticationScheme(OpenApiAuthenticationExtension):
    """The schema names no security scheme for ``AnonymousRateAuthentication``: it
    authenticates nobody, it only counts."""

    target_class = AnonymousRateAuthentication
    name: list[str] = []

    def get_security_requirement(self, auto_schema):
        return None

    def get_security_definition(self, auto_schema):
        return []
