"""The line of a JSON file each value starts on, by its JSON path, so an import's problems name lines.

The importers say where a problem is as a JSON path (``$.catalog.items[3].price``); a merchant
fixing the file in an editor wants the line. This walks the text once (strings through the
standard library's own decoder, so escapes are read exactly as ``json.loads`` reads them) and
records where each value starts. A path the file does not hold (a missing field) takes the line
of its nearest ancestor that it does hold.
"""

from __future__ import annotations

import bisect
import json
import re
from typing import Any

_SPACE = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?|true|false|null")
_DECODER = json.JSONDecoder()


class _Walk:
    def __init__(self, text: str) -> None:
        self.text = text
        self.starts: dict[str, int] = {}

    def skip(self, at: int) -> int:
        match = _SPACE.match(self.text, at)
        return match.end() if match else at

    def string(self, at: int) -> tuple[str, int]:
        found: tuple[Any, int] = _DECODER.raw_decode(self.text, at)
        return str(found[0]), found[1]

    def value(self, at: int, path: str) -> int:
        at = self.skip(at)
        self.starts[path] = at
        head = self.text[at:at + 1]
        if head == "{":
            return self.members(at + 1, path)
        if head == "[":
            return self.elements(at + 1, path)
        if head == '"':
            return self.string(at)[1]
        match = _SCALAR.match(self.text, at)
        if match is None:
            raise ValueError(at)
        return match.end()

    def members(self, at: int, path: str) -> int:
        at = self.skip(at)
        if self.text.startswith("}", at):
            return at + 1
        while True:
            at = self.skip(at)
            key, at = self.string(at)
            at = self.skip(at) + 1  # the ":"
            at = self.skip(self.value(at, f"{path}.{key}"))
            if self.text.startswith("}", at):
                return at + 1
            at += 1  # the ","

    def elements(self, at: int, path: str) -> int:
        at = self.skip(at)
        if self.text.startswith("]", at):
            return at + 1
        index = 0
        while True:
            at = self.skip(self.value(at, f"{path}[{index}]"))
            if self.text.startswith("]", at):
                return at + 1
            at, index = at + 1, index + 1


def line_finder(text: str) -> LineFinder:
    """What :meth:`LineFinder.line` answers for the JSON ``text`` (valid JSON: it parsed already)."""
    return LineFinder(text)


class LineFinder:
    """The line (from 1) of the value at a JSON path of one text; None when it cannot tell."""

    def __init__(self, text: str) -> None:
        self._breaks = [i for i, ch in enumerate(text) if ch == "\n"]
        walk = _Walk(text)
        try:
            walk.value(0, "$")
        except (ValueError, IndexError):
            walk.starts.clear()  # not the JSON it was said to be: no lines rather than wrong ones
        self._starts = walk.starts

    def line(self, path: str) -> int | None:
        """The line the value at ``path`` (or its nearest held ancestor) starts on."""
        while path:
            if path in self._starts:
                return bisect.bisect_left(self._breaks, self._starts[path]) + 1
            cut = max(path.rfind("."), path.rfind("["))
            if cut <= 0:
                break
            path = path[:cut]
        return None
