"""Analyst pages of units."""

from django.urls import path

from . import views

app_name = "units"

urlpatterns = [
    path("units/<int:pk>/", views.UnitDetailView.as_view(), name="detail"),
]
