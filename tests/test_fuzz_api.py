"""Schemathesis fuzzes every API operation of a live server, authenticated as an editor, over
the demo data: no 5xx, every response matches the schema, and the database stays consistent."""

import os
import time

import hypothesis
import pytest
import schemathesis
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from claims.models import Claim
from claims.services import corroboration_for
from core.models import ApiToken
from core.roles import EDITOR, sync_roles
from tests.factories import UserFactory

# Examples per operation: enough to reach each operation's validation, filters and id lookups
# while the whole run stays well under a minute on a 2-core machine (FUZZ_EXAMPLES=25: 40 s).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _check_database() -> list[str]:
    """Every row of every project model passes its own validation and constraints, and every
    claim's stored corroboration equals a recompute."""
    problems = []
    for model in apps.get_models():
        if model._meta.app_label not in {"claims", "sources", "units", "core"}:
            continue
        if model.__name__.startswith("Historical"):
            continue
        for obj in model._default_manager.all():
            try:
                obj.full_clean(validate_unique=True, validate_constraints=True)
            except Exception as exc:  # collect them all for one report
                problems.append(f"{model.__name__} #{obj.pk}: {exc}")
    recomputed = corroboration_for(Claim.objects.values_list("pk", flat=True))
    for claim in Claim.objects.all():
        expected = recomputed[claim.pk].as_fields()
        stored = {name: getattr(claim, name) for name in expected}
        if stored != expected:
            problems.append(f"Claim #{claim.pk} corroboration {stored} != {expected}")
    return problems


@pytest.mark.django_db(transaction=True)
def test_every_api_operation_survives_fuzzing(live_server, capsys):
    """GIVEN the demo data and an editor's token WHEN Schemathesis sends generated requests to
    every operation THEN none gets a 5xx or a response outside the schema, and afterwards every
    row is still valid."""
    sync_roles()
    call_command("load_demo", verbosity=0)
    editor = UserFactory(username="fuzzer")
    editor.groups.add(Group.objects.get(name=EDITOR))
    _, key = ApiToken.issue(editor, "fuzz")
    headers = {"Authorization": f"Token {key}"}
    assert _check_database() == []  # the starting point is consistent
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/", headers=headers)

    failures: list[str] = []
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    for number, operation in enumerate(operations, 1):

        @hypothesis.given(case=operation.as_strategy())
        @hypothesis.settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case) -> None:
            case.call_and_validate(base_url=live_server.url, headers=headers, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # report every operation
            failures.append(f"{operation.label}: {exc}")
        with capsys.disabled():  # progress on stderr: the run takes a while
            print(f"\r  fuzzed {number}/{len(operations)} operations", end="", flush=True)
    with capsys.disabled():
        print(f" in {time.monotonic() - started:.0f} s", flush=True)

    assert not failures, "\n\n".join(failures)
    assert _check_database() == []
