"""Top-level URL configuration."""

from django.contrib import admin
from django.urls import include, path

from config.views import DashboardView

# A database that cannot be reached is a 503 with Retry-After, JSON on the API.
handler500 = "core.views.server_error"

admin.site.site_header = "Claimtrace administration"
admin.site.site_title = "Claimtrace"
admin.site.index_title = "Claims, evidence, sources and units"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("api-auth/", include("rest_framework.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    # The analyst pages.
    path("", DashboardView.as_view(), name="dashboard"),
    path("", include("claims.urls")),
    path("", include("ingest.urls")),
    path("", include("interchange.urls")),
    path("", include("sources.urls")),
    path("", include("units.urls")),
    path("", include("places.urls")),
]
