from django.apps import AppConfig


class IngestConfig(AppConfig):
    """Report ingestion: a pasted report becomes draft claims with their evidence."""

    name = "ingest"
