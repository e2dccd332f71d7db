"""Evidence files: upload checks, duplicates, versions, visibility of downloads, the admin form
and the ``verify_evidence`` integrity check."""

import base64
import hashlib
import io
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sources.models import EvidenceFile
from sources.services import display_name, sniff_content_type, store_evidence
from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db

URL = "/api/evidence-files/"

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(200))
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>document.cookie</script></body></html>"
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(120)


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    """Stored files go to a folder of this test alone."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def publication():
    return PublicationFactory(title="FT investigation of POW executions")


def upload(content: bytes = PNG, name: str = "photo.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def post_file(client, publication, content=PNG, name="photo.png", content_type="image/png", **f):
    data = {
        "publication": publication.pk,
        "file": upload(content, name, content_type),
        "sensitivity": "none",
        **f,
    }
    return client.post(URL, data, format="multipart")


def stored_files(media: Path) -> list[Path]:
    return sorted((media / "evidence").glob("*")) if (media / "evidence").exists() else []


# -- upload ------------------------------------------------------------------------------------


def test_editor_uploads_a_file(editor_api, editor, publication, media):
    """GIVEN an editor WHEN they upload a PNG under a name with a path in it
    THEN 201 with the SHA-256 of the bytes, the size and the detected type; the file is stored
    under a random name that contains nothing of the client's name."""
    response = post_file(
        editor_api,
        publication,
        name="../../etc/photo of Robotyne.png",
        sensitivity="graphic_violence",
        description="Still from the footage",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert body["size"] == len(PNG)
    assert body["content_type"] == "image/png"
    assert body["sensitivity"] == "graphic_violence"
    assert body["duplicates"] == []
    assert body["publication"]["id"] == publication.pk
    assert body["download_url"].endswith(f"{URL}{body['id']}/download/")
    evidence = EvidenceFile.objects.get(pk=body["id"])
    assert evidence.original_name == "photo of Robotyne.png"
    assert evidence.created_by == editor
    name = evidence.file.name
    assert name.startswith("evidence/") and name.endswith(".png")
    assert "Robotyne" not in name and ".." not in name and "etc" not in name
    assert [path.read_bytes() for path in stored_files(media)] == [PNG]


def test_a_viewer_cannot_upload(viewer_api, publication, media):
    response = post_file(viewer_api, publication)

    assert response.status_code == 403
    assert not EvidenceFile.objects.exists()
    assert stored_files(media) == []


def test_a_file_over_the_limit_is_refused(editor_api, publication, settings, media):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 100

    response = post_file(editor_api, publication)

    assert response.status_code == 400
    message = response.json()["file"][0]
    assert f"The file is {len(PNG)} bytes" in message
    assert "largest evidence file accepted is 100 bytes" in message
    assert stored_files(media) == []


def test_an_oversized_request_is_refused_before_it_is_read(editor_api, publication, settings):
    """GIVEN a request announcing a body far above the limit
    WHEN it is posted THEN 413 without parsing (and spooling) the body."""
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024 * 1024

    response = editor_api.post(
        URL,
        {"publication": publication.pk, "file": upload(), "sensitivity": "none"},
        format="multipart",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )

    assert response.status_code == 413
    assert "largest evidence file accepted is 1 MB" in response.json()["detail"]


@pytest.mark.parametrize(
    ("content", "name", "content_type", "expected"),
    [
        pytest.param(ELF, "photo.png", "image/png", "program", id="program-named-png"),
        pytest.param(b"hello, world\n", "note.png", "image/png", "sent as image/png", id="text"),
        pytest.param(PNG, "photo.exe", "image/png", "named .exe", id="png-named-exe"),
        pytest.param(PNG, "photo.png", "image/jpeg", "sent as image/jpeg", id="declared-jpeg"),
        pytest.param(b"\x00\x01\x02\x03" * 50, "data.bin", "", "unknown type", id="unknown"),
        pytest.param(b"PK\x03\x04" + bytes(60), "capture.zip", "", "ZIP archive", id="zip"),
    ],
)
def test_a_wrong_type_is_refused(
    editor_api, publication, media, content, name, content_type, expected
):
    """GIVEN bytes whose content is not an accepted type, or whose name or declared type
    disagrees with the content WHEN uploaded THEN 400 saying why, and nothing is stored."""
    response = post_file(editor_api, publication, content, name, content_type)

    assert response.status_code == 400, response.content
    assert expected in response.json()["file"][0]
    assert not EvidenceFile.objects.exists()
    assert stored_files(media) == []


def test_sensitivity_must_be_chosen(editor_api, publication):
    data = {"publication": publication.pk, "file": upload()}

    response = editor_api.post(URL, data, format="multipart")

    assert response.status_code == 400
    assert "sensitivity" in response.json()


def test_a_hidden_publication_cannot_receive_files(editor_api):
    red = PublicationFactory(marking="red")

    response = post_file(editor_api, red)

    assert response.status_code == 400
    assert "publication" in response.json()


# -- duplicates --------------------------------------------------------------------------------


def test_the_same_bytes_twice_in_a_publication_are_refused(editor_api, publication, media):
    """GIVEN a file of a publication WHEN the same bytes are uploaded again under another name
    THEN 400 naming the existing file, and nothing new is stored."""
    first = post_file(editor_api, publication, name="still.png").json()

    response = post_file(editor_api, publication, name="same-still.png")

    assert response.status_code == 400
    body = response.json()
    assert "“still.png”" in body["file"][0]
    assert f"file #{first['id']}" in body["file"][0]
    assert body["duplicate_of"] == {
        "id": first["id"],
        "original_name": "still.png",
        "sha256": hashlib.sha256(PNG).hexdigest(),
    }
    assert EvidenceFile.objects.count() == 1
    assert len(stored_files(media)) == 1


def test_the_same_bytes_in_another_publication_are_reported(editor_api, publication):
    """GIVEN a file of one publication (and a copy in a RED one the editor may not see)
    WHEN the same bytes are uploaded to another publication
    THEN 201, and ``duplicates`` names the visible copy only."""
    first = post_file(editor_api, publication).json()
    red = PublicationFactory(marking="red")
    EvidenceFile.objects.create(publication=red, file=ContentFile(PNG, name="secret.png"))
    other = PublicationFactory(title="Chosun Ilbo article")

    response = post_file(editor_api, other, name="copy.png")

    assert response.status_code == 201, response.content
    assert response.json()["duplicates"] == [
        {
            "id": first["id"],
            "original_name": "photo.png",
            "publication": {"id": publication.pk, "title": publication.title},
        }
    ]
    # The first file now reports the second as its duplicate too.
    detail = editor_api.get(f"{URL}{first['id']}/").json()
    assert [row["id"] for row in detail["duplicates"]] == [response.json()["id"]]


# -- versions ----------------------------------------------------------------------------------


def test_a_new_version_keeps_the_old_file(editor_api, publication, media):
    """GIVEN a stored capture WHEN a new capture is uploaded with ``replaces``
    THEN both exist, each with its own hash, and the old bytes are untouched."""
    old = post_file(editor_api, publication, PDF, "report.pdf", "application/pdf").json()
    newer = PDF.replace(b"1.7", b"2.0")

    response = post_file(
        editor_api, publication, newer, "report-v2.pdf", "application/pdf", replaces=old["id"]
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["replaces"]["id"] == old["id"]
    assert body["sha256"] == hashlib.sha256(newer).hexdigest() != old["sha256"]
    kept = EvidenceFile.objects.get(pk=old["id"])
    assert kept.sha256 == hashlib.sha256(PDF).hexdigest()
    assert kept.file.read() == PDF
    assert len(stored_files(media)) == 2


def test_versions_stay_one_chain(editor_api, publication):
    old = post_file(editor_api, publication, PDF, "report.pdf", "application/pdf").json()
    post_file(editor_api, publication, PDF + b"v2", "v2.pdf", "", replaces=old["id"])

    response = post_file(editor_api, publication, PDF + b"v3", "v3.pdf", "", replaces=old["id"])

    assert response.status_code == 400
    assert "already has a newer version" in response.json()["replaces"][0]


def test_a_version_must_be_of_the_same_publication(editor_api, publication):
    old = post_file(editor_api, publication).json()

    response = post_file(editor_api, PublicationFactory(), JPEG, "x.jpg", "", replaces=old["id"])

    assert response.status_code == 400
    assert "another publication" in response.json()["replaces"][0]


def test_only_metadata_can_be_edited(editor_api, publication):
    created = post_file(editor_api, publication).json()
    detail = f"{URL}{created['id']}/"

    patched = editor_api.patch(
        detail, {"sensitivity": "personal_data", "sha256": "0" * 64}, format="json"
    )
    put = editor_api.put(detail, {"sensitivity": "none"}, format="json")

    assert patched.status_code == 200
    assert patched.json()["sensitivity"] == "personal_data"
    assert patched.json()["sha256"] == created["sha256"]
    assert put.status_code == 405


def test_delete_archives_and_keeps_the_bytes(editor_api, publication, media):
    """GIVEN a stored file WHEN an editor deletes it THEN it leaves the lists, but the row
    and the bytes stay: what an analyst cited remains verifiable."""
    created = post_file(editor_api, publication).json()

    response = editor_api.delete(f"{URL}{created['id']}/")

    assert response.status_code == 204
    assert editor_api.get(URL).json()["count"] == 0
    assert EvidenceFile.objects.get(pk=created["id"]).is_archived
    assert [path.read_bytes() for path in stored_files(media)] == [PNG]


# -- reading and downloading -------------------------------------------------------------------


def test_download_serves_the_exact_bytes(viewer_api, publication):
    evidence = EvidenceFile.objects.create(
        publication=publication,
        file=ContentFile(JPEG, name="Robotyne\r\nsite.jpg"),
        content_type="image/jpeg",
    )

    response = viewer_api.get(f"{URL}{evidence.pk}/download/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == JPEG
    assert response["Content-Disposition"] == 'attachment; filename="Robotynesite.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/jpeg"
    # An image is not sandboxed (the site-wide CSP header is there, without "sandbox").
    assert "sandbox" not in response.get("Content-Security-Policy", "")
    assert (
        response["Repr-Digest"]
        == "sha-256=:" + base64.b64encode(hashlib.sha256(JPEG).digest()).decode() + ":"
    )


def test_a_file_of_unknown_type_is_served_sandboxed(viewer_api, publication):
    """A row written outside ``store_evidence`` (no detected type) is served as opaque bytes."""
    evidence = EvidenceFile.objects.create(publication=publication, file=ContentFile(PNG, "a.png"))

    response = viewer_api.get(f"{URL}{evidence.pk}/download/")

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Security-Policy"] == "sandbox"


def test_a_red_publication_s_files_are_absent(viewer_api, superuser_api):
    """GIVEN a file of a RED publication WHEN a non-superuser lists, reads or downloads it
    THEN it is absent (404, like a file that does not exist); a superuser gets it."""
    red = PublicationFactory(marking="red")
    evidence = EvidenceFile.objects.create(publication=red, file=ContentFile(PNG, name="a.png"))

    assert viewer_api.get(URL).json()["count"] == 0
    assert viewer_api.get(URL, {"sha256": evidence.sha256}).json()["count"] == 0
    assert viewer_api.get(f"{URL}{evidence.pk}/").status_code == 404
    hidden = viewer_api.get(f"{URL}{evidence.pk}/download/")
    missing = viewer_api.get(f"{URL}{evidence.pk + 1000}/download/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()

    assert superuser_api.get(f"{URL}{evidence.pk}/download/").status_code == 200


def test_an_html_capture_is_sandboxed(viewer_api, publication):
    evidence = EvidenceFile.objects.create(
        publication=publication,
        file=ContentFile(HTML, name="capture.html"),
        content_type="text/html",
    )

    response = viewer_api.get(f"{URL}{evidence.pk}/download/")

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Content-Type"] == "text/html"
    assert response["Content-Disposition"].startswith("attachment;")


def test_download_of_a_missing_file_is_a_clear_404(viewer_api, publication):
    evidence = EvidenceFile.objects.create(publication=publication, file=ContentFile(PNG, "a.png"))
    evidence.file.storage.delete(evidence.file.name)

    response = viewer_api.get(f"{URL}{evidence.pk}/download/")

    assert response.status_code == 404
    assert "verify_evidence" in response.json()["detail"]


def test_filters(viewer_api, publication):
    png = EvidenceFile.objects.create(publication=publication, file=ContentFile(PNG, "a.png"))
    jpeg = EvidenceFile.objects.create(
        publication=PublicationFactory(),
        file=ContentFile(JPEG, "b.jpg"),
        sensitivity="graphic_violence",
    )

    def ids(**params) -> list[int]:
        return [row["id"] for row in viewer_api.get(URL, params).json()["results"]]

    assert ids(publication=publication.pk) == [png.pk]
    assert ids(sensitivity="graphic_violence") == [jpeg.pk]
    assert ids(sha256=png.sha256.upper()) == [png.pk]


def test_list_queries_do_not_grow_with_rows(viewer_api, django_assert_num_queries):
    """GIVEN files with copies in other publications WHEN the list is read
    THEN it costs the same, pinned, number of queries for one file as for many."""
    for n in range(5):
        content = PNG + bytes([n])
        for publication in PublicationFactory.create_batch(2):
            EvidenceFile.objects.create(publication=publication, file=ContentFile(content, "a.png"))

    with CaptureQueriesContext(connection) as one_row:
        assert len(viewer_api.get(URL, {"page_size": 1}).json()["results"]) == 1
    # session, user, the reader's groups (for the marking rule), count, files (+publication
    # +source), duplicates of the page
    with django_assert_num_queries(6):
        body = viewer_api.get(URL, {"page_size": 50}).json()

    assert len(body["results"]) == 10
    assert all(len(row["duplicates"]) == 1 for row in body["results"])
    assert len(one_row) == 6


def test_publication_detail_lists_its_current_files(viewer_api, publication):
    """GIVEN a publication with a current and an archived file
    THEN its detail lists the current one with a download link; the list has no files."""
    current = EvidenceFile.objects.create(publication=publication, file=ContentFile(PNG, "a.png"))
    archived = EvidenceFile.objects.create(publication=publication, file=ContentFile(JPEG, "b.jpg"))
    archived.archive()

    detail = viewer_api.get(f"/api/publications/{publication.pk}/").json()
    listed = viewer_api.get("/api/publications/").json()["results"]

    assert [row["id"] for row in detail["files"]] == [current.pk]
    row = detail["files"][0]
    assert row["sha256"] == current.sha256
    assert row["download_url"].endswith(f"{URL}{current.pk}/download/")
    assert "files" not in listed[0]


def test_store_evidence_reports_duplicates_it_may_see(editor, publication):
    """The service, as scripts call it: the same bytes elsewhere are listed, not refused."""
    first = store_evidence(publication, upload(), user=editor, sensitivity="none")
    other = PublicationFactory()

    second = store_evidence(other, upload(name="copy.png"), user=editor, sensitivity="deceptive")

    assert first.duplicates == []
    assert [(d.file_id, d.publication_id) for d in second.duplicates] == [
        (first.evidence.pk, publication.pk)
    ]
    assert second.evidence.sensitivity == "deceptive"


# -- type detection and names ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (b"GIF89a\x01\x00", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (PDF, "application/pdf"),
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "video/mp4"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", "video/quicktime"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "image/heic"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "video/webm"),
        (b"\xef\xbb\xbf  <!-- saved with SingleFile -->\n<!doctype html><html>", "text/html"),
        (b"<HTML><body>", "text/html"),
        (b"A Telegram post, copied.\n", "text/plain"),
        (b"<svg onload=alert(1)>", "text/plain"),
        (ELF, "application/x-executable"),
        (b"\x00\x01\x02", None),
    ],
)
def test_types_are_read_from_the_bytes(head, expected):
    assert sniff_content_type(head) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("..\\..\\evil\r\n.png", "evil.png"),
        ("/etc/passwd", "passwd"),
        ("photo\u202egnp.exe", "photognp.exe"),
        ("", "evidence"),
        ("x" * 300 + ".mp4", "x" * 196 + ".mp4"),
    ],
)
def test_client_names_are_made_safe(name, expected):
    assert display_name(name) == expected


# -- verify_evidence ---------------------------------------------------------------------------


def run_verify(*args: str) -> tuple[str, CommandError | None]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_evidence", *args, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


@pytest.fixture
def three_files(publication):
    return [
        EvidenceFile.objects.create(publication=publication, file=ContentFile(content, name))
        for content, name in ((PNG, "a.png"), (JPEG, "b.jpg"), (PDF, "c.pdf"))
    ]


def test_verify_evidence_passes_when_every_file_matches(three_files):
    three_files[0].archive()  # archived files are checked too

    out, error = run_verify()

    assert error is None
    assert "3 files checked: 0 changed, 0 missing. Every file matches its hash." in out


def test_verify_evidence_finds_a_tampered_file(three_files, publication):
    """GIVEN a stored file whose bytes were overwritten in storage
    WHEN verify_evidence runs THEN it exits with status 1, naming the publication, the file and
    the expected and actual hashes."""
    tampered = three_files[1]
    Path(tampered.file.path).write_bytes(b"doctored frame")

    out, error = run_verify()

    assert error is not None and error.returncode == 1
    assert "1 changed, 0 missing" in str(error)
    assert f"publication #{publication.pk}" in out
    assert f"file #{tampered.pk} “b.jpg”" in out
    assert f"expected SHA-256 {hashlib.sha256(JPEG).hexdigest()}" in out
    assert f"actual {hashlib.sha256(b'doctored frame').hexdigest()}" in out
    assert out.count("MISMATCH") == 1


def test_verify_evidence_finds_a_missing_file(three_files):
    missing = three_files[2]
    missing.file.storage.delete(missing.file.name)

    out, error = run_verify()

    assert error is not None and error.returncode == 1
    assert "0 changed, 1 missing" in str(error)
    assert f"MISSING  publication #{missing.publication_id}" in out
    assert f"file #{missing.pk}" in out


def test_verify_evidence_can_be_limited_to_a_publication(three_files):
    other = EvidenceFile.objects.create(
        publication=PublicationFactory(), file=ContentFile(PNG, "x.png")
    )
    Path(other.file.path).write_bytes(b"changed")

    out, error = run_verify("--publication", str(three_files[0].publication_id))

    assert error is None
    assert "3 files checked" in out


def test_verify_evidence_shows_progress(three_files):
    err = io.StringIO()

    call_command("verify_evidence", stdout=io.StringIO(), stderr=err)

    assert "3/3 files checked, 0 problems" in err.getvalue()


# -- admin -------------------------------------------------------------------------------------


ADMIN_ADD = "/admin/sources/evidencefile/add/"


def test_admin_upload_refuses_a_bad_type(superuser_client, publication, media):
    response = superuser_client.post(
        ADMIN_ADD,
        {"publication": publication.pk, "file": upload(ELF), "sensitivity": "none"},
    )

    assert response.status_code == 200
    assert "by its content, which is not accepted" in response.content.decode()
    assert not EvidenceFile.objects.exists()
    assert stored_files(media) == []


def test_admin_upload_stores_and_reports_duplicates(superuser_client, superuser, publication):
    EvidenceFile.objects.create(
        publication=PublicationFactory(title="Reuters report"), file=ContentFile(PNG, "r.png")
    )

    response = superuser_client.post(
        ADMIN_ADD,
        {"publication": publication.pk, "file": upload(), "sensitivity": "graphic_violence"},
    )

    assert response.status_code == 302
    evidence = EvidenceFile.objects.get(publication=publication)
    assert evidence.content_type == "image/png"
    assert evidence.created_by == superuser
    assert evidence.file.name.endswith(".png")
    warnings = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert len(warnings) == 1 and "“Reuters report”" in warnings[0]


def test_admin_upload_refuses_a_duplicate_in_the_publication(superuser_client, publication):
    EvidenceFile.objects.create(publication=publication, file=ContentFile(PNG, "first.png"))

    response = superuser_client.post(
        ADMIN_ADD, {"publication": publication.pk, "file": upload(), "sensitivity": "none"}
    )

    assert response.status_code == 200
    assert "already evidence for this publication" in response.content.decode()
    assert EvidenceFile.objects.count() == 1


def test_admin_change_page_links_to_the_checked_download(superuser_client, publication):
    evidence = EvidenceFile.objects.create(publication=publication, file=ContentFile(PNG, "a.png"))

    response = superuser_client.get(f"/admin/sources/evidencefile/{evidence.pk}/change/")

    assert response.status_code == 200
    assert f"{URL}{evidence.pk}/download/" in response.content.decode()


def test_a_first_version_s_replaces_is_null_and_the_schema_says_so(viewer_api, publication):
    """Found by the Schemathesis run: ``replaces`` is null on a first version, which the
    schema did not allow."""
    evidence = EvidenceFile.objects.create(
        publication=publication, file=ContentFile(PNG, name="a.png"), content_type="image/png"
    )
    assert viewer_api.get(f"{URL}{evidence.pk}/").json()["replaces"] is None
    schema = viewer_api.get("/api/schema/?format=json").json()
    assert schema["components"]["schemas"]["EvidenceFile"]["properties"]["replaces"]["nullable"]
