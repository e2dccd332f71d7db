"""Personal API tokens: each user lists, creates and revokes their own."""

from rest_framework import mixins, permissions, viewsets

from core.models import ApiToken

from .serializers import ApiTokenSerializer


class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your API tokens. The key is shown once, in the response that creates it; only its
    SHA-256 is stored. Use it as ``Authorization: Token <key>``."""

    serializer_class = ApiTokenSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = ApiToken.objects.none()  # for the schema; the real one is per user below

    def get_queryset(self):
        return ApiToken.objects.filter(user=self.request.user)

    def perform_create(self, serializer) -> None:
        token, key = ApiToken.issue(
            self.request.user,
            serializer.validated_data["name"],
            serializer.validated_data.get("expires_at"),
        )
        token.plain_key = key
        serializer.instance = token
