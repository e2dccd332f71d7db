"""Token authentication for programs: ``Authorization: Token ct_…`` against hashed keys."""

from django.utils import timezone
from rest_framework import authentication, exceptions

from core.models import ApiToken


class HashedTokenAuthentication(authentication.TokenAuthentication):
    """DRF's token header, but keys are looked up by their SHA-256 and may expire."""

    keyword = "Token"

    def authenticate_credentials(self, key: str):
        token = (
            ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        now = timezone.now()
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed("Token expired; create a new one.")
        # Record use at most once a minute, so busy scripts do not write on every request.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
