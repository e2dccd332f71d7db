"""Downloads on the analyst pages: the claims list's filtered claims as CSV."""

from django.urls import path

from .views import ClaimCsvView

app_name = "interchange"

urlpatterns = [
    path("claims/export.csv", ClaimCsvView.as_view(), name="claims-csv"),
]
