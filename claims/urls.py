"""Analyst pages of claims."""

from django.urls import path

from . import views

app_name = "claims"

urlpatterns = [
    path("claims/", views.ClaimListView.as_view(), name="list"),
    path("claims/new/", views.ClaimCreateView.as_view(), name="create"),
    path("claims/<int:pk>/", views.ClaimDetailView.as_view(), name="detail"),
    path("claims/<int:pk>/edit/", views.ClaimUpdateView.as_view(), name="edit"),
    path("timeline/", views.TimelineView.as_view(), name="timeline"),
    path("map/", views.MapView.as_view(), name="map"),
]
