"""The role → actions table, the default roles and the refusal message."""

from __future__ import annotations

import pytest

from duijie.protocol.context import Action
from duijie.protocol.roles import ROLE_ACTIONS, Role, accepted_actions, default_roles, parse_roles, role_refusal


def test_a_bpp_receives_the_ten_requests_and_no_callback() -> None:
    assert ROLE_ACTIONS[Role.BPP] == {a for a in Action if not a.value.startswith("on_")}
    assert len(ROLE_ACTIONS[Role.BPP]) == 10


def test_a_bap_receives_exactly_the_ten_callbacks() -> None:
    assert ROLE_ACTIONS[Role.BAP] == {a for a in Action if a.value.startswith("on_")}
    assert len(ROLE_ACTIONS[Role.BAP]) == 10


def test_a_gateway_receives_search_and_on_search_only() -> None:
    assert ROLE_ACTIONS[Role.BG] == {Action.SEARCH, Action.ON_SEARCH}


def test_a_buyer_gateway_accepts_callbacks_and_search_but_not_confirm() -> None:
    accepted = accepted_actions(["BAP", "BG"])
    assert Action.ON_CONFIRM in accepted and Action.SEARCH in accepted
    assert Action.CONFIRM not in accepted and Action.SELECT not in accepted


def test_roles_parse_in_any_case_without_repeats_most_specific_first() -> None:
    assert parse_roles(["bap", "BPP", "bap", " bg "]) == (Role.BPP, Role.BG, Role.BAP)


def test_an_unknown_role_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'BX'"):
        parse_roles(["BX"])


@pytest.mark.parametrize(
    ("hosts", "gateway", "expected"),
    [
        (False, False, (Role.BAP,)),
        (True, False, (Role.BPP, Role.BAP)),
        (False, True, (Role.BG, Role.BAP)),
        (True, True, (Role.BPP, Role.BG, Role.BAP)),
    ],
)
def test_by_default_every_node_buys_and_sells_only_when_it_hosts_providers(
    hosts: bool, gateway: bool, expected: tuple[Role, ...]
) -> None:
    assert default_roles(hosts_providers=hosts, gateway=gateway) == expected


def test_the_refusal_names_this_nodes_roles_and_who_would_take_the_action() -> None:
    message = role_refusal(Action.CONFIRM, ["BAP"])
    assert "plays BAP" in message and "confirm is received by a BPP" in message
    assert "BG" in role_refusal(Action.ON_SEARCH, ["BPP"])
