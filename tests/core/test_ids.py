"""New records' uuids are version 7: time-ordered, so the uuid indexes grow at one end."""

import time
import uuid

import pytest

from core.ids import uuid7
from tests.factories import ClaimFactory, SourceFactory


def test_uuid7_has_the_rfc_9562_layout():
    value = uuid7()
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    # The first 48 bits are the Unix time in milliseconds.
    assert abs((value.int >> 80) - time.time_ns() // 1_000_000) < 5_000


def test_uuid7_orders_by_time_and_never_repeats():
    earlier = [uuid7() for _ in range(1000)]
    time.sleep(0.002)
    later = uuid7()
    assert len(set(earlier)) == 1000
    assert all(value < later for value in earlier)


@pytest.mark.django_db
def test_new_records_get_time_ordered_uuids():
    first = ClaimFactory()
    time.sleep(0.002)
    second = ClaimFactory()
    source = SourceFactory()
    assert first.uuid.version == second.uuid.version == source.uuid.version == 7
    assert first.uuid < second.uuid < source.uuid
