from rest_framework.routers import SimpleRouter

from .views import CitationViewSet, ClaimViewSet, LocationViewSet, TopicViewSet

router = SimpleRouter()
router.register("claims", ClaimViewSet)
router.register("citations", CitationViewSet)
router.register("locations", LocationViewSet)
router.register("topics", TopicViewSet)
