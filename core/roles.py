"""The roles as Django groups with model permissions: the one definition of who may write,
and a user's roles and groups as read once per request."""

from django.apps import apps as global_apps

DOMAIN_APPS = ("sources", "units", "places", "claims")

VIEWER, ANALYST, EDITOR, ADMIN = "viewer", "analyst", "editor", "admin"
# The groups that are roles; every other group is a sharing group.
ROLES = (VIEWER, ANALYST, EDITOR, ADMIN)

# Models an analyst may add and change: claims and the evidence attached to them.
ANALYST_MODELS = ("claim", "citation", "quantity", "unitinvolvement", "claimrelation")


def installed_domain_apps(apps=global_apps) -> list[str]:
    """The domain apps that exist in ``apps``: a migration's state holds only the apps whose
    first migration has run (places arrive after the claims app's early migrations)."""
    labels = {config.label for config in apps.get_app_configs()}
    return [label for label in DOMAIN_APPS if label in labels]


def role_permissions(apps=global_apps) -> dict[str, set[tuple[str, str]]]:
    """Each role's permissions as (app_label, codename) pairs."""
    domain = {
        (model._meta.app_label, model._meta.model_name)
        for label in installed_domain_apps(apps)
        for model in apps.get_app_config(label).get_models()
    }
    view = {(app, f"view_{model}") for app, model in domain}
    write = {
        (app, f"{action}_{model}")
        for app, model in domain
        for action in ("add", "change", "delete")
    }
    analyst = {
        (app, f"{action}_{model}")
        for app, model in domain
        if model in ANALYST_MODELS
        for action in ("add", "change")
    }
    accounts = {
        ("auth", f"{action}_{model}")
        for model in ("user", "group")
        for action in ("add", "change", "delete", "view")
    }
    return {
        VIEWER: view,
        ANALYST: view | analyst,
        EDITOR: view | write,
        ADMIN: view | write | accounts,
    }


def sync_roles(apps=global_apps, **_kwargs) -> None:
    """Create the role groups and give each exactly its permissions (idempotent)."""
    from django.contrib.auth.management import create_permissions

    for label in (*installed_domain_apps(apps), "auth"):
        # Permissions are normally created after all migrations; create them now so the
        # groups can be filled in the same run. Migration state app configs have no
        # models_module, which create_permissions checks, so set it for the call.
        app_config = apps.get_app_config(label)
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, wanted in role_permissions(apps).items():
        group, _ = Group.objects.get_or_create(name=role)
        permissions = [
            permission
            for permission in Permission.objects.select_related("content_type")
            if (permission.content_type.app_label, permission.codename) in wanted
        ]
        group.permissions.set(permissions)


# Roles that work in the Django admin (besides staff accounts and superusers).
ADMIN_SITE_ROLES = frozenset({EDITOR, ADMIN})


def may_use_admin(user) -> bool:
    """Whether ``user`` may enter the Django admin: staff, or the editor or admin role.

    Derived from the roles at each request instead of copied into ``is_staff``, so taking a
    role away closes the admin at once and there is no flag to fall out of step. What they
    may do there is still decided by the role's model permissions and the markings.
    """
    if not is_reader(user):
        return False
    return user.is_staff or bool(role_names(user) & ADMIN_SITE_ROLES)


def is_reader(user) -> bool:
    """Whether ``user`` is logged in and active: anyone else reads nothing."""
    return user is not None and user.is_authenticated and user.is_active


def user_groups(user) -> dict[int, str]:
    """``user``'s groups (roles and sharing groups) by id, read once per user object."""
    if not is_reader(user):
        return {}
    cached = getattr(user, "_claimtrace_groups", None)
    if cached is None:
        # Cached on the user object like Django's own permission cache: one query a request.
        cached = dict(user.groups.values_list("pk", "name"))
        remember_groups(user, cached)
    return cached


def remember_groups(user, groups: dict[int, str]) -> None:
    """Keep ``user``'s groups for ``user_groups``: read by it, or along with the user (token
    authentication reads them in its own query)."""
    user._claimtrace_groups = groups


def role_names(user) -> frozenset[str]:
    """Names of ``user``'s groups (roles and sharing groups)."""
    return frozenset(user_groups(user).values())
