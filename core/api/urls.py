"""``/api/``: every app's router under one browsable root, tokens, schema and docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from claims.api.exchange import ClaimCsvExportView, DataExportView, ImportView
from claims.api.exports import ClaimReviewExportView, GeoJsonExportView, StixExportView
from claims.api.urls import ingest_urlpatterns
from claims.api.urls import router as claims_router
from sources.api.urls import router as sources_router
from units.api.urls import router as units_router

from .views import ApiTokenViewSet

router = DefaultRouter()
for app_router in (claims_router, sources_router, units_router):
    router.registry.extend(app_router.registry)
router.register("tokens", ApiTokenViewSet, basename="token")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script from a URL, not inline, so the CSP holds.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Exports of the filtered claim set (claims.exports), streamed.
    path("export/stix/", StixExportView.as_view(), name="api-export-stix"),
    path("export/claimreview/", ClaimReviewExportView.as_view(), name="api-export-claimreview"),
    path("export/geojson/", GeoJsonExportView.as_view(), name="api-export-geojson"),
    # Import and export (claims.exchange): the whole document, the claims as CSV, and imports.
    path("export/data/", DataExportView.as_view(), name="api-export-data"),
    path("export/csv/", ClaimCsvExportView.as_view(), name="api-export-csv"),
    path("import/", ImportView.as_view(), name="api-import"),
    path("", include(router.urls)),
    *ingest_urlpatterns,
]
