from rest_framework.routers import SimpleRouter

from .views import EvidenceFileViewSet, PublicationViewSet, SourceViewSet

router = SimpleRouter()
router.register("sources", SourceViewSet)
router.register("publications", PublicationViewSet)
router.register("evidence-files", EvidenceFileViewSet)
