"""Fixtures shared by the whole suite: personas and the PostgreSQL guard."""

import pytest
from django.db import connection

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


@pytest.fixture
def superuser(db):
    """An administrator who sees and may change everything."""
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def analyst(db):
    """A logged-in user with no special rights (roles arrive with access control)."""
    return UserFactory(username="analyst")


@pytest.fixture
def superuser_client(client, superuser):
    """A test client logged in as the superuser."""
    client.force_login(superuser)
    return client
