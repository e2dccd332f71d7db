"""Small helpers shared by test modules (fixtures live in conftest.py, records in factories.py)."""

from django.db import models

from devdata.demo import demo_uuid


def ids(response) -> list[int]:
    """The ids of a list response's page, in order."""
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def demo_record(model: type[models.Model], key: str) -> models.Model:
    """The demo record ``key`` of ``model``, found the way the loader finds it."""
    return model.objects.get(uuid=demo_uuid(model, key))
