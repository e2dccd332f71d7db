"""``/claims/ingest/``: paste a report, review the draft, accept it; end to end with the test
client."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from claims.models import Citation, Claim
from ingest.views import review_field_count, sign, unsign
from tests.factories import PublicationFactory, SourceFactory, UnitFactory
from tests.ingest.test_services import TANK_TEXT
from units.models import Unit

INGEST = reverse("ingest:paste")
ACCEPT = reverse("ingest:accept")
DONE = reverse("ingest:done")


def token_of(response) -> str:
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def review_form(response) -> dict:
    """What a browser would post back from the review page, as it stands (ticked boxes on)."""
    html = response.content.decode()
    data: dict[str, list[str]] = {"token": [token_of(response)]}
    for tag in re.findall(r"<input[^>]+>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) in {"token", "csrfmiddlewaretoken"}:
            continue
        if 'type="checkbox"' in tag:
            if " checked" in tag:
                value = re.search(r'value="([^"]*)"', tag)
                data.setdefault(name.group(1), []).append(value.group(1) if value else "on")
        else:
            value = re.search(r'value="([^"]*)"', tag)
            data[name.group(1)] = [value.group(1) if value else ""]
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = [body]
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        selected = re.search(r'<option value="([^"]*)" selected', options)
        data[name] = [selected.group(1) if selected else ""]
    return data


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_anonymous_is_sent_to_login_and_viewer_refused(client, viewer):
    assert client.get(INGEST).status_code == 302
    client.force_login(viewer)
    assert client.get(INGEST).status_code == 403
    assert client.post(ACCEPT, {"token": "x"}).status_code == 403


def test_claims_list_links_to_ingestion_for_analysts_only(client, analyst, viewer):
    client.force_login(viewer)
    assert INGEST not in client.get(reverse("claims:list")).content.decode()
    client.force_login(analyst)
    assert INGEST in client.get(reverse("claims:list")).content.decode()


def test_form_errors_are_shown_not_500(analyst_client):
    response = analyst_client.post(INGEST, {"text": "  ", "date": "not a date"})

    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) >= {"text", "date", "publication"}


def test_binary_upload_is_refused_with_a_form_error(analyst_client):
    report = PublicationFactory()
    upload = SimpleUploadedFile("report.txt", b"\xff\xfe\x00bad", content_type="text/plain")

    response = analyst_client.post(
        INGEST, {"file": upload, "date": "2025-03-05", "publication": report.pk}
    )

    assert response.status_code == 400
    assert "UTF-8" in str(response.context["form"].errors["file"])


def test_hidden_publication_id_is_refused(analyst_client):
    hidden = PublicationFactory(marking="red")

    response = analyst_client.post(
        INGEST, {"text": TANK_TEXT, "date": "2025-03-05", "publication": hidden.pk}
    )

    assert response.status_code == 400
    assert "publication" in response.context["form"].errors


def test_editor_flow_end_to_end_with_a_file_edits_and_drops(editor_client, editor):
    """GIVEN an editor uploading the 10th Tank Regiment report as a .txt file
    WHEN they rename the regiment, drop one claim, untick a number and accept
    THEN one transaction creates the kept claims, the four units (renamed) and citations, and
    the result page lists the claims."""
    source = SourceFactory(name="Institute for the Study of War")
    upload = SimpleUploadedFile("report.txt", TANK_TEXT.encode(), content_type="text/plain")

    response = editor_client.post(
        INGEST,
        {"file": upload, "date": "2025-03-05", "source": source.pk, "title": "Assessment"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "10th Tank Regiment" in html and "Moscow Military District" in html
    assert not Claim.objects.exists()  # nothing saved yet

    draft = unsign(token_of(response))["draft"]
    regiment = next(u for u in draft["units"] if u["name"] == "10th Tank Regiment")
    first, second = draft["claims"][0]["key"], draft["claims"][1]["key"]
    data = review_form(response)
    data[f"unit-{regiment['key']}-name"] = ["10th Guards Tank Regiment"]
    data.pop(f"claim-{first}-keep")
    data.pop(f"claim-{second}-quantity")

    response = editor_client.post(ACCEPT, data)

    assert response.status_code == 302, response.context and response.context.get("errors")
    assert response["Location"] == DONE
    assert Claim.objects.count() == 4  # five proposed and kept, one dropped
    assert Unit.objects.get(name="10th Guards Tank Regiment").parent.name == (
        "3rd Motorized Rifle Division"
    )
    assert not Claim.objects.filter(statement__startswith="Russian forces attacked").exists()
    meters = Claim.objects.get(statement__contains="1,500 meters")
    assert not meters.quantities.exists()
    assert meters.citations.get().locator_footnote == "1"
    assert Claim.history.filter(entry_path="pages").count() == 4
    done = editor_client.get(DONE)
    assert done.status_code == 200
    assert [c.pk for c in done.context["claims"]] == sorted(
        Claim.objects.values_list("pk", flat=True)
    )
    assert "10th Guards Tank Regiment" in done.content.decode()


def test_analyst_accept_with_new_units_shows_errors_and_saves_nothing(analyst_client):
    report = PublicationFactory()
    response = analyst_client.post(
        INGEST, {"text": TANK_TEXT, "date": "2025-03-05", "publication": report.pk}
    )

    response = analyst_client.post(ACCEPT, review_form(response))

    assert response.status_code == 400
    assert "editor role" in response.content.decode()
    assert not Claim.objects.exists() and not Unit.objects.exists()
    # Dropping the new units, the analyst can accept the claims.
    data = review_form(response)
    for name in [n for n in data if n.startswith("unit-") and n.endswith("-keep")]:
        data.pop(name)
    assert analyst_client.post(ACCEPT, data).status_code == 302
    assert Citation.objects.filter(publication=report).count() == 5


def test_known_units_are_linked_not_duplicated(analyst_client):
    district = UnitFactory(name="Moscow Military District", echelon="military_district")
    army = UnitFactory(name="20th Combined Arms Army", echelon="army", parent=district)
    division = UnitFactory(name="3rd Motorized Rifle Division", echelon="division", parent=army)
    regiment = UnitFactory(name="10th Tank Regiment", echelon="regiment", parent=division)
    report = PublicationFactory()
    response = analyst_client.post(
        INGEST, {"text": TANK_TEXT, "date": "2025-03-05", "publication": report.pk}
    )

    response = analyst_client.post(ACCEPT, review_form(response))

    assert response.status_code == 302
    assert Unit.objects.count() == 4
    claim = Claim.objects.get(statement__contains="operating in the area")
    assert list(claim.involvements.values_list("unit", flat=True)) == [regiment.pk]


def test_forged_or_altered_draft_is_refused(analyst_client):
    report = PublicationFactory()
    response = analyst_client.post(
        INGEST, {"text": TANK_TEXT, "date": "2025-03-05", "publication": report.pk}
    )
    data = review_form(response)
    data["token"] = [data["token"][0][:-2] + "xx"]

    response = analyst_client.post(ACCEPT, data)

    assert response.status_code == 400
    assert "expired or was altered" in response.content.decode()
    assert not Claim.objects.exists()


def test_ticked_ids_outside_the_draft_are_ignored(analyst_client):
    """GIVEN a forged review form ticking a place the draft never proposed
    WHEN it is accepted THEN the place is not linked (edits only choose among proposals)."""
    report = PublicationFactory()
    payload = {
        "draft": None,
        "publication": report.pk,
        "publication_label": "",
        "source": None,
        "source_label": "",
        "title": "",
        "url": "",
        "date": "2025-03-05",
    }
    response = analyst_client.post(
        INGEST,
        {
            "text": "Russian forces attacked on March 3.",
            "date": "2025-03-05",
            "publication": report.pk,
        },
    )
    payload["draft"] = unsign(token_of(response))["draft"]
    key = payload["draft"]["claims"][0]["key"]
    secret = PublicationFactory(marking="red")  # any id the analyst should not reach
    data = {
        "token": sign(payload),
        f"claim-{key}-keep": "on",
        f"claim-{key}-location": str(secret.pk),
    }

    response = analyst_client.post(ACCEPT, data)

    assert response.status_code == 302
    assert not Claim.objects.get().locations.exists()


def test_review_field_count_matches_the_page(analyst_client, settings):
    """The estimate that guards DATA_UPLOAD_MAX_NUMBER_FIELDS counts what the page posts."""
    report = PublicationFactory()
    response = analyst_client.post(
        INGEST, {"text": TANK_TEXT, "date": "2025-03-05", "publication": report.pk}
    )
    posted = sum(len(values) for values in review_form(response).values()) + 1  # + CSRF
    draft = unsign(token_of(response))["draft"]
    unticked = len([claim for claim in draft["claims"] if not claim["keep"]])

    assert review_field_count(draft) == posted + unticked


def test_report_too_long_for_one_review_page_is_refused_up_front(analyst_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    report = PublicationFactory()

    response = analyst_client.post(
        INGEST, {"text": TANK_TEXT, "date": "2025-03-05", "publication": report.pk}
    )

    assert response.status_code == 400
    assert "in parts" in str(response.context["form"].errors["text"])
