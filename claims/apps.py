from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    """Claims, the evidence for them, places and topics."""

    name = "claims"
