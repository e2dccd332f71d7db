"""The login, logout and password pages, and the dashboard."""

import pytest

from tests.factories import ClaimFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def test_anonymous_visitors_land_on_the_login_page(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_login_page_has_labelled_fields(client):
    body = client.get("/accounts/login/").content.decode()

    assert '<label for="id_username">Username' in body
    assert '<label for="id_password">Password' in body
    assert "<main" in body and "Skip to content" in body


def test_login_goes_to_the_dashboard_and_logout_back_to_login(client):
    UserFactory(username="newcomer")

    response = client.post(
        "/accounts/login/", {"username": "newcomer", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain == [("/", 302)]
    assert "Dashboard" in response.content.decode()

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302


def test_wrong_password_shows_an_error(client):
    UserFactory(username="newcomer")

    response = client.post("/accounts/login/", {"username": "newcomer", "password": "nope"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_password_change_page(client, viewer):
    client.force_login(viewer)

    response = client.get("/accounts/password_change/")

    assert response.status_code == 200
    assert '<label for="id_old_password">Old password' in response.content.decode()


def test_dashboard_counts_and_lists_the_demo_data(
    client, viewer, demo, django_assert_max_num_queries
):
    """GIVEN the demo data
    WHEN a viewer opens the dashboard
    THEN it shows the counts by status and topic and the latest claims and publications, in
    a fixed number of queries."""
    client.force_login(viewer)

    # session, user, status counts, topic counts, latest claims, changed claims,
    # latest publications, the user's permissions (2) for the "New claim" button, and the
    # user's groups (read once for the marking rule)
    with django_assert_max_num_queries(10):
        response = client.get("/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "Claims by status" in body and "Claims by topic" in body
    assert "POW executions" in body
    assert "Russian Offensive Campaign Assessment, February 20, 2025" in body
    assert "New claim" not in body  # a viewer may not add claims


def test_dashboard_counts_leave_out_what_the_user_may_not_see(client, viewer, superuser):
    """GIVEN a CLEAR claim and a RED one
    WHEN a viewer and a superuser open the dashboard
    THEN the viewer's total counts one claim and never names the RED one."""
    ClaimFactory(title="Visible claim")
    ClaimFactory(title="Secret RED claim", marking="red")

    client.force_login(viewer)
    body = client.get("/").content.decode()
    assert "Secret RED claim" not in body
    assert client.get("/").context["total"] == 1

    client.force_login(superuser)
    assert client.get("/").context["total"] == 2
