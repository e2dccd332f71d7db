from rest_framework.routers import SimpleRouter

from .views import PublicationViewSet, SourceViewSet

router = SimpleRouter()
router.register("sources", SourceViewSet)
router.register("publications", PublicationViewSet)
