"""Fixtures shared by the whole suite: personas and the PostgreSQL guard."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from rest_framework.test import APIClient

from core import constraints
from core.roles import ADMIN, ANALYST, EDITOR, VIEWER
from devdata.demo import DemoCounts, load_demo
from tests.factories import UserFactory


@pytest.fixture(autouse=True, scope="session")
def _require_postgresql(django_db_setup, django_db_blocker) -> None:
    """The suite is only meaningful on PostgreSQL, the production database."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.exit(
                "Tests run on PostgreSQL: set DATABASE_URL=postgres://… (see README).",
                returncode=2,
            )


@pytest.fixture(autouse=True)
def _fresh_check_outcomes() -> None:
    """Query counts do not depend on which test ran before: no check outcome kept from it
    (``core.constraints`` keeps them per process)."""
    constraints._OUTCOMES.clear()


@pytest.fixture
def superuser(db):
    """An administrator who sees and may change everything."""
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def _with_role(username: str, role: str):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def outsider(db):
    """A logged-in user outside every role and sharing group: sees only CLEAR and GREEN."""
    return UserFactory(username="outsider")


@pytest.fixture
def analyst(db):
    """The ``analyst`` role: reads everything it may see, adds and changes claims and evidence."""
    return _with_role("analyst", ANALYST)


@pytest.fixture
def admin_user(db):
    """The ``admin`` role (not a superuser): users and settings as well as every domain record."""
    return _with_role("administrator", ADMIN)


@pytest.fixture
def superuser_client(client, superuser):
    """A test client logged in as the superuser."""
    client.force_login(superuser)
    return client


@pytest.fixture
def viewer(db):
    """A reader: the ``viewer`` role may see records and change nothing."""
    return _with_role("viewer", VIEWER)


@pytest.fixture
def editor(db):
    """A writer: the ``editor`` role may add, change and delete every domain record."""
    return _with_role("editor", EDITOR)


@pytest.fixture
def api_client():
    """An API client with nobody logged in."""
    return APIClient()


@pytest.fixture
def viewer_api(viewer):
    """An API client with a session of the viewer."""
    client = APIClient()
    client.force_login(viewer)
    return client


@pytest.fixture
def editor_api(editor):
    """An API client with a session of the editor."""
    client = APIClient()
    client.force_login(editor)
    return client


@pytest.fixture
def superuser_api(superuser):
    """An API client with a session of the superuser."""
    client = APIClient()
    client.force_login(superuser)
    return client


@pytest.fixture
def demo(db) -> DemoCounts:
    """The demo data set of the ISW assessment of 20 February 2025, loaded as a newcomer
    loads it."""
    return load_demo()
