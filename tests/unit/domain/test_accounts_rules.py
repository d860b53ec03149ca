"""Rules of the merchant accounts: lock-out, password and name rules, session lifetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from duijie.domain.accounts import (
    LOCK_FOR,
    MAX_FAILURES,
    SESSION_IDLE,
    SESSION_LIFETIME,
    Account,
    AccountRuleError,
    Role,
    check_name,
    check_password,
    new_session,
)

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def an_account() -> Account:
    return Account("cashier", Role.STAFF, "$argon2id$...", NOW)


def test_the_fifth_failure_in_a_row_locks_for_fifteen_minutes() -> None:
    account = an_account()
    for _ in range(MAX_FAILURES - 1):
        account = account.after_failure(NOW)
        assert not account.is_locked(NOW)
    account = account.after_failure(NOW)
    assert MAX_FAILURES == 5 and LOCK_FOR == timedelta(minutes=15)
    assert account.is_locked(NOW) and account.is_locked(NOW + LOCK_FOR - timedelta(seconds=1))
    assert not account.is_locked(NOW + LOCK_FOR)


def test_a_success_forgets_earlier_failures() -> None:
    account = an_account().after_failure(NOW).after_failure(NOW).after_success()
    assert account.failed_logins == 0
    for _ in range(MAX_FAILURES - 1):
        account = account.after_failure(NOW)
    assert not account.is_locked(NOW)


def test_unlock_lifts_a_lock() -> None:
    account = an_account()
    for _ in range(MAX_FAILURES):
        account = account.after_failure(NOW)
    assert account.is_locked(NOW) and not account.unlocked().is_locked(NOW)


@pytest.mark.parametrize("password", ["short", "123456789", "x" * 257])
def test_passwords_of_a_bad_length_are_refused(password: str) -> None:
    with pytest.raises(AccountRuleError):
        check_password(password)


def test_a_ten_character_password_and_a_long_phrase_are_accepted() -> None:
    assert check_password("0123456789") == "0123456789"
    assert check_password("羊肉泡馍要多放辣子" * 3)


@pytest.mark.parametrize("name", ["", "-admin", "a b", "店长", "x" * 65, "a/b"])
def test_names_outside_the_rule_are_refused(name: str) -> None:
    with pytest.raises(AccountRuleError):
        check_name(name)


def test_sessions_end_when_idle_or_at_their_lifetime() -> None:
    session = new_session("h", "cashier", NOW)
    assert session.is_live(NOW + SESSION_IDLE - timedelta(seconds=1))
    assert not session.is_live(NOW + SESSION_IDLE)
    used = type(session)(session.id_hash, session.account, session.created_at, session.expires_at,
                         NOW + SESSION_LIFETIME - timedelta(minutes=1))
    assert not used.is_live(NOW + SESSION_LIFETIME)
