"""Shared fixtures for protocol tests: the BECKN-006 V1 key pair and fixed instants."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from duijie.protocol.keys import EncryptionKey, NodeKeys, SigningKey

# beckn-vectors.md V1 (BECKN-006 worked example)
V1_PRIVATE = "lP3sHA+9gileOkXYJXh4Jg8tK0gEEMbf9yCPnFpbldhrAY+NErqL9WD+Vav7TE5tyVXGXBle9ONZi2W7o144eQ=="
V1_PUBLIC = "awGPjRK6i/Vg/lWr+0xObclVxlwZXvTjWYtlu6NeOHk="


@pytest.fixture
def v1_key() -> SigningKey:
    return SigningKey.from_base64(V1_PRIVATE)


@pytest.fixture
def bap_keys() -> NodeKeys:
    return NodeKeys(
        subscriber_id="bap.duijie.test",
        unique_key_id="k1",
        signing=SigningKey.from_base64(V1_PRIVATE),
        encryption=EncryptionKey.generate(),
        valid_from=datetime(2020, 1, 1, tzinfo=UTC),
        valid_until=datetime(2030, 1, 1, tzinfo=UTC),
    )
