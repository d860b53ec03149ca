"""Our own compact JSON Schema for inbound Beckn envelopes (core 1.1 shape).

Written for duijie, not copied from the Beckn specification. It checks only what the node needs
before handing a message on: the context fields that route and correlate it, and the one
``message`` key each action is about. Deeper checks belong to the mappers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import fastjsonschema

from duijie.protocol.context import Action

__all__ = ["envelope_schema", "validate_envelope"]

_STRING = {"type": "string", "minLength": 1, "maxLength": 2048}
_OBJECT = {"type": "object"}

# action -> (required message keys, types of known message keys)
_MESSAGE: dict[Action, tuple[tuple[str, ...], dict[str, Any]]] = {
    Action.SEARCH: (("intent",), {"intent": _OBJECT}),
    Action.SELECT: (("order",), {"order": _OBJECT}),
    Action.INIT: (("order",), {"order": _OBJECT}),
    Action.CONFIRM: (("order",), {"order": _OBJECT}),
    Action.UPDATE: (("update_target", "order"), {"update_target": _STRING, "order": _OBJECT}),
    Action.STATUS: (("order_id",), {"order_id": _STRING}),
    Action.TRACK: (("order_id",), {"order_id": _STRING, "callback_url": {"type": "string", "format": "uri"}}),
    Action.CANCEL: (
        ("order_id",),
        {"order_id": _STRING, "cancellation_reason_id": _STRING, "descriptor": _OBJECT},
    ),
    Action.RATING: (("ratings",), {"ratings": {"type": "array", "items": _OBJECT}}),
    Action.SUPPORT: (("support",), {"support": _OBJECT}),
    Action.ON_SEARCH: (("catalog",), {"catalog": _OBJECT}),
    Action.ON_SELECT: (("order",), {"order": _OBJECT}),
    Action.ON_INIT: (("order",), {"order": _OBJECT}),
    Action.ON_CONFIRM: (("order",), {"order": _OBJECT}),
    Action.ON_STATUS: (("order",), {"order": _OBJECT}),
    Action.ON_CANCEL: (("order",), {"order": _OBJECT}),
    Action.ON_UPDATE: (("order",), {"order": _OBJECT}),
    Action.ON_TRACK: (("tracking",), {"tracking": _OBJECT}),
    Action.ON_RATING: ((), {"feedback_form": _OBJECT}),
    Action.ON_SUPPORT: (("support",), {"support": _OBJECT}),
}

_ERROR = {
    "type": "object",
    "properties": {
        # core 1.1.1 says string; accept a bare number from lenient peers.
        "code": {"type": ["string", "integer"]},
        "message": {"type": "string"},
        "paths": {"type": "string"},
    },
}


def _context_schema(action: Action) -> dict[str, Any]:
    required = ["action", "transaction_id", "message_id", "timestamp", "bap_id", "bap_uri"]
    if action is not Action.SEARCH:
        # Only a (multicast) search may leave the BPP unnamed.
        required += ["bpp_id", "bpp_uri"]
    return {
        "type": "object",
        "required": required,
        "properties": {
            "action": {"const": action.value},
            "domain": {"type": "string"},
            "version": {"type": "string"},
            "bap_id": _STRING,
            "bap_uri": {"type": "string", "format": "uri"},
            "bpp_id": _STRING,
            "bpp_uri": {"type": "string", "format": "uri"},
            "transaction_id": _STRING,
            "message_id": _STRING,
            "timestamp": {"type": "string", "format": "date-time"},
            "ttl": {"type": "string"},
            "key": {"type": "string"},
            "location": {
                "type": "object",
                "properties": {
                    "city": {"type": "object", "properties": {"code": {"type": "string"}}},
                    "country": {"type": "object", "properties": {"code": {"type": "string"}}},
                },
            },
        },
    }


def envelope_schema(action: Action | str) -> dict[str, Any]:
    """The JSON Schema (draft-07) of an inbound envelope for ``action``."""
    act = Action(action)
    required_keys, properties = _MESSAGE[act]
    message: dict[str, Any] = {"type": "object", "properties": properties}
    if required_keys:
        message["required"] = list(required_keys)
    schema: dict[str, Any] = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "required": ["context"],
        "properties": {"context": _context_schema(act), "message": message, "error": _ERROR},
    }
    if act.is_callback:
        # A callback carries either the business message or an error instead.
        schema["if"] = {"required": ["error"]}
        schema["then"] = {"properties": {"message": {"type": "object"}}}
        schema["else"] = {"required": ["message"]}
    else:
        schema["required"] = ["context", "message"]
    return schema


@functools.cache
def _validator(action: Action) -> Callable[[Any], Any]:
    return fastjsonschema.compile(envelope_schema(action))


def _readable(exc: fastjsonschema.JsonSchemaValueException) -> str:
    where = "$" + str(exc.name)[len("data") :] if exc.name else "$"
    detail = str(exc.message)
    if detail.startswith(str(exc.name)):
        detail = detail[len(str(exc.name)) :].lstrip()
    return f"{where}: {detail}"


def validate_envelope(doc: Any, path_action: str) -> list[str]:
    """Readable problems with ``doc`` received at ``/{path_action}`` (empty when valid).

    Each problem starts with a JSON path, e.g. ``$.context.bap_id: must be string``.
    """
    try:
        action = Action(path_action)
    except ValueError:
        return [f"$: unknown action {path_action!r}"]
    if not isinstance(doc, dict):
        return ["$: must be a JSON object"]
    context = doc.get("context")
    if isinstance(context, dict) and "action" in context and context["action"] != action.value:
        return [
            f"$.context.action: context.action {context['action']!r} does not match path {action.value!r}"
        ]
    try:
        _validator(action)(doc)
    except fastjsonschema.JsonSchemaValueException as exc:
        return [_readable(exc)]
    return []
