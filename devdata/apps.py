from django.apps import AppConfig


class DevdataConfig(AppConfig):
    """The demo data set and the synthetic generator for benchmarks."""

    name = "devdata"
