"""Hardening: security headers and CSP, login lock-out, API throttling, sessions, production."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from core.models import ApiToken
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


def _csp_directives(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header of ``response`` as {directive: [sources]}."""
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


@pytest.mark.parametrize(
    "path", ["/", "/claims/", "/accounts/login/", "/admin/", "/api/", "/api/docs/"]
)
@pytest.mark.django_db
def test_pages_and_api_send_the_security_headers(client, editor, path):
    """Every response carries the CSP and the anti-framing, sniffing and referrer headers."""
    client.force_login(editor)
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = _csp_directives(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_swagger_ui_loads_its_assets_and_script_from_our_own_origin(client, editor):
    """GIVEN the API docs WHEN rendered THEN no inline script or style and no CDN is used."""
    client.force_login(editor)
    page = client.get("/api/docs/").content.decode()
    assert "cdn" not in page.lower()
    assert "<script>" not in page and "<style>" not in page
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def _fail_login(client, username: str):
    return client.post("/accounts/login/", {"username": username, "password": "wrong"})


@pytest.mark.django_db
def test_login_locks_out_after_repeated_failures_and_says_when_to_retry(client):
    """GIVEN an account WHEN the login fails AXES_FAILURE_LIMIT times THEN even the right
    password is refused with 429 and a page saying how long to wait."""
    user = UserFactory(username="target")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _fail_login(client, user.username)
        assert response.status_code == 200  # the ordinary form error, not yet locked
    response = _fail_login(client, user.username)
    assert response.status_code == 429
    response = client.post("/accounts/login/", {"username": "target", "password": PASSWORD})
    assert response.status_code == 429
    text = response.content.decode()
    assert "Too many failed logins" in text
    assert "Try again in 0:15:00" in text
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_admin_login_is_locked_out_too(client):
    """The admin's login form goes through the same counter."""
    UserFactory(username="staffer", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "staffer", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "staffer", "password": PASSWORD})
    assert response.status_code == 429


@pytest.mark.django_db
def test_lock_out_is_per_username_so_others_can_still_log_in(client):
    """Failures for one name do not lock out a colleague on the same address."""
    UserFactory(username="colleague")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _fail_login(client, "someone-else")
    response = client.post("/accounts/login/", {"username": "colleague", "password": PASSWORD})
    assert response.status_code == 302


@pytest.fixture
def low_throttle_rates(monkeypatch):
    """Throttle rates of 3 per minute. DRF copies the rates onto the throttle class when it
    is imported, so overriding settings would not reach it: patch the class attribute."""
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {"user": "3/min", "anon": "2/min", "failed_token": "2/min"},
    )
    cache.clear()  # the request history of earlier tests lives in the cache
    yield
    cache.clear()


@pytest.mark.django_db
def test_token_clients_are_throttled_with_retry_after(editor, low_throttle_rates):
    """GIVEN a token client WHEN it goes over its rate THEN 429 with a Retry-After header."""
    _, key = ApiToken.issue(editor, "script")
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    statuses = [client.get("/api/claims/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/claims/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "Request was throttled" in response.json()["detail"]


@pytest.mark.django_db
def test_session_clients_are_throttled(editor_api, low_throttle_rates):
    """Session clients (the browsable API) count against the same per-user rate."""
    assert [editor_api.get("/api/").status_code for _ in range(4)] == [200, 200, 200, 429]


@pytest.mark.django_db
def test_wrong_tokens_are_throttled_per_address_even_for_a_right_one(editor, low_throttle_rates):
    """GIVEN an address that sent two wrong tokens WHEN it sends more, even a right one
    THEN 429 with Retry-After: keys cannot be guessed at speed."""
    guesser = APIClient(HTTP_AUTHORIZATION="Token ct_wrong", REMOTE_ADDR="203.0.113.9")
    assert [guesser.get("/api/claims/").status_code for _ in range(3)] == [401, 401, 429]
    _, key = ApiToken.issue(editor, "script")
    right = guesser.get("/api/claims/", HTTP_AUTHORIZATION=f"Token {key}")
    assert right.status_code == 429
    assert 0 < int(right["Retry-After"]) <= 60
    # Another address is not affected.
    other = APIClient(HTTP_AUTHORIZATION=f"Token {key}", REMOTE_ADDR="198.51.100.7")
    assert other.get("/api/claims/").status_code == 200


@pytest.mark.django_db
def test_anonymous_requests_are_throttled_per_address(low_throttle_rates):
    anonymous = APIClient(REMOTE_ADDR="203.0.113.10")
    assert [anonymous.get("/api/claims/").status_code for _ in range(3)] == [401, 401, 429]
    assert APIClient(REMOTE_ADDR="203.0.113.11").get("/api/claims/").status_code == 401


@pytest.mark.django_db
def test_every_worker_process_counts_against_the_same_rate(editor, low_throttle_rates):
    """GIVEN another process (another worker) that served the user twice WHEN this one
    serves them THEN only one more request is allowed: the counts live in the shared cache."""
    other_worker = f"""
import django
django.setup()
from types import SimpleNamespace
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle
SimpleRateThrottle.THROTTLE_RATES = {{"user": "3/min"}}
request = SimpleNamespace(user=SimpleNamespace(pk={editor.pk}, is_authenticated=True))
assert all(UserRateThrottle().allow_request(request, None) for _ in range(2))
"""
    subprocess.run(
        [sys.executable, "-c", other_worker],
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        cwd=settings.BASE_DIR,
    )
    _, key = ApiToken.issue(editor, "script")
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert [client.get("/api/claims/").status_code for _ in range(2)] == [200, 429]


def test_sessions_expire_after_a_working_day_by_default():
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_COOKIE_HTTPONLY is True


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1A!", "too short"),
        ("password1234", "too common"),
        ("839201746352", "entirely numeric"),
        ("claimtrace-analyst", "too similar"),
    ],
)
def test_password_validators_refuse_weak_passwords(password, reason):
    user = UserFactory.build(username="claimtrace-analyst", email="analyst@example.org")
    with pytest.raises(ValidationError, match=reason):
        validate_password(password, user)


def test_password_validators_accept_a_passphrase():
    validate_password("correct horse battery staple", UserFactory.build())


_PRODUCTION_PROBE = """
import json
from django.conf import settings
from django.core.cache import cache
import django
django.setup()
print(json.dumps({name: getattr(settings, name) for name in [
    "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_SSL_REDIRECT",
    "X_FRAME_OPTIONS", "SESSION_COOKIE_AGE",
]}))
"""


def _production(extra_env: dict[str, str]) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "ALLOWED_HOSTS": "claims.example.org",
        **extra_env,
    }
    return subprocess.run(
        [sys.executable, "-c", _PRODUCTION_PROBE],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=60,
    )


def test_production_settings_are_hardened():
    """GIVEN a random SECRET_KEY WHEN the production settings load THEN cookies are secure,
    HSTS is on for a year and DEBUG is off."""
    import json

    result = _production({"SECRET_KEY": "x7" * 20 + "abcdefghijklmnopqrstuvwxyz"})
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_SSL_REDIRECT": True,
        "X_FRAME_OPTIONS": "DENY",
        "SESSION_COOKIE_AGE": 8 * 3600,
    }


def test_production_settings_refuse_a_placeholder_secret_key():
    result = _production({"SECRET_KEY": "django-insecure-changeme"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_only_the_browsable_api_allows_inline_styles_and_never_inline_scripts(client, editor):
    """DRF's HTML pages need inline styles; JSON responses and our pages keep the strict CSP."""
    client.force_login(editor)
    html = _csp_directives(client.get("/api/claims/", HTTP_ACCEPT="text/html"))
    assert html["style-src"] == ["'self'", "'unsafe-inline'"]
    assert html["script-src"] == ["'self'"]
    json_ = _csp_directives(client.get("/api/claims/", HTTP_ACCEPT="application/json"))
    assert json_["style-src"] == ["'self'"]
