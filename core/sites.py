"""The admin site: who may enter it is decided by the roles (``core.roles.may_use_admin``)."""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from .roles import may_use_admin


class RoleAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin login form, accepting the editor and admin roles as well as staff."""

    def confirm_login_allowed(self, user) -> None:
        if not may_use_admin(user):
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class ClaimtraceAdminSite(admin.AdminSite):
    """The default admin site (``core.apps.ClaimtraceAdminConfig``); no model is registered
    here, so importing it while the admin loads cannot register anything twice."""

    site_header = "Claimtrace administration"
    site_title = "Claimtrace"
    index_title = "Claims, evidence, sources and units"
    login_form = RoleAdminAuthenticationForm

    def has_permission(self, request: HttpRequest) -> bool:
        return may_use_admin(request.user)
