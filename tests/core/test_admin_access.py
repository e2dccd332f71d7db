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


def test_the_admin_role_cannot_make_itself_a_superuser(client, admin_user):
    """GIVEN the admin role (it manages accounts) WHEN it posts its own account with
    "superuser status" ticked THEN the field is read-only and it stays an ordinary user."""
    client.force_login(admin_user)
    url = reverse("admin:auth_user_change", args=[admin_user.pk])
    page = client.get(url)
    assert "is_superuser" not in page.context["adminform"].form.fields

    client.post(
        url,
        {
            "username": admin_user.username,
            "is_active": "on",
            "is_superuser": "on",
            "groups": [str(g.pk) for g in admin_user.groups.all()],
            "date_joined_0": "2025-02-20",
            "date_joined_1": "10:00:00",
        },
    )

    admin_user.refresh_from_db()
    assert not admin_user.is_superuser


def test_the_admin_role_cannot_take_over_a_superuser(client, admin_user, superuser):
    """Setting a superuser's password would be the same as becoming one."""
    client.force_login(admin_user)

    password = client.post(
        reverse("admin:auth_user_password_change", args=[superuser.pk]),
        {"password1": "a new long passphrase 42", "password2": "a new long passphrase 42"},
    )
    change = client.post(
        reverse("admin:auth_user_change", args=[superuser.pk]), {"username": "mine"}
    )

    assert password.status_code == 403
    assert change.status_code == 403
    superuser.refresh_from_db()
    assert superuser.username == "root"
    assert superuser.check_password("correct horse battery staple")


def test_the_admin_role_still_assigns_roles(client, admin_user, viewer):
    """Managing accounts stays the admin role's job: it may add a user to a role."""
    client.force_login(admin_user)
    editors = Group.objects.get(name=EDITOR)
    url = reverse("admin:auth_user_change", args=[viewer.pk])

    response = client.post(
        url,
        {
            "username": viewer.username,
            "is_active": "on",
            "groups": [str(editors.pk)],
            "date_joined_0": "2025-02-20",
            "date_joined_1": "10:00:00",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(viewer.groups.all()) == [editors]


def _account_form(user, groups) -> dict:
    return {
        "username": user.username,
        "is_active": "on",
        "groups": [str(group.pk) for group in groups],
        "date_joined_0": "2025-02-20",
        "date_joined_1": "10:00:00",
    }


def test_the_admin_role_cannot_join_a_sharing_group_it_is_not_in(client, admin_user):
    """GIVEN a sharing group the admin role is not in (it opens AMBER+STRICT records)
    WHEN the admin adds itself to it THEN the group is not offered and the membership not made."""
    desk = Group.objects.create(name="Kursk desk")
    client.force_login(admin_user)
    url = reverse("admin:auth_user_change", args=[admin_user.pk])
    assert desk not in client.get(url).context["adminform"].form.fields["groups"].queryset

    response = client.post(url, _account_form(admin_user, [*admin_user.groups.all(), desk]))

    assert response.status_code == 200
    assert "groups" in response.context["adminform"].form.errors
    assert not admin_user.groups.filter(pk=desk.pk).exists()


def test_the_admin_role_keeps_memberships_it_cannot_grant(client, admin_user, viewer):
    """Editing an account does not drop it from sharing groups the admin may not manage."""
    desk = Group.objects.create(name="Kursk desk")
    viewer.groups.add(desk)
    client.force_login(admin_user)
    url = reverse("admin:auth_user_change", args=[viewer.pk])

    response = client.post(url, _account_form(viewer, [Group.objects.get(name=EDITOR)]))

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert set(viewer.groups.values_list("name", flat=True)) == {EDITOR, "Kursk desk"}


def test_a_member_of_a_sharing_group_may_add_others_to_it(client, admin_user, viewer):
    desk = Group.objects.create(name="Kursk desk")
    admin_user.groups.add(desk)
    client.force_login(admin_user)
    url = reverse("admin:auth_user_change", args=[viewer.pk])

    response = client.post(url, _account_form(viewer, [*viewer.groups.all(), desk]))

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert viewer.groups.filter(pk=desk.pk).exists()
