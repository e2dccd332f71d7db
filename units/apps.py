from django.apps import AppConfig


class UnitsConfig(AppConfig):
    """Military formations and their order of battle."""

    name = "units"
