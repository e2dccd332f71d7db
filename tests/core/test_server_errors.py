"""A database that cannot be reached is a 503 with Retry-After (JSON on the API), and the
app serves again as soon as it is back (issue: hardening)."""

import pytest
from django.db import connection
from django.urls import path
from rest_framework.test import APIClient

from core.models import ApiToken
from core.views import server_error


@pytest.fixture
def database_down(transactional_db):
    """The app's connection points at a port where no database listens, as during a
    restart; the real settings come back afterwards."""
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"
    yield
    connection.close()
    connection.settings_dict["PORT"] = real_port


def _client(token_key: str | None = None) -> APIClient:
    client = APIClient()
    # The test client would re-raise the error; a real client gets the handler's answer.
    client.raise_request_exception = False
    if token_key:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_key}")
    return client


@pytest.fixture
def token_key(transactional_db, editor) -> str:

    _token, key = ApiToken.issue(editor, "notebook")
    return key


def test_the_api_answers_503_json_with_retry_after_while_the_database_is_down(
    token_key, database_down
):
    response = _client(token_key).get("/api/claims/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "database_unavailable"
    assert int(response["Retry-After"]) > 0


@pytest.fixture
def editor_session(transactional_db, editor) -> APIClient:
    client = _client()
    client.force_login(editor)
    return client


def test_pages_answer_a_503_page_with_retry_after_while_the_database_is_down(
    editor_session, database_down
):
    response = editor_session.get("/claims/")
    assert response.status_code == 503
    assert "Back in a moment" in response.content.decode()
    assert "Retry-After" in response


def test_the_api_serves_again_once_the_database_is_back(token_key):
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"
    try:
        assert _client(token_key).get("/api/claims/").status_code == 503
    finally:
        connection.settings_dict["PORT"] = real_port
    # The next request reconnects by itself (no restart of the worker).
    assert _client(token_key).get("/api/claims/").status_code == 200


def test_other_server_errors_stay_500_without_retry_after(transactional_db, settings):

    def broken(request):
        raise RuntimeError("a bug")

    class Urls:
        urlpatterns = [path("api/broken/", broken)]

    settings.ROOT_URLCONF = Urls
    # Django resolves handler500 from the URLconf module; this one names ours.
    Urls.handler500 = server_error
    response = _client().get("/api/broken/")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert "Retry-After" not in response
