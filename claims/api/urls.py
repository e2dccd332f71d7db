from rest_framework.routers import SimpleRouter

from .views import CitationViewSet, ClaimViewSet, TopicViewSet

router = SimpleRouter()
router.register("claims", ClaimViewSet)
router.register("citations", CitationViewSet)
router.register("topics", TopicViewSet)
