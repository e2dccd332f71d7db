"""Top-level URL configuration."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Claimtrace administration"
admin.site.site_title = "Claimtrace"
admin.site.index_title = "Claims, evidence, sources and units"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("core.api.urls")),
    path("api-auth/", include("rest_framework.urls")),
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]
