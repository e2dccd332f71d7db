from django.urls import path
from rest_framework.routers import SimpleRouter

from .ingest import IngestAcceptView, IngestView
from .views import CitationViewSet, ClaimViewSet, LocationViewSet, TopicViewSet

router = SimpleRouter()
router.register("claims", ClaimViewSet)
router.register("citations", CitationViewSet)
router.register("locations", LocationViewSet)
router.register("topics", TopicViewSet)

# Report ingestion: plain views beside the router (not resources of their own).
ingest_urlpatterns = [
    path("ingest/", IngestView.as_view(), name="api-ingest"),
    path("ingest/accept/", IngestAcceptView.as_view(), name="api-ingest-accept"),
]
