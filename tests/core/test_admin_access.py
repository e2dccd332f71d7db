"""Who may enter the Django admin: staff, and the editor and admin roles (``may_use_admin``)."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from core.roles import EDITOR, may_use_admin
from tests.factories import ClaimFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def admin_login(client, username: str):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": PASSWORD, "next": reverse("admin:index")},
    )


def test_an_editor_logs_in_to_the_admin_and_works_there(client, editor):
    """GIVEN a user whose only claim to the admin is the editor role (not staff)
    WHEN they log in on the admin's login form
    THEN they land on the admin index and may open the claims."""
    assert not editor.is_staff
    ClaimFactory(title="POWs shot near Robotyne")

    response = admin_login(client, "editor")

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert reverse("admin:claims_claim_changelist") in index.content.decode()
    changelist = client.get(reverse("admin:claims_claim_changelist"))
    assert "POWs shot near Robotyne" in changelist.content.decode()


def test_the_admin_role_enters_the_admin(client, admin_user):
    assert admin_login(client, "administrator")["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200


@pytest.mark.parametrize("role", ["viewer", "analyst", None])
def test_other_roles_are_refused_at_the_admin_login(client, role):
    """GIVEN a viewer, an analyst or a user without a role
    WHEN they log in on the admin's login form
    THEN the form refuses them as it refuses a wrong password, and the admin stays closed."""
    user = UserFactory(username="reader")
    if role:
        user.groups.add(Group.objects.get(name=role))

    response = admin_login(client, "reader")

    assert response.status_code == 200
    assert response.context["form"].errors
    assert client.get(reverse("admin:index")).status_code == 302


def test_taking_the_role_away_closes_the_admin_at_once(client, editor):
    """GIVEN an editor working in the admin WHEN the role is taken away
    THEN their next admin request is sent to the login page (no is_staff flag lingers)."""
    client.force_login(editor)
    assert client.get(reverse("admin:index")).status_code == 200

    editor.groups.remove(Group.objects.get(name=EDITOR))

    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_accounts_still_enter(client):
    """A staff account without a role (set up by a superuser) keeps its admin access."""
    staff = UserFactory(username="staff", is_staff=True)
    client.force_login(staff)

    assert client.get(reverse("admin:index")).status_code == 200


def test_inactive_users_never_enter(editor):
    editor.is_active = False

    assert not may_use_admin(editor)
