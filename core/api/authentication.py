"""Token authentication for programs: ``Authorization: Token ct_…`` against hashed keys."""

from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import OuterRef
from django.utils import timezone
from rest_framework import authentication, exceptions

from core.api.throttles import FailedTokenThrottle
from core.models import ApiToken
from core.roles import remember_groups


class HashedTokenAuthentication(authentication.TokenAuthentication):
    """DRF's token header, but keys are looked up by their SHA-256 and may expire.

    Failed attempts count against the address's ``failed_token`` rate; beyond it every token
    from that address is refused with a 429 until the window passes, so keys cannot be
    guessed at speed."""

    keyword = "Token"

    def authenticate(self, request):
        words = authentication.get_authorization_header(request).split()
        if not words or words[0].lower() != self.keyword.lower().encode():
            return None
        throttle = FailedTokenThrottle()
        wait = throttle.blocked_for(request)
        if wait is not None:
            raise exceptions.Throttled(wait)
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            throttle.record(request)
            raise

    def authenticate_credentials(self, key: str):
        tokens = ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key))
        if connection.vendor == "postgresql":
            # The user's groups (roles and sharing groups, which every read's marking rule
            # needs) in the same query: one round trip fewer on every request.
            groups = Group.objects.filter(user=OuterRef("user_id")).order_by("pk")
            tokens = tokens.annotate(
                group_ids=ArraySubquery(groups.values("pk")),
                group_names=ArraySubquery(groups.values("name")),
            )
        token = tokens.first()
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if hasattr(token, "group_ids"):
            remember_groups(token.user, dict(zip(token.group_ids, token.group_names, strict=True)))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        now = timezone.now()
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed("Token expired; create a new one.")
        # Record use at most once a minute, so busy scripts do not write on every request.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
