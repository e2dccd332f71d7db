"""Analyst pages of places."""

from django.urls import path

from . import views

app_name = "places"

urlpatterns = [
    path("locations/<int:pk>/", views.LocationDetailView.as_view(), name="detail"),
]
