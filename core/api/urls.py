"""``/api/``: every app's router under one browsable root, tokens, schema and docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from claims.api.exchange import ClaimCsvExportView, DataExportView, ImportView
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
    path("", include(router.urls)),
]

# Import and export (claims.exchange): the whole document, the claims as CSV, and imports.
urlpatterns += [
    path("export/data/", DataExportView.as_view(), name="export-data"),
    path("export/csv/", ClaimCsvExportView.as_view(), name="export-csv"),
    path("import/", ImportView.as_view(), name="import-data"),
]
