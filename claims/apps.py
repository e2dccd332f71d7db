from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    """Claims, the evidence for them, and topics."""

    name = "claims"

    def ready(self) -> None:
        # Keep each claim's stored corroboration current whatever path writes the evidence.
        from . import signals

        signals.connect()
        # The claims on the pages of places, units, sources and publications.
        from . import sections

        sections.register()
