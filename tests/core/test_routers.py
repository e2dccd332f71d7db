"""The read-replica router: reads to ``replica``, writes and write-adjacent reads to ``default``."""

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from claims.models import Claim
from config.routers import (
    PIN_COOKIE,
    PinPrimaryMiddleware,
    PrimaryReplicaRouter,
    read_primary,
    reads_pinned_to_primary,
)

ROUTER = "config.routers.PrimaryReplicaRouter"


def test_reads_go_to_the_replica_and_writes_to_the_primary():
    """GIVEN no transaction and no pinning WHEN a model is read or written THEN reads are
    routed to ``replica`` and writes to ``default``."""
    router = PrimaryReplicaRouter()
    assert router.db_for_read(Claim) == "replica"
    assert router.db_for_write(Claim) == "default"


def test_querysets_use_the_router_when_it_is_configured():
    """GIVEN the router in DATABASE_ROUTERS WHEN a queryset is built THEN it reads the replica,
    and a queryset about to write (select_for_update runs in a transaction) reads the primary."""
    with override_settings(DATABASE_ROUTERS=[ROUTER]):
        assert Claim.objects.all().db == "replica"
        assert Claim.objects.db_manager("default").all().db == "default"
        with read_primary():
            assert Claim.objects.all().db == "default"
    assert Claim.objects.all().db == "default"


@pytest.mark.django_db
def test_reads_inside_a_transaction_go_to_the_primary():
    """GIVEN a transaction open on the primary (a write path) WHEN it reads THEN it reads the
    primary, so it sees its own uncommitted writes."""
    with transaction.atomic():
        assert reads_pinned_to_primary()
        assert PrimaryReplicaRouter().db_for_read(Claim) == "default"


def test_migrations_run_on_the_primary_only_and_relations_are_allowed():
    router = PrimaryReplicaRouter()
    assert router.allow_migrate("default", "claims") is True
    assert router.allow_migrate("replica", "claims") is False
    assert router.allow_relation(Claim(), Claim()) is True


def _pinned_during(request) -> tuple[bool, HttpResponse]:
    seen = {}

    def view(request):
        seen["pinned"] = reads_pinned_to_primary()
        return HttpResponse("ok")

    response = PinPrimaryMiddleware(view)(request)
    return seen["pinned"], response


def test_a_request_that_writes_reads_the_primary_and_pins_the_browser_for_a_while():
    """GIVEN a POST WHEN it runs THEN its reads go to the primary, and the response sets a
    short-lived cookie so the page shown after the save reads the primary too."""
    factory = RequestFactory()
    with override_settings(REPLICA_PIN_SECONDS=7):
        pinned, response = _pinned_during(factory.post("/claims/new/"))
    assert pinned is True
    assert response.cookies[PIN_COOKIE]["max-age"] == 7
    assert response.cookies[PIN_COOKIE]["httponly"]

    factory.cookies[PIN_COOKIE] = "1"
    pinned_after, response_after = _pinned_during(factory.get("/claims/"))
    assert pinned_after is True
    assert PIN_COOKIE not in response_after.cookies


def test_a_plain_read_request_reads_the_replica():
    pinned, response = _pinned_during(RequestFactory().get("/api/claims/"))
    assert pinned is False
    assert PIN_COOKIE not in response.cookies
    assert not reads_pinned_to_primary()
