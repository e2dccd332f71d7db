"""Changes to who a record is shared with (sharing groups, named recipients) are in its history,
from every entry path, as before/after lists of names."""

import pytest
from django.contrib.auth.models import Group

from core.history import change_log
from tests.factories import ClaimFactory, PublicationFactory, UserFactory
from tests.test_admin import change_url, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def cells(editor) -> tuple[Group, Group]:
    """Two sharing groups; the editor belongs to the first."""
    kursk = Group.objects.create(name="Kursk cell")
    donetsk = Group.objects.create(name="Donetsk cell")
    editor.groups.add(kursk)
    return kursk, donetsk


def sharing_changes(history: dict) -> list[dict]:
    """The sharing changes of the newest history entry that has any."""
    for entry in history["results"]:
        found = [c for c in entry["changes"] if c["field"] in {"sharing_groups", "shared_with"}]
        if found:
            return [{**c, "user": entry["user"], "path": entry["entry_path"]} for c in found]
    return []


def test_the_api_history_shows_a_claims_sharing_change(editor_api, cells):
    """GIVEN an AMBER+STRICT claim shared with the Kursk cell
    WHEN an editor adds the Donetsk cell and names themself through the API
    THEN the claim's history shows both lists before and after, by name, with who and how."""
    created = editor_api.post(
        "/api/claims/",
        {
            "title": "DPRK troops in Kursk",
            "statement": "North Korean forces fight in Kursk Oblast.",
            "kind": "event",
            "marking": "amber+strict",
            "sharing_groups": ["Kursk cell"],
        },
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]

    response = editor_api.patch(
        f"/api/claims/{pk}/",
        {"sharing_groups": ["Kursk cell", "Donetsk cell"], "shared_with": ["editor"]},
    )
    assert response.status_code == 200, response.json()

    history = editor_api.get(f"/api/claims/{pk}/history/").json()
    changes = {c["field"]: c for c in history["results"][0]["changes"]}
    changes.update({c["field"]: c for c in history["results"][1]["changes"]})
    assert changes["sharing_groups"]["before"] == ["Kursk cell"]
    assert changes["sharing_groups"]["after"] == ["Donetsk cell", "Kursk cell"]
    assert changes["shared_with"]["before"] == []
    assert changes["shared_with"]["after"] == ["editor"]
    assert {e["entry_path"] for e in history["results"][:2]} == {"api"}
    assert {e["user"] for e in history["results"][:2]} == {"editor"}


def test_the_api_history_shows_a_publications_named_recipients(editor_api, editor):
    publication = PublicationFactory(title="NIS briefing", marking="red")
    publication.shared_with.add(editor)
    UserFactory(username="analyst2")

    response = editor_api.patch(
        f"/api/publications/{publication.pk}/", {"shared_with": ["editor", "analyst2"]}
    )
    assert response.status_code == 200, response.json()

    changes = sharing_changes(editor_api.get(f"/api/publications/{publication.pk}/history/").json())
    assert changes == [
        {
            "field": "shared_with",
            "before": ["editor"],
            "after": ["analyst2", "editor"],
            "user": "editor",
            "path": "api",
        }
    ]


def test_a_sharing_change_in_the_admin_is_in_the_history(client, editor, cells):
    """GIVEN an AMBER claim shared with the Kursk cell
    WHEN an editor adds the Donetsk cell on the claim's admin page
    THEN the history (API and admin history page) shows it, from the admin, by that editor."""
    kursk, donetsk = cells
    claim = ClaimFactory(title="Storm detachment", marking="amber")
    claim.sharing_groups.add(kursk)
    client.force_login(editor)
    data = form_data(client.get(change_url(claim)))
    data["sharing_groups"] = [str(kursk.pk), str(donetsk.pk)]

    response = client.post(change_url(claim), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert set(claim.sharing_groups.all()) == {kursk, donetsk}
    entry = next(e for e in change_log(claim) if e.changes)
    assert [(c.field, c.before, c.after) for c in entry.changes] == [
        ("sharing_groups", ["Kursk cell"], ["Donetsk cell", "Kursk cell"])
    ]
    assert (entry.user, entry.entry_path) == ("editor", "admin")
    history_page = client.get(change_url(claim).replace("/change/", "/history/"))
    assert history_page.status_code == 200
    assert "Donetsk cell" in history_page.content.decode()


def test_history_reads_sharing_in_one_query_per_list(django_assert_num_queries, cells):
    """GIVEN a publication whose sharing changed three times
    THEN its change log lists each step, reading the rows once and each tracked list once."""
    kursk, donetsk = cells
    publication = PublicationFactory(marking="amber")
    publication.sharing_groups.add(kursk)
    publication.sharing_groups.add(donetsk)
    publication.sharing_groups.remove(kursk)

    # the history rows with their users; the sharing_groups links; the shared_with links
    with django_assert_num_queries(3):
        entries = change_log(publication)

    steps = [(c.before, c.after) for e in reversed(entries) for c in e.changes]
    assert steps == [
        ([], ["Kursk cell"]),
        (["Kursk cell"], ["Donetsk cell", "Kursk cell"]),
        (["Donetsk cell", "Kursk cell"], ["Donetsk cell"]),
    ]


def test_the_claim_page_shows_sharing_changes_as_names(client, editor, cells):
    kursk, _donetsk = cells
    claim = ClaimFactory(title="Storm detachment", marking="amber")
    claim.sharing_groups.add(kursk)
    client.force_login(editor)

    page = client.get(f"/claims/{claim.pk}/").content.decode()

    assert "<code>sharing_groups</code>: (none) → Kursk cell" in page
