"""Reading what is to be imported: a JSON document or a CSV of claims or units."""

from pathlib import Path
from typing import Any

import orjson

from core.api.parsers import JSONTooDeep, read_json

from .csv import CsvFormatError, document_from_csv


class ImportFileError(ValueError):
    """The file cannot be read at all; the message says why, for a person."""


def parse_import_bytes(content: bytes, name: str) -> dict[str, Any]:
    """A document from uploaded or read bytes: CSV if the name ends in .csv, JSON otherwise."""
    try:
        # utf-8-sig: spreadsheets save CSV with a byte-order mark.
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{name} is not UTF-8 text (byte {exc.start}).") from exc
    if name.lower().endswith(".csv"):
        try:
            return document_from_csv(text)
        except CsvFormatError as exc:
            raise ImportFileError(f"{name}: {exc}") from exc
    try:
        data = read_json(text)
    except orjson.JSONDecodeError as exc:
        raise ImportFileError(
            f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from exc
    except JSONTooDeep as exc:
        raise ImportFileError(f"{name}: {exc}") from exc
    if not isinstance(data, dict):
        raise ImportFileError(f"{name}: expected a Claimtrace document (a JSON object).")
    return data


def read_import_file(path: Path) -> dict[str, Any]:
    """The document in ``path`` (JSON, or CSV by its extension)."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    return parse_import_bytes(content, path.name)
