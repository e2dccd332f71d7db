"""``/api/export/…`` and ``/api/import/``: exports of the filtered claim set, streamed, and
the lossless exchange (the whole document, the claims as CSV, and imports)."""

from django.urls import path

from .views import (
    ClaimCsvExportView,
    ClaimReviewExportView,
    DataExportView,
    GeoJsonExportView,
    ImportView,
    StixExportView,
)

urlpatterns = [
    path("export/stix/", StixExportView.as_view(), name="api-export-stix"),
    path("export/claimreview/", ClaimReviewExportView.as_view(), name="api-export-claimreview"),
    path("export/geojson/", GeoJsonExportView.as_view(), name="api-export-geojson"),
    path("export/data/", DataExportView.as_view(), name="api-export-data"),
    path("export/csv/", ClaimCsvExportView.as_view(), name="api-export-csv"),
    path("import/", ImportView.as_view(), name="api-import"),
]
