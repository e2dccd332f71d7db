"""Analyst pages of claims and places."""

from django.urls import path

from . import views
from .exchange.views import ClaimCsvView
from .ingest import views as ingest_views

app_name = "claims"

urlpatterns = [
    path("claims/", views.ClaimListView.as_view(), name="list"),
    path("claims/export.csv", ClaimCsvView.as_view(), name="export-csv"),
    path("claims/new/", views.ClaimCreateView.as_view(), name="create"),
    path("claims/<int:pk>/", views.ClaimDetailView.as_view(), name="detail"),
    path("claims/<int:pk>/edit/", views.ClaimUpdateView.as_view(), name="edit"),
    path("locations/<int:pk>/", views.LocationDetailView.as_view(), name="location"),
    path("timeline/", views.TimelineView.as_view(), name="timeline"),
    path("map/", views.MapView.as_view(), name="map"),
    # Report ingestion: paste, review, accept.
    path("claims/ingest/", ingest_views.IngestView.as_view(), name="ingest"),
    path("claims/ingest/accept/", ingest_views.IngestAcceptView.as_view(), name="ingest-accept"),
    path("claims/ingest/done/", ingest_views.IngestDoneView.as_view(), name="ingest-done"),
]
