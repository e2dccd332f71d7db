from django.apps import AppConfig


class InterchangeConfig(AppConfig):
    """The data leaving and entering: the exchange document, CSV, STIX, ClaimReview, GeoJSON."""

    name = "interchange"
