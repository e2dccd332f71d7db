from django.apps import AppConfig


class PlacesConfig(AppConfig):
    """Places: named locations inside parent places, with coordinates and other spellings."""

    name = "places"
