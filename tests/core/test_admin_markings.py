"""The admin refuses a marking that would hide a record from the person saving it, as the API
and the pages do (``may_see_marking``)."""

import pytest
from django.contrib.auth.models import Group

from claims.models import Claim
from sources.models import Publication
from tests.factories import ClaimFactory, SourceFactory
from tests.test_admin import add_url, change_url, form_data, inline_prefixes

pytestmark = pytest.mark.django_db


@pytest.fixture
def kursk_cell(editor) -> Group:
    group = Group.objects.create(name="Kursk cell")
    editor.groups.add(group)
    return group


def post_claim(client, claim, **changes):
    data = form_data(client.get(change_url(claim)))
    data.update(changes)
    return client.post(change_url(claim), data)


@pytest.mark.parametrize(
    ("marking", "sharing"),
    [("amber+strict", {}), ("red", {}), ("red", {"sharing": "other group"})],
    ids=["amber+strict shared with nobody", "red naming nobody", "red for another group"],
)
def test_an_editor_cannot_mark_a_claim_out_of_their_own_sight(client, editor, marking, sharing):
    """GIVEN an editor in no sharing group, on a CLEAR claim's admin page
    WHEN they mark it AMBER+STRICT or RED without sharing it with themself
    THEN the marking field says why and what to do, and the claim keeps its marking."""
    claim = ClaimFactory(title="Storm detachment")
    client.force_login(editor)
    extra = {}
    if sharing:
        extra["sharing_groups"] = [str(Group.objects.create(name="Donetsk cell").pk)]

    response = post_claim(client, claim, marking=marking, **extra)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["marking"]
    assert "You would no longer see this record" in errors[0]
    assert "named recipients" in errors[0]
    claim.refresh_from_db()
    assert claim.marking == "clear"


def test_sharing_with_their_own_group_makes_the_marking_acceptable(client, editor, kursk_cell):
    claim = ClaimFactory(title="Storm detachment")
    client.force_login(editor)

    response = post_claim(
        client, claim, marking="amber+strict", sharing_groups=[str(kursk_cell.pk)]
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    claim.refresh_from_db()
    assert claim.marking == "amber+strict"


def test_naming_themself_makes_red_acceptable(client, editor):
    claim = ClaimFactory(title="Storm detachment")
    client.force_login(editor)

    response = post_claim(client, claim, marking="red", shared_with=[str(editor.pk)])

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Claim.objects.get(pk=claim.pk).marking == "red"


def test_a_new_claim_is_checked_too(client, editor):
    client.force_login(editor)
    data = form_data(client.get(add_url(Claim)))
    data.update({"title": "x", "statement": "y", "kind": "event", "marking": "red"})

    response = client.post(add_url(Claim), data)

    assert response.status_code == 200
    assert "marking" in response.context["adminform"].form.errors
    assert not Claim.objects.exists()


def test_an_inline_publication_row_is_checked(client, editor):
    """GIVEN the source page's inline list of publications (marking, no sharing lists)
    WHEN an editor adds a RED publication there
    THEN the row says why, and nothing is saved."""
    source = SourceFactory(name="Chosun Ilbo")
    client.force_login(editor)
    page = client.get(change_url(source))
    data = form_data(page)
    prefix = inline_prefixes(page)[Publication]
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-0-title": "DPRK troops in Kursk",
            f"{prefix}-0-kind": "article",
            f"{prefix}-0-published_precision": "day",
            f"{prefix}-0-marking": "red",
        }
    )

    response = client.post(change_url(source), data)

    assert response.status_code == 200
    formset = next(
        f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == prefix
    )
    assert "You would no longer see" in formset.forms[0].errors["marking"][0]
    assert not Publication.objects.exists()


def test_a_superuser_may_mark_anything(superuser_client):
    claim = ClaimFactory(title="Storm detachment")

    response = post_claim(superuser_client, claim, marking="red")

    assert response.status_code == 302
    assert Claim.objects.get(pk=claim.pk).marking == "red"
