"""``/api/``: every app's router under one browsable root, its plain views, tokens, schema and
docs. Assembled here, at the top layer, so that no app needs to know the others."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from claims.api.urls import router as claims_router
from core.api.views import ApiTokenViewSet
from ingest.api.urls import urlpatterns as ingest_urlpatterns
from interchange.api.urls import urlpatterns as interchange_urlpatterns
from places.api.urls import router as places_router
from sources.api.urls import router as sources_router
from units.api.urls import router as units_router

router = DefaultRouter()
for app_router in (claims_router, places_router, sources_router, units_router):
    router.registry.extend(app_router.registry)
router.register("tokens", ApiTokenViewSet, basename="token")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script from a URL, not inline, so the CSP holds.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    *interchange_urlpatterns,
    path("", include(router.urls)),
    *ingest_urlpatterns,
]
