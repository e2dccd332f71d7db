"""Uploads and input limits across entry paths: client filenames are never paths, sizes and
types are checked in the API and the admin alike, request bodies are capped."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from claims.models import Claim
from sources.models import EvidenceFile
from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    """Stored files go to a folder of this test alone."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _files_outside(media: Path) -> list[Path]:
    """Files written anywhere under the test's folder except media/evidence/."""
    root = media.parent
    return [
        path
        for path in root.rglob("*")
        if path.is_file() and not path.is_relative_to(media / "evidence")
    ]


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("/etc/cron.d/evil.png", "evil.png"),
        ("photo\x00.php.png", "photo.php.png"),
        ("фото\u202egnp.exe.png", "фотоgnp.exe.png"),
    ],
)
def test_api_upload_stores_under_a_generated_name(editor_api, media, name, shown):
    """GIVEN a filename with a path, a NUL, or a right-to-left override WHEN uploaded THEN the
    bytes land under media/evidence/ with a generated name, and the name shown is the last
    component with control and format characters removed."""
    publication = PublicationFactory()
    upload = SimpleUploadedFile(name, PNG, content_type="image/png")
    response = editor_api.post(
        "/api/evidence-files/",
        {"publication": publication.pk, "file": upload, "sensitivity": "none"},
        format="multipart",
    )
    if response.status_code == 400:
        # A name whose extension contradicts the bytes may be refused; then nothing is stored.
        assert "file" in response.json()
        assert not EvidenceFile.objects.exists()
        assert _files_outside(media) == []
        return
    assert response.status_code == 201, response.content
    evidence = EvidenceFile.objects.get()
    stored = Path(evidence.file.path).resolve()
    assert stored.is_relative_to((media / "evidence").resolve())
    assert Path(name).stem not in stored.name and "passwd" not in str(stored)
    assert evidence.original_name == shown
    assert _files_outside(media) == []


def test_admin_upload_over_the_size_limit_is_refused(superuser_client, settings, media):
    """The admin form runs the same size check as the API."""
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 100
    publication = PublicationFactory()
    response = superuser_client.post(
        "/admin/sources/evidencefile/add/",
        {
            "publication": publication.pk,
            "file": SimpleUploadedFile("photo.png", PNG, content_type="image/png"),
            "sensitivity": "none",
        },
    )
    assert response.status_code == 200
    assert "largest evidence file accepted is 100 bytes" in response.content.decode()
    assert not EvidenceFile.objects.exists()
    assert not (media / "evidence").exists() or not any((media / "evidence").iterdir())


def test_declared_type_is_not_trusted(editor_api, media):
    """A PDF sent as image/png is refused: the type is read from the bytes."""
    publication = PublicationFactory()
    pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    response = editor_api.post(
        "/api/evidence-files/",
        {
            "publication": publication.pk,
            "file": SimpleUploadedFile("photo.png", pdf, content_type="image/png"),
            "sensitivity": "none",
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "application/pdf" in response.json()["file"][0]


def test_a_json_body_over_the_memory_limit_is_a_clear_400(editor_api, settings):
    """GIVEN DATA_UPLOAD_MAX_MEMORY_SIZE WHEN a larger JSON body is posted THEN 413 with a
    message, not Django's HTML 400 page, and nothing is written."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"title": "Big", "statement": "x" * 5000, "kind": "event"})
    response = editor_api.post("/api/claims/", body, content_type="application/json")
    assert response.status_code == 413
    assert "larger than the 1 KB accepted" in response.json()["detail"]
    assert not Claim.objects.filter(title="Big").exists()


def test_the_default_body_limit_is_set(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 5 * 1024 * 1024
