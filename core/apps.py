from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared base classes: change-tracked models, markings, hierarchies, fuzzy dates."""

    name = "core"
    verbose_name = "Core"
