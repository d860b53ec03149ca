"""Beckn network roles and the actions each one receives (core 1.1.1).

A BPP (provider platform) receives the ten requests and answers them by callback; a BAP (buyer
app) receives the ten ``on_*`` callbacks; a BG (gateway) receives ``search`` to multicast and
the ``on_search`` answers it relays. A node plays one or more roles and accepts exactly the
union of their actions: anything else would be answered by a node that never meant to, e.g. a
buyer node taking a ``confirm`` it has no goods for.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

from duijie.protocol.context import Action

__all__ = ["ROLE_ACTIONS", "Role", "accepted_actions", "default_roles", "parse_roles", "role_refusal"]


class Role(enum.StrEnum):
    """The three Beckn roles a duijie node can play (the registry role is every node's lookup)."""

    BPP = "BPP"
    BG = "BG"
    BAP = "BAP"


ROLE_ACTIONS: Mapping[Role, frozenset[Action]] = {
    Role.BPP: frozenset(a for a in Action if not a.is_callback),
    Role.BAP: frozenset(a for a in Action if a.is_callback),
    Role.BG: frozenset({Action.SEARCH, Action.ON_SEARCH}),
}
"""What each role receives. A BPP receives no callback at all in 1.1.1."""

_ORDER = (Role.BPP, Role.BG, Role.BAP)
"""Published order: the most specific role first, since a registry lookup record has one ``type``."""


def parse_roles(values: Iterable[str]) -> tuple[Role, ...]:
    """Role names (any case, repeats allowed) as a tuple in the published order; ValueError names a bad one."""
    wanted: set[Role] = set()
    for value in values:
        try:
            wanted.add(Role(value.strip().upper()))
        except ValueError:
            raise ValueError(f"unknown role {value!r}: choose from {', '.join(r.value for r in _ORDER)}") from None
    return tuple(r for r in _ORDER if r in wanted)


def default_roles(*, hosts_providers: bool, gateway: bool) -> tuple[Role, ...]:
    """What a node plays when not told: BAP always (any node can buy), BPP when it hosts
    providers, BG when asked to be a gateway."""
    chosen = [Role.BAP]
    if hosts_providers:
        chosen.append(Role.BPP)
    if gateway:
        chosen.append(Role.BG)
    return parse_roles(chosen)


def accepted_actions(roles: Iterable[str]) -> frozenset[Action]:
    """The union of the actions the given roles receive."""
    out: frozenset[Action] = frozenset()
    for role in parse_roles(roles):
        out |= ROLE_ACTIONS[role]
    return out


def role_refusal(action: Action, roles: Iterable[str]) -> str:
    """The NACK message for an action none of ``roles`` receives: what this node plays, and who would."""
    mine = "+".join(r.value for r in parse_roles(roles)) or "no role"
    takers = " or ".join(r.value for r in _ORDER if action in ROLE_ACTIONS[r])
    return f"this node plays {mine}; {action.value} is received by a {takers}, not by this node"
