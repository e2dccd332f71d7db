"""Who may do what in the API (one place; viewsets only declare)."""

from rest_framework import permissions


class DomainModelPermissions(permissions.DjangoModelPermissions):
    """Reading needs a login; writing needs the model's add/change/delete permission (roles)."""

    authenticated_users_only = True

    def _queryset(self, view):
        # DRF asks the view for its queryset only to learn the model. ``view.get_queryset()``
        # builds the whole visibility and loading chain (marking subqueries, prefetches), which
        # the request then builds again; the declared queryset names the same model for free.
        declared = getattr(view, "queryset", None)
        if declared is not None:
            return declared
        return super()._queryset(view)
