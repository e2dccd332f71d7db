"""Identifiers of new records.

``uuid7`` (RFC 9562, version 7): 48 bits of Unix time in milliseconds, then 74 random bits.
Records created together get neighbouring uuids, so the unique index on ``uuid`` grows at its
right edge like the primary key's instead of taking each new row on a random leaf page. With
version 4 uuids, a bulk load touched a different leaf of the uuid index for every row, and
right after a checkpoint each such page is written whole to the write-ahead log: several times
the log and a slower load (bench/README.md). Python has ``uuid.uuid7`` from 3.14; this is the
same layout.

The time in a uuid is when the record was created, as ``created_at`` says already.
"""

import os
import time
import uuid

_VERSION = 0x7 << 76
_VARIANT = 0b10 << 62
# Every bit but the version's four and the variant's two.
_RANDOM = ((1 << 80) - 1) & ~(0xF << 76) & ~(0b11 << 62)


def uuid7() -> uuid.UUID:
    """A new version 7 UUID: time-ordered to the millisecond, random within it."""
    milliseconds = time.time_ns() // 1_000_000
    random = int.from_bytes(os.urandom(10), "big") & _RANDOM
    return uuid.UUID(int=(milliseconds << 80) | _VERSION | _VARIANT | random)
