"""Lossless export and import of the domain data: a versioned JSON document, and CSV rows.

- ``document``: the JSON format (``{"format": "claimtrace", "version": 1, ...}``), written
  as a stream of fragments so an export never holds all rows in memory;
- ``importer``: validates every record of a document, then writes all or nothing;
- ``csv``: flat rows of claims and units for spreadsheets, and their import.
"""

FORMAT_NAME = "claimtrace"
FORMAT_VERSION = 1
