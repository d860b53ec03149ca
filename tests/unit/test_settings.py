"""The node's settings: flags given win, then the DUIJIE_* environment, then the defaults."""

from __future__ import annotations

import pytest

from duijie.protocol.roles import Role
from duijie.settings import SettingError, Settings

_VARS = ("DUIJIE_PEER_INTERVAL", "DUIJIE_PEER_TIMEOUT", "DUIJIE_PEER_RATE", "DUIJIE_POOL_INTERVAL",
         "DUIJIE_LOCAL_INDEX", "DUIJIE_SEMANTIC")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _VARS:
        monkeypatch.delenv(name, raising=False)


def test_defaults_without_environment() -> None:
    s = Settings()
    assert (s.peer_interval, s.peer_timeout, s.peer_rate, s.pool_interval) == (3.0, 5.0, 50.0, 1.0)
    assert s.local_index is True and s.semantic is None
    assert s.all_roles == (Role.BPP, Role.BAP)


def test_environment_is_read_when_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUIJIE_PEER_INTERVAL", "0.5")
    monkeypatch.setenv("DUIJIE_PEER_RATE", "5")
    monkeypatch.setenv("DUIJIE_LOCAL_INDEX", "0")
    monkeypatch.setenv("DUIJIE_SEMANTIC", "0")
    s = Settings(gateway=True)
    monkeypatch.setenv("DUIJIE_PEER_INTERVAL", "9")  # read once: a later change does not reach it
    assert (s.peer_interval, s.peer_rate, s.local_index, s.semantic) == (0.5, 5.0, False, False)
    assert Role.BG in s.all_roles


def test_a_value_given_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUIJIE_POOL_INTERVAL", "7")
    assert Settings(pool_interval=0.1).pool_interval == 0.1


@pytest.mark.parametrize(("name", "value", "says"), [
    ("DUIJIE_PEER_TIMEOUT", "soon", "DUIJIE_PEER_TIMEOUT must be a number"),
    ("DUIJIE_PEER_RATE", "0", "DUIJIE_PEER_RATE must be greater than 0"),
    ("DUIJIE_SEMANTIC", "yes", "DUIJIE_SEMANTIC must be 0 or 1"),
])
def test_a_bad_value_is_refused_by_name(monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingError, match=says):
        Settings()


def test_settings_are_frozen() -> None:
    with pytest.raises(AttributeError):
        Settings().peer_rate = 1.0  # type: ignore[misc]
