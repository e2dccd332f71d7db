from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared base classes: change-tracked models, markings, hierarchies, fuzzy dates."""

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .roles import sync_roles

        # Models added by later migrations get their permissions into the roles too.
        post_migrate.connect(sync_roles, sender=self)
