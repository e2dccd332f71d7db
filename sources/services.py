"""Evidence files: checking an upload, storing it as a new version, finding duplicates, and
verifying that stored bytes still match their hash.

Every entry path (API, admin, scripts) stores evidence through ``store_evidence``, so the
size and type limits, the duplicate rules and the version chain hold everywhere.
"""

import hashlib
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction

from core.choices import Sensitivity

from .models import EvidenceFile, Publication, compute_sha256

DEFAULT_MAX_UPLOAD_BYTES = 200 * 1024 * 1024

# How many leading bytes decide a file's type: enough for every signature below and for an
# HTML capture that starts with a long comment (SingleFile, "Save page as").
SNIFF_BYTES = 8192

# Declared types that say nothing (browsers send these for unknown extensions).
CHOSEN_FIELDS = ("sensitivity", "description")

UNDECLARED_TYPES = {"", "application/octet-stream", "binary/octet-stream"}

# Other names clients use for the types we detect.
TYPE_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "video/x-m4v": "video/mp4",
    "application/x-pdf": "application/pdf",
    "application/xhtml+xml": "text/html",
}


@dataclass(frozen=True)
class FileType:
    """A type that can be recognised from a file's first bytes."""

    content_type: str
    label: str
    extensions: tuple[str, ...] = ()


# Everything the sniffer recognises; what is accepted is ``settings.EVIDENCE_ALLOWED_TYPES``.
# Types recognised but not accepted are named in the error, so the user knows what they sent.
FILE_TYPES = {
    file_type.content_type: file_type
    for file_type in (
        FileType("image/jpeg", "JPEG image", (".jpg", ".jpeg", ".jpe", ".jfif")),
        FileType("image/png", "PNG image", (".png",)),
        FileType("image/gif", "GIF image", (".gif",)),
        FileType("image/webp", "WebP image", (".webp",)),
        FileType("image/heic", "HEIC/AVIF image"),
        FileType("video/mp4", "MP4 video", (".mp4", ".m4v")),
        FileType("video/quicktime", "QuickTime video", (".mov", ".qt")),
        FileType("video/webm", "WebM video", (".webm",)),
        FileType("video/x-matroska", "Matroska video"),
        FileType("application/pdf", "PDF document", (".pdf",)),
        FileType("text/html", "HTML capture", (".html", ".htm")),
        FileType("text/plain", "plain text", (".txt", ".text", ".md", ".log", ".csv")),
        FileType("application/x-executable", "program (ELF or Windows executable)"),
        FileType("application/zip", "ZIP archive"),
    )
}

# ISO base media (MP4, QuickTime) brands that are still images, not video.
IMAGE_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}
# Top-level atoms an old QuickTime file (without ``ftyp``) starts with.
QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


class DuplicateEvidence(ValidationError):
    """The same bytes are already a file of this publication."""

    def __init__(self, existing: EvidenceFile) -> None:
        self.existing = existing
        state = " (archived)" if existing.is_archived else ""
        super().__init__(
            {
                "file": (
                    f"This file is already evidence for this publication: "
                    f"“{existing.original_name or existing.file.name}” (file #{existing.pk}"
                    f"{state}, SHA-256 {existing.sha256}). A file is stored once per "
                    "publication; upload a different version or use the existing one."
                )
            },
            code="duplicate",
        )


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed the size and type checks, with its hash: ready to store."""

    file: File
    content_type: str
    original_name: str
    extension: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Duplicate:
    """The same bytes stored as a file of another publication."""

    file_id: int
    original_name: str
    publication_id: int
    publication_title: str


@dataclass
class StoredEvidence:
    """The stored file and the other publications the same bytes are evidence for."""

    evidence: EvidenceFile
    duplicates: list[Duplicate] = field(default_factory=list)


# -- checking an upload (no database access: usable from any form's ``clean_file``)


def max_upload_bytes() -> int:
    """The largest accepted evidence file (``EVIDENCE_MAX_UPLOAD_MB``, default 200 MB)."""
    return int(getattr(settings, "EVIDENCE_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def allowed_types() -> list[str]:
    """The accepted content types, as detected from the bytes."""
    return list(getattr(settings, "EVIDENCE_ALLOWED_TYPES", ()))


def format_size(size: int) -> str:
    """A byte count for people: ``200 MB``, ``1.5 MB``, ``812 bytes``."""
    if size < 1024 * 1024:
        return f"{size} bytes" if size < 1024 else f"{size / 1024:.1f} KB".replace(".0 ", " ")
    return f"{size / 1024 / 1024:.1f} MB".replace(".0 ", " ")


def display_name(name: str | None, fallback: str = "evidence") -> str:
    """A client's filename made safe to show and to send in ``Content-Disposition``.

    Only the last path component is kept (a name is never a path), control and format
    characters (newlines, bidi overrides that disguise ``gpj.exe`` as ``exe.jpg``) are
    dropped, whitespace is collapsed and the length capped, keeping the extension.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split()).strip(" .")
    if not name:
        return fallback
    suffix = PurePath(name).suffix[:16]
    if len(name) > 200:
        name = name[: 200 - len(suffix)].rstrip(" .") + suffix
    return name


def _decode_text(head: bytes) -> str | None:
    """``head`` as text if it is text (UTF-8 or UTF-16 with a BOM), else ``None``."""
    if head.startswith(b"\xef\xbb\xbf"):
        head, encoding = head[3:], "utf-8"
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    if encoding == "utf-8" and b"\x00" in head:
        return None
    # The head may end inside a multi-byte character: drop up to three trailing bytes.
    for cut in range(4):
        try:
            text = head[: len(head) - cut].decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f" for ch in text):
            return None
        return text
    return None


def _looks_like_html(text: str) -> bool:
    """Whether decoded text starts like an HTML document (after comments and an XML prolog)."""
    rest = text.lstrip().lower()
    while rest.startswith(("<!--", "<?xml")):
        end = rest.find("-->" if rest.startswith("<!--") else "?>")
        if end < 0:
            return False
        rest = rest[end + (3 if rest.startswith("<!--") else 2) :].lstrip()
    return rest.startswith(("<!doctype html", "<html"))


def sniff_content_type(head: bytes) -> str | None:
    """The type of a file from its first bytes (magic numbers), or ``None`` if unknown.

    The filename and the type the client declares are never trusted: both are set by
    whoever uploads.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in IMAGE_BRANDS:
            return "image/heic"
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if head[4:8] in QUICKTIME_ATOMS:
        return "video/quicktime"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        # Matroska and WebM share the EBML header; the DocType element names which.
        return "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    if head.startswith((b"\x7fELF", b"MZ")):
        return "application/x-executable"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    text = _decode_text(head)
    if text is None:
        return None
    return "text/html" if _looks_like_html(text) else "text/plain"


def _accepted_labels() -> str:
    labels = [FILE_TYPES[ct].label if ct in FILE_TYPES else ct for ct in allowed_types()]
    return ", ".join(labels)


def _read_head(upload: File) -> bytes:
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    return head if isinstance(head, bytes) else head.encode()


def check_upload(upload: File) -> CheckedUpload:
    """Check an uploaded file's size and type and hash it; raise ``ValidationError`` (on
    ``file``) with a message a person can act on.

    The type comes from the file's first bytes; a declared type (``content_type``) or a name
    extension that disagrees with them is refused, so a program renamed ``photo.png`` or text
    declared as ``image/png`` never gets in.
    """
    limit = max_upload_bytes()
    size = upload.size or 0
    if size == 0:
        raise ValidationError({"file": "The file is empty."}, code="empty")
    if size > limit:
        raise ValidationError(
            {
                "file": f"The file is {format_size(size)}; the largest evidence file accepted "
                f"is {format_size(limit)}. Upload a shorter clip or a compressed version."
            },
            code="too_large",
        )

    original_name = display_name(getattr(upload, "name", ""))
    sniffed = sniff_content_type(_read_head(upload))
    if sniffed is None or sniffed not in allowed_types():
        what = FILE_TYPES[sniffed].label if sniffed in FILE_TYPES else "of an unknown type"
        raise ValidationError(
            {
                "file": f"“{original_name}” is {'a ' if sniffed in FILE_TYPES else ''}{what} "
                f"by its content, which is not accepted as evidence. Accepted: "
                f"{_accepted_labels()} (the type is read from the file itself, not its name)."
            },
            code="type",
        )
    file_type = FILE_TYPES[sniffed]

    declared = (getattr(upload, "content_type", None) or "").split(";")[0].strip().lower()
    declared = TYPE_ALIASES.get(declared, declared)
    if declared not in UNDECLARED_TYPES and declared != sniffed:
        raise ValidationError(
            {
                "file": f"“{original_name}” was sent as {declared}, but its content is a "
                f"{file_type.label} ({sniffed}). Send it with its real type."
            },
            code="type_mismatch",
        )
    extension = PurePath(original_name).suffix.lower()
    if extension and extension not in file_type.extensions:
        raise ValidationError(
            {
                "file": f"“{original_name}” is named {extension}, but its content is a "
                f"{file_type.label}. Rename it to end in {' or '.join(file_type.extensions)}."
            },
            code="type_mismatch",
        )

    return CheckedUpload(
        file=upload,
        content_type=sniffed,
        original_name=original_name,
        # Our own extension for the type, never the client's: the stored name is ours alone.
        extension=file_type.extensions[0],
        sha256=compute_sha256(upload),
        size=size,
    )


# -- placing it in a publication (database reads)


def check_placement(
    publication: Publication, sha256: str, replaces: EvidenceFile | None = None
) -> None:
    """Refuse (``ValidationError``) a file that cannot be added to ``publication``: an
    archived publication, the same bytes already in it, or a bad ``replaces``."""
    if publication.is_archived:
        raise ValidationError(
            {"publication": "This publication is archived; restore it before adding files."}
        )
    existing = EvidenceFile.objects.filter(publication=publication, sha256=sha256).first()
    if existing is not None:
        raise DuplicateEvidence(existing)
    if replaces is None:
        return
    if replaces.publication_id != publication.pk:
        raise ValidationError(
            {
                "replaces": f"File #{replaces.pk} belongs to another publication; a new "
                "version must be a file of the same publication."
            }
        )
    if replaces.is_archived:
        raise ValidationError(
            {"replaces": f"File #{replaces.pk} is archived; restore it or replace a current one."}
        )
    newer = EvidenceFile.objects.filter(replaces=replaces).order_by("pk").first()
    if newer is not None:
        raise ValidationError(
            {
                "replaces": f"File #{replaces.pk} already has a newer version, file #{newer.pk} "
                f"(“{newer.original_name}”); replace that one so versions stay one chain."
            }
        )


def duplicates_of(files: Iterable[EvidenceFile], user) -> dict[int, list[Duplicate]]:
    """For each file, the files of *other* publications with the same bytes that ``user``
    may see (one query for any number of files)."""
    files = list(files)
    hashes = {evidence.sha256 for evidence in files if evidence.sha256}
    found: dict[str, list[EvidenceFile]] = defaultdict(list)
    if hashes:
        others = (
            EvidenceFile.objects.visible_to(user)
            .filter(sha256__in=hashes)
            .select_related("publication")
            .only("sha256", "original_name", "publication", "publication__title")
            .order_by("pk")
        )
        for other in others:
            found[other.sha256].append(other)
    return {
        evidence.pk: [
            Duplicate(other.pk, other.original_name, other.publication_id, other.publication.title)
            for other in found[evidence.sha256]
            if other.publication_id != evidence.publication_id
        ]
        for evidence in files
    }


def store_evidence(
    publication: Publication,
    uploaded_file: File | CheckedUpload,
    *,
    user,
    sensitivity: str,
    description: str = "",
    replaces: EvidenceFile | None = None,
    instance: EvidenceFile | None = None,
) -> StoredEvidence:
    """Check and store an uploaded file as evidence for ``publication`` (one transaction).

    The bytes are stored under a random name with the extension of their detected type; the
    client's filename is kept only as ``original_name``. The same bytes already in this
    publication are refused (``DuplicateEvidence``); the same bytes in other publications are
    accepted and listed in the result. ``replaces`` makes the file a new version of an
    earlier one, which stays as it was. Pass a ``CheckedUpload`` (from ``check_upload``) to
    skip checking twice, and ``instance`` to fill an unsaved ``EvidenceFile`` (the admin's).
    """
    checked = (
        uploaded_file if isinstance(uploaded_file, CheckedUpload) else check_upload(uploaded_file)
    )
    if sensitivity not in Sensitivity.values:
        raise ValidationError(
            {"sensitivity": f"Choose one of {', '.join(Sensitivity.values)}."}, code="invalid"
        )
    evidence = instance if instance is not None else EvidenceFile()
    evidence.publication = publication
    # A fresh File under our own name: the storage's name is ``evidence/<uuid><ext>``.
    evidence.file = File(checked.file, name=f"upload{checked.extension}")
    evidence.original_name = checked.original_name
    evidence.content_type = checked.content_type
    evidence.sensitivity = sensitivity
    evidence.description = description
    evidence.replaces = replaces
    # The fields a caller chose (the rest are checked above or computed on save).
    evidence.clean_fields(
        exclude=[f.name for f in EvidenceFile._meta.fields if f.name not in CHOSEN_FIELDS]
    )
    evidence.stamp(user)

    with transaction.atomic():
        if replaces is not None:
            # Lock the earlier version so two new versions of it cannot both be accepted.
            replaces = EvidenceFile.objects.select_for_update().get(pk=replaces.pk)
        check_placement(publication, checked.sha256, replaces)
        try:
            # A savepoint: a concurrent upload of the same bytes trips the unique constraint.
            with transaction.atomic():
                evidence.save()  # hashes the bytes again: the stored digest is the model's own
        except IntegrityError:
            _discard_stored(evidence)
            existing = EvidenceFile.objects.filter(
                publication=publication, sha256=checked.sha256
            ).first()
            if existing is None:
                raise
            raise DuplicateEvidence(existing) from None
        duplicates = duplicates_of([evidence], user)[evidence.pk]
    return StoredEvidence(evidence=evidence, duplicates=duplicates)


def _discard_stored(evidence: EvidenceFile) -> None:
    """Remove bytes written to storage for a row that was not saved."""
    name = evidence.file.name
    if name and getattr(evidence.file, "_committed", False):
        evidence.file.storage.delete(name)


# -- integrity


@dataclass(frozen=True)
class IntegrityProblem:
    """A stored file whose bytes are missing or no longer match their hash."""

    evidence: EvidenceFile
    kind: str  # "missing" or "mismatch"
    actual_sha256: str = ""
    actual_size: int | None = None
    detail: str = ""

    def describe(self) -> str:
        """One line naming the publication, the file and what is wrong."""
        evidence = self.evidence
        where = (
            f"publication #{evidence.publication_id} “{evidence.publication.title}”, "
            f"file #{evidence.pk} “{evidence.original_name}” ({evidence.file.name or 'no name'})"
        )
        if self.kind == "missing":
            return f"MISSING  {where}: {self.detail or 'not found in storage'}"
        size = (
            f"; size expected {evidence.size}, actual {self.actual_size}"
            if self.actual_size != evidence.size
            else ""
        )
        return (
            f"MISMATCH {where}: expected SHA-256 {evidence.sha256}, "
            f"actual {self.actual_sha256}{size}"
        )


def verify_stored(evidence: EvidenceFile, chunk_size: int = 1024 * 1024) -> IntegrityProblem | None:
    """Re-hash ``evidence``'s stored bytes through the storage API; ``None`` if intact."""
    if not evidence.file.name:
        return IntegrityProblem(evidence, "missing", detail="no stored file recorded")
    digest, size = hashlib.sha256(), 0
    try:
        with evidence.file.storage.open(evidence.file.name, "rb") as handle:
            while chunk := handle.read(chunk_size):
                digest.update(chunk)
                size += len(chunk)
    except FileNotFoundError:
        return IntegrityProblem(evidence, "missing")
    except OSError as error:
        return IntegrityProblem(evidence, "missing", detail=f"cannot be read: {error}")
    actual = digest.hexdigest()
    if actual != evidence.sha256 or size != evidence.size:
        return IntegrityProblem(evidence, "mismatch", actual_sha256=actual, actual_size=size)
    return None
