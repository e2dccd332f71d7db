from django.apps import AppConfig


class SourcesConfig(AppConfig):
    """Who says something (sources) and what they put out (publications)."""

    name = "sources"
