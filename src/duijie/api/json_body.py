"""A request body read as one JSON object, with any refusal naming where in the body it lies.

orjson does the parsing: it refuses invalid UTF-8, NaN and infinity (``1e999``) and nesting past
1024 levels itself, so no ``RecursionError`` or ``OverflowError`` comes out of a parse. Its
errors give a character position; :func:`path_at` turns that into the JSON path of the value
being read there (``$.limit``), so the answer names the field.
"""

from __future__ import annotations

from typing import Any

import orjson

from duijie.protocol import jsonbytes

MAX_PATH_CHARS = 120
"""A path is cut to this length (a 1,000-level nesting would otherwise name itself in 3 kB)."""


class BodyRefused(ValueError):
    """The body is not one JSON object within the depth limit; ``path`` says where."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def load_object(raw: bytes, max_depth: int) -> dict[str, Any]:
    """The JSON object in ``raw``; raises :class:`BodyRefused` for anything else."""
    try:
        data = jsonbytes.loads(raw)
    except orjson.JSONDecodeError as exc:
        reason = str(exc).split(":", 1)[0]
        raise BodyRefused(path_at(raw, _error_pos(raw, exc.pos)), f"body is not UTF-8 JSON ({reason})") from None
    except ValueError as exc:
        raise BodyRefused("$", f"body is not UTF-8 JSON ({exc})") from None
    if not isinstance(data, dict):
        raise BodyRefused("$", "body must be a JSON object")
    too_deep = deeper_than(data, max_depth)
    if too_deep is not None:
        raise BodyRefused(too_deep, f"nested deeper than {max_depth} levels")
    return data


def _error_pos(raw: bytes, reported: int) -> int:
    """Where the parse failed, in characters; for bad UTF-8 the first bad byte (orjson says 0)."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return len(raw[: exc.start].decode("utf-8"))
    return reported


def deeper_than(doc: object, limit: int) -> str | None:
    """JSON path of the first value nested deeper than ``limit`` in ``doc`` (walked without recursion)."""
    stack: list[tuple[object, str, int]] = [(doc, "$", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict | list) and depth >= limit:
            return _cut(path)
        if isinstance(value, dict):
            stack.extend((v, f"{path}.{k}", depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value))
    return None


def path_at(raw: bytes, pos: int) -> str:
    """The JSON path of the value being read at character ``pos`` of ``raw`` (best effort).

    One pass over the text before ``pos``: a stack of open containers, each with its current
    key (objects) or index (arrays). Malformed text just yields the path as far as it went.
    """
    text = raw.decode("utf-8", errors="replace")[: max(pos, 0) + 1]
    stack: list[list[Any]] = []  # [kind, key-or-index, expecting_key]
    last_string: str | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            end = i + 1
            while end < len(text) and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            last_string = text[i + 1 : end]
            i = end + 1
            continue
        if ch == "{":
            stack.append(["object", None, True])
        elif ch == "[":
            stack.append(["array", 0, False])
        elif ch in "}]" and stack:
            stack.pop()
        elif ch == ":" and stack and stack[-1][0] == "object":
            stack[-1][1] = last_string
        elif ch == "," and stack:
            if stack[-1][0] == "array":
                stack[-1][1] += 1
            else:
                stack[-1][1] = None
        i += 1
    path = "$"
    for kind, key, _ in stack:
        if kind == "array":
            path += f"[{key}]"
        elif key is not None:
            path += f".{key}"
    return _cut(path)


def _cut(path: str) -> str:
    return path if len(path) <= MAX_PATH_CHARS else path[:MAX_PATH_CHARS] + "…"
