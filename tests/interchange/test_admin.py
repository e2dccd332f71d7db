"""CSV import and export of claims and units in the admin (django-import-export over
``interchange``): same rows, same validation, same history, same markings."""

import csv
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from claims.models import Claim
from core.choices import Marking
from core.roles import EDITOR
from tests.factories import ClaimFactory, UnitFactory, UserFactory
from units.models import Unit

CLAIM_IMPORT = "/admin/claims/claim/import/"
CLAIM_CONFIRM = "/admin/claims/claim/process_import/"
CLAIM_EXPORT = "/admin/claims/claim/export/"
UNIT_IMPORT = "/admin/units/unit/import/"
UNIT_CONFIRM = "/admin/units/unit/process_import/"


@pytest.fixture
def staff_editor(db):
    """An editor with admin access."""
    user = UserFactory(username="staff-editor", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITOR))
    return user


@pytest.fixture
def staff_reader(db):
    """Admin access and the right to view claims, in no group: sees CLEAR and GREEN only."""
    user = UserFactory(username="staff-reader", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_claim", "view_unit"]))
    return user


def _csv(text: str, name: str = "claims.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def _export(client) -> list[dict[str, str]]:
    response = client.post(CLAIM_EXPORT, {"format": "0"})
    assert response.status_code == 200, response.content[:500]
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_admin_export_holds_only_what_the_user_may_see(client, staff_editor, staff_reader):
    """GIVEN a CLEAR and an AMBER claim WHEN exported from the admin THEN the editor's file
    has both rows (editors see AMBER) and a reader's has only the CLEAR one."""
    ClaimFactory(title="Clear claim")
    ClaimFactory(title="Amber claim", marking=Marking.AMBER)

    client.force_login(staff_editor)
    assert sorted(row["title"] for row in _export(client)) == ["Amber claim", "Clear claim"]
    client.force_login(staff_reader)
    assert [row["title"] for row in _export(client)] == ["Clear claim"]


def test_editor_imports_claims_in_two_steps_with_history(client, staff_editor):
    """GIVEN a CSV of one new claim WHEN an editor uploads it THEN the dry run lists it
    without writing; on confirming, the claim exists, written through the admin entry path
    with the file named in its history."""
    client.force_login(staff_editor)
    upload = _csv(
        "uuid,title,statement,kind,status\r\n"
        "3a9c1c2e-0000-4000-8000-000000000001,From the admin,It happened.,event,unverified\r\n"
    )

    preview = client.post(CLAIM_IMPORT, {"format": "0", "import_file": upload})

    assert preview.status_code == 200
    assert "From the admin" in preview.content.decode()
    assert Claim.objects.count() == 0
    confirm = preview.context["confirm_form"].initial
    done = client.post(CLAIM_CONFIRM, confirm)
    assert done.status_code == 302
    claim = Claim.objects.get()
    assert claim.title == "From the admin"
    latest = claim.history.latest()
    assert latest.entry_path == "admin"
    assert latest.history_change_reason == "Imported from claims.csv."
    assert latest.history_user == staff_editor


def test_admin_import_with_a_bad_row_shows_it_and_writes_nothing(client, staff_editor):
    client.force_login(staff_editor)
    upload = _csv(
        "title,statement,kind,status\r\n"
        "Good row,Fine.,event,unverified\r\n"
        "Bad row,Not fine.,rumour,unverified\r\n"
    )

    response = client.post(CLAIM_IMPORT, {"format": "0", "import_file": upload})

    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    result = response.context["result"]
    (invalid,) = result.invalid_rows
    assert invalid.number == 2
    assert "kind" in invalid.field_specific_errors
    assert Claim.objects.count() == 0


def test_reader_may_export_but_not_import(client, staff_reader):
    client.force_login(staff_reader)
    assert client.get(CLAIM_IMPORT).status_code == 403
    assert client.get(CLAIM_EXPORT).status_code == 200


def test_editor_imports_units_with_their_parent(client, staff_editor):
    parent = UnitFactory(name="2nd Combined Arms Army", echelon="army")
    client.force_login(staff_editor)
    upload = _csv(
        "name,country,echelon,branch,parent,aliases\r\n"
        "30th Motorized Rifle Brigade,RU,brigade,motorized_rifle,"
        f"{parent.uuid},30th MRB; 30 MRB\r\n",
        name="units.csv",
    )

    preview = client.post(UNIT_IMPORT, {"format": "0", "import_file": upload})
    client.post(UNIT_CONFIRM, preview.context["confirm_form"].initial)

    brigade = Unit.objects.get(name="30th Motorized Rifle Brigade")
    assert brigade.parent == parent
    assert sorted(brigade.aliases.values_list("name", flat=True)) == ["30 MRB", "30th MRB"]
