"""Analyst pages of sources and publications."""

from django.urls import path

from . import views

app_name = "sources"

urlpatterns = [
    path("sources/<int:pk>/", views.SourceDetailView.as_view(), name="detail"),
    path("publications/<int:pk>/", views.PublicationDetailView.as_view(), name="publication"),
]
