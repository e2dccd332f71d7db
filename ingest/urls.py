"""Analyst pages of report ingestion: paste, review, accept."""

from django.urls import path

from . import views

app_name = "ingest"

urlpatterns = [
    path("claims/ingest/", views.IngestView.as_view(), name="paste"),
    path("claims/ingest/accept/", views.IngestAcceptView.as_view(), name="accept"),
    path("claims/ingest/done/", views.IngestDoneView.as_view(), name="done"),
]
