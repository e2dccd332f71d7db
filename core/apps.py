from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    """Shared base classes: change-tracked models, markings, hierarchies, fuzzy dates."""

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.db.models import Field, ForeignObject
        from django.db.models.signals import post_migrate

        from .lookups import InArray
        from .roles import sync_roles

        # Foreign keys keep lookups of their own, apart from other fields'.
        Field.register_lookup(InArray)
        ForeignObject.register_lookup(InArray)

        # Models added by later migrations get their permissions into the roles too.
        post_migrate.connect(sync_roles, sender=self)


class ClaimtraceAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` with the site of ``core.sites`` (roles may enter it)."""

    # Not the default config of ``core``: settings name it in place of django.contrib.admin.
    default = False
    default_site = "core.sites.ClaimtraceAdminSite"
