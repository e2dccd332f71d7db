"""``/api/ingest/``: plain views (not resources of their own)."""

from django.urls import path

from .views import IngestAcceptView, IngestView

urlpatterns = [
    path("ingest/", IngestView.as_view(), name="api-ingest"),
    path("ingest/accept/", IngestAcceptView.as_view(), name="api-ingest-accept"),
]
