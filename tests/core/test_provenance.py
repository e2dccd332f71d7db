"""Provenance and integrity across entry paths: history, reasons, soft delete, no lost updates.

Personas: an ``editor`` (edits and restores), a ``viewer`` (reads), the ``superuser`` (purges).
"""

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from claims.models import Citation, Claim
from core.history import change_log, entry_path
from tests.claims.test_views import claim_data, formset_data
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    SourceFactory,
    UnitInvolvementFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


# --- History from every entry path ----------------------------------------------------------


def test_api_edit_is_recorded_with_user_path_reason_and_field_changes(editor_api, editor):
    claim = ClaimFactory(status="unverified", title="Old title")

    response = editor_api.patch(
        f"/api/claims/{claim.pk}/",
        {"title": "New title", "status": "corroborated", "reason": "Reuters confirmed it."},
        format="json",
    )
    assert response.status_code == 200

    history = editor_api.get(f"/api/claims/{claim.pk}/history/").json()
    latest = history["results"][0]
    assert latest["user"] == editor.username
    assert latest["entry_path"] == "api"
    assert latest["reason"] == "Reuters confirmed it."
    changes = {change["field"]: (change["before"], change["after"]) for change in latest["changes"]}
    assert changes["title"] == ("Old title", "New title")
    assert changes["status"] == ("unverified", "corroborated")
    assert "version" not in changes  # bookkeeping is not reported


def test_admin_edit_is_recorded_with_the_admin_path(client, superuser):
    source = SourceFactory(reliability="C")
    client.force_login(superuser)
    url = f"/admin/sources/source/{source.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "name": source.name,
            "kind": source.kind,
            "country": source.country,
            "reliability": "B",
            "change_reason": "Track record over 2024 checked.",
            "aliases-TOTAL_FORMS": "0",
            "aliases-INITIAL_FORMS": "0",
            "publications-TOTAL_FORMS": "0",
            "publications-INITIAL_FORMS": "0",
            "members-TOTAL_FORMS": "0",
            "members-INITIAL_FORMS": "0",
        }
    )
    data = {key: value for key, value in data.items() if key != "affiliation"}

    response = client.post(url, data)

    assert response.status_code == 302, (
        response.context and response.context["adminform"].form.errors
    )
    entry = change_log(source)[0]
    assert (entry.entry_path, entry.user, entry.reason) == (
        "admin",
        superuser.username,
        "Track record over 2024 checked.",
    )
    assert [(c.field, c.before, c.after) for c in entry.changes] == [("reliability", "C", "B")]


def test_admin_refuses_a_judgement_change_without_a_reason(client, superuser):
    source = SourceFactory(reliability="C")
    client.force_login(superuser)
    response = client.post(
        f"/admin/sources/source/{source.pk}/change/",
        {
            "name": source.name,
            "kind": source.kind,
            "country": source.country,
            "reliability": "A",
            "aliases-TOTAL_FORMS": "0",
            "aliases-INITIAL_FORMS": "0",
            "publications-TOTAL_FORMS": "0",
            "publications-INITIAL_FORMS": "0",
            "members-TOTAL_FORMS": "0",
            "members-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "change_reason" in response.context["adminform"].form.errors
    source.refresh_from_db()
    assert source.reliability == "C"


def test_page_edit_is_recorded_with_the_pages_path(client, editor):
    claim = ClaimFactory(title="Before")
    client.force_login(editor)
    data = {
        **claim_data(title="After", statement=claim.statement, confidence=""),
        **formset_data("citations", []),
        **formset_data("involvements", []),
        "version": claim.version,
    }
    assert client.post(f"/claims/{claim.pk}/edit/", data).status_code == 302
    entry = change_log(claim)[0]
    assert (entry.entry_path, entry.user) == ("pages", editor.username)
    assert ("title", "Before", "After") in [(c.field, c.before, c.after) for c in entry.changes]
    # The claim page shows who changed what.
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert "Before → After" in page


def test_commands_are_recorded_under_their_name():
    with entry_path("command:import_data"):
        claim = ClaimFactory()
    assert change_log(claim)[0].entry_path == "command:import_data"


def test_api_judgement_change_without_reason_is_a_400(editor_api):
    citation = CitationFactory(credibility=3)
    response = editor_api.patch(f"/api/citations/{citation.pk}/", {"credibility": 2}, format="json")
    assert response.status_code == 400
    assert "credibility" in response.json()
    citation.refresh_from_db()
    assert citation.credibility == 3


# --- Soft delete ----------------------------------------------------------------------------


def test_archived_claim_is_absent_from_list_search_counts_and_detail(editor_api, client, viewer):
    kept = ClaimFactory(title="Executions near Robotyne")
    gone = ClaimFactory(title="Executions near Pokrovsk")
    assert editor_api.delete(f"/api/claims/{gone.pk}/").status_code == 204

    listed = [row["id"] for row in editor_api.get("/api/claims/").json()["results"]]
    searched = [
        row["id"] for row in editor_api.get("/api/claims/?search=executions").json()["results"]
    ]
    assert listed == searched == [kept.pk]
    assert editor_api.get(f"/api/claims/{gone.pk}/").status_code == 404
    client.force_login(viewer)
    dashboard = client.get("/")
    assert dashboard.context["total"] == 1
    assert client.get(f"/claims/{gone.pk}/").status_code == 404
    # Nothing is lost: the row and its history are there.
    gone.refresh_from_db()
    assert gone.archived_at is not None
    assert change_log(gone)[0].reason == "Archived"


def test_archived_citation_is_left_out_of_its_claim(editor_api):
    claim = ClaimFactory()
    kept = CitationFactory(claim=claim)
    gone = CitationFactory(claim=claim)
    assert editor_api.delete(f"/api/citations/{gone.pk}/").status_code == 204
    nested = [row["id"] for row in editor_api.get(f"/api/claims/{claim.pk}/").json()["citations"]]
    assert nested == [kept.pk]


def test_archived_records_are_listed_and_restored_by_editors_only(editor_api, viewer_api):
    claim = ClaimFactory()
    claim.archive()
    assert viewer_api.get("/api/claims/?archived=true").status_code == 403
    assert viewer_api.post(f"/api/claims/{claim.pk}/restore/").status_code == 403
    assert [r["id"] for r in editor_api.get("/api/claims/?archived=true").json()["results"]] == [
        claim.pk
    ]
    assert editor_api.post(f"/api/claims/{claim.pk}/restore/").status_code == 200
    assert editor_api.get(f"/api/claims/{claim.pk}/").status_code == 200


def test_only_a_superuser_purges_and_only_what_nothing_depends_on(editor_api, superuser_api):
    lonely = ClaimFactory()
    cited = CitationFactory().claim
    assert editor_api.delete(f"/api/claims/{lonely.pk}/?purge=true").status_code == 403
    assert superuser_api.delete(f"/api/claims/{cited.pk}/?purge=true").status_code == 409
    assert superuser_api.delete(f"/api/claims/{lonely.pk}/?purge=true").status_code == 204
    assert not Claim.objects.filter(pk=lonely.pk).exists()
    assert Claim.objects.filter(pk=cited.pk).exists()


def test_admin_delete_archives_and_the_restore_action_brings_it_back(client, superuser):
    claim = ClaimFactory()
    client.force_login(superuser)
    client.post(f"/admin/claims/claim/{claim.pk}/delete/", {"post": "yes"})
    claim.refresh_from_db()
    assert claim.archived_at is not None
    listed = client.get("/admin/claims/claim/").context["cl"].result_list
    assert claim not in listed
    assert claim in client.get("/admin/claims/claim/?archived=yes").context["cl"].result_list

    client.post(
        "/admin/claims/claim/?archived=yes",
        {
            "action": "restore_selected",
            "_selected_action": [claim.pk],
        },
    )
    claim.refresh_from_db()
    assert claim.archived_at is None


def test_admin_purge_refuses_records_evidence_depends_on(client, superuser):
    citation = CitationFactory()
    client.force_login(superuser)
    client.post(
        "/admin/claims/claim/",
        {
            "action": "purge_selected",
            "_selected_action": [citation.claim_id],
        },
    )
    assert Claim.objects.filter(pk=citation.claim_id).exists()
    assert Citation.objects.filter(pk=citation.pk).exists()


# --- No lost updates ------------------------------------------------------------------------


def test_two_api_clients_editing_the_same_claim(editor):
    """GIVEN two editors who read the same claim (same ETag)
    WHEN the first saves and the second saves with the ETag it read
    THEN the second gets 412 and the first one's change stands."""
    other = UserFactory(username="second-editor")
    other.groups.add(Group.objects.get(name="editor"))
    first, second = _client(editor), _client(other)
    claim = ClaimFactory(title="Original")
    etag = first.get(f"/api/claims/{claim.pk}/")["ETag"]
    assert second.get(f"/api/claims/{claim.pk}/")["ETag"] == etag

    saved = first.patch(
        f"/api/claims/{claim.pk}/", {"title": "First"}, format="json", HTTP_IF_MATCH=etag
    )
    stale = second.patch(
        f"/api/claims/{claim.pk}/", {"title": "Second"}, format="json", HTTP_IF_MATCH=etag
    )

    assert saved.status_code == 200
    assert saved["ETag"] != etag
    assert stale.status_code == 412
    assert stale.json()["current_etag"] == saved["ETag"]
    claim.refresh_from_db()
    assert claim.title == "First"
    # With the current ETag the second editor may save.
    again = second.patch(
        f"/api/claims/{claim.pk}/", {"title": "Second"}, format="json", HTTP_IF_MATCH=saved["ETag"]
    )
    assert again.status_code == 200


def test_stale_delete_is_refused(editor_api):
    claim = ClaimFactory()
    etag = editor_api.get(f"/api/claims/{claim.pk}/")["ETag"]
    editor_api.patch(f"/api/claims/{claim.pk}/", {"title": "Changed"}, format="json")
    assert editor_api.delete(f"/api/claims/{claim.pk}/", HTTP_IF_MATCH=etag).status_code == 412
    claim.refresh_from_db()
    assert claim.archived_at is None


def test_stale_page_save_is_refused_with_what_changed(client, editor):
    """GIVEN an editor who opened the edit page at version 1
    WHEN someone else saves the claim, then the editor saves
    THEN nothing of theirs is saved, and the page names the other change; saving again works."""
    claim = ClaimFactory(title="Original")
    client.force_login(editor)
    opened_at = client.get(f"/claims/{claim.pk}/edit/").context["form"]["version"].value()
    with entry_path("api"):
        claim.title = "Changed by a colleague"
        claim.save()
    data = {
        **claim_data(title="Mine", statement=claim.statement, confidence=""),
        **formset_data("citations", []),
        **formset_data("involvements", []),
        "version": opened_at,
    }

    response = client.post(f"/claims/{claim.pk}/edit/", data)

    assert response.status_code == 409
    body = response.content.decode()
    assert "nothing of yours was saved" in body
    assert "Changed by a colleague" in body
    claim.refresh_from_db()
    assert claim.title == "Changed by a colleague"
    data["version"] = response.context["form"]["version"].value()
    assert client.post(f"/claims/{claim.pk}/edit/", data).status_code == 302
    claim.refresh_from_db()
    assert claim.title == "Mine"


def test_a_stale_page_save_reshows_the_current_claim_with_the_editors_changes_on_top(
    client, editor
):
    """GIVEN an editor who opened the edit page, and a colleague who then changed the notes
    WHEN the editor saves a new title (notes untouched)
    THEN the re-shown form holds their title and the colleague's notes, so pressing Save
    again keeps both changes; a field both changed is marked with the colleague's value."""
    claim = ClaimFactory(title="Original", notes="Old notes")
    client.force_login(editor)
    opened_at = client.get(f"/claims/{claim.pk}/edit/").context["form"]["version"].value()
    with entry_path("api"):
        claim.notes = "The colleague's notes"
        claim.save()
    data = {
        **claim_data(title="Mine", statement=claim.statement, confidence="", notes="Old notes"),
        **formset_data("citations", []),
        **formset_data("involvements", []),
        "version": opened_at,
    }

    response = client.post(f"/claims/{claim.pk}/edit/", data)

    assert response.status_code == 409
    form = response.context["form"]
    assert form["title"].value() == "Mine"
    assert form["notes"].value() == "The colleague's notes"
    assert not form.has_error("notes") and not form.has_error("title")
    # Save again, as the page invites, with what it shows.
    again = {**data, "notes": form["notes"].value(), "version": form["version"].value()}
    assert client.post(f"/claims/{claim.pk}/edit/", again).status_code == 302
    claim.refresh_from_db()
    assert (claim.title, claim.notes) == ("Mine", "The colleague's notes")

    # Both change the notes: the editor's value is kept and the field names the other one.
    opened_at = claim.version
    with entry_path("api"):
        claim.notes = "Second colleague note"
        claim.save()
    clash = {**again, "notes": "My notes", "version": opened_at}
    response = client.post(f"/claims/{claim.pk}/edit/", clash)
    assert response.status_code == 409
    form = response.context["form"]
    assert form["notes"].value() == "My notes"
    assert "Second colleague note" in " ".join(form.errors["notes"])


def test_an_archived_unit_is_refused_as_a_filter_value(editor_api):
    unit = UnitInvolvementFactory().unit
    assert editor_api.get(f"/api/claims/?unit={unit.pk}").status_code == 200
    unit.archive()
    response = editor_api.get(f"/api/claims/?unit={unit.pk}")
    assert response.status_code == 400
    assert "unit" in response.json()
