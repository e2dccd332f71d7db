"""Who may do what in the API (one place; viewsets only declare)."""

from rest_framework import permissions


class DomainModelPermissions(permissions.DjangoModelPermissions):
    """Reading needs a login; writing needs the model's add/change/delete permission (roles)."""

    authenticated_users_only = True
