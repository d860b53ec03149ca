"""Text tokenization shared by every search backend.

SQLite 3.40.1 (stdlib here) cannot load extensions and its trigram tokenizer misses
two-character CJK words, and PostgreSQL's ``simple`` parser keeps a CJK run as one
token. So both backends index the same pre-tokenized string built here:

* Latin (and other alphabetic) words, NFKC-normalised, lower-cased, diacritics and
  apostrophes removed, with light English plural stemming (``noodles`` -> ``noodle``);
* digit runs as words (``60``);
* for every CJK run, each character (unigram) and each adjacent pair (bigram).

Queries use :func:`query_terms`: a CJK run of two or more characters becomes its
bigrams (all required), a single CJK character is a unigram, and Latin words of three or
more letters match as prefixes. Pure and stdlib only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Han (incl. extensions and compatibility), kana and Hangul are written without spaces.
_CJK_CLASS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_SEGMENT = re.compile(rf"([{_CJK_CLASS}]+)|([^\W_{_CJK_CLASS}]+(?:['\u2019][^\W_{_CJK_CLASS}]+)*)")
_APOSTROPHES = re.compile("['\u2019]")

#: Latin query words at least this long are matched as prefixes ("noodl" finds "noodle").
PREFIX_MIN_LEN = 3


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of the input: ``cjk`` (no spaces between words) or ``word`` (already normalised)."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class QueryTerm:
    """One required term of a query; ``prefix`` terms match any indexed token they start."""

    token: str
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class QueryPiece:
    """A user-visible piece of the query (a CJK run or a word) and the terms it requires."""

    text: str
    terms: tuple[QueryTerm, ...]


class _CombiningMarks(dict[int, int | None]):
    """A ``str.translate`` table deleting combining marks, filled on first sight of a character."""

    def __missing__(self, codepoint: int) -> int | None:
        value = None if unicodedata.combining(chr(codepoint)) else codepoint
        self[codepoint] = value
        return value


_STRIP_COMBINING = _CombiningMarks()


def normalize(text: str) -> str:
    """NFKC (full-width -> ASCII), case-fold and strip combining diacritics."""
    if text.isascii():  # the common case for English: nothing to fold but case
        return text.lower()
    folded = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFD", folded)
    return unicodedata.normalize("NFC", decomposed.translate(_STRIP_COMBINING))


def stem(word: str) -> str:
    """Light English plural stemming; leaves digits and short words alone.

    Deliberately conservative (no Porter): the same function runs on documents and
    queries, and prefix matching covers most remaining variation.
    """
    if len(word) <= 3 or not word.isalpha() or not word.isascii():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def segments(text: str) -> list[Segment]:
    """Split ``text`` into CJK runs and normalised, stemmed words (punctuation dropped)."""
    out: list[Segment] = []
    for match in _SEGMENT.finditer(normalize(text)):
        cjk, word = match.group(1), match.group(2)
        if cjk:
            out.append(Segment("cjk", cjk))
        elif word:
            out.append(Segment("word", stem(_APOSTROPHES.sub("", word))))
    return out


def cjk_ngrams(run: str) -> list[str]:
    """Unigrams then bigrams of one CJK run: ``凉皮`` -> ``['凉', '皮', '凉皮']``."""
    return list(run) + [run[i : i + 2] for i in range(len(run) - 1)]


def tokenize(text: str | None) -> list[str]:
    """Index tokens of ``text``: words, digits, CJK unigrams and bigrams (in order, with repeats)."""
    if not text:
        return []
    if len(text) <= _CACHED_LEN:  # titles, categories and tags repeat across catalogs
        return list(_short_tokens(text))
    return _tokens(text)


#: Texts up to this long are tokenized through an LRU cache.
_CACHED_LEN = 80


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for seg in segments(text):
        if seg.kind == "cjk":
            tokens.extend(cjk_ngrams(seg.text))
        else:
            tokens.append(seg.text)
    return tokens


@lru_cache(maxsize=65536)
def _short_tokens(text: str) -> tuple[str, ...]:
    return tuple(_tokens(text))


def token_string(*texts: str | None) -> str:
    """The space-joined tokens of several texts: the string handed to FTS5 / to_tsvector."""
    return " ".join(tok for text in texts for tok in tokenize(text))


def query_pieces(text: str | None) -> list[QueryPiece]:
    """Split a query into pieces, each with the terms it requires (see :func:`query_terms`)."""
    if not text:
        return []
    pieces: list[QueryPiece] = []
    for seg in segments(text):
        if seg.kind == "cjk":
            if len(seg.text) == 1:
                terms: tuple[QueryTerm, ...] = (QueryTerm(seg.text),)
            else:
                bigrams = dict.fromkeys(seg.text[i : i + 2] for i in range(len(seg.text) - 1))
                terms = tuple(QueryTerm(b) for b in bigrams)
        else:
            prefix = len(seg.text) >= PREFIX_MIN_LEN and not seg.text.isdigit()
            terms = (QueryTerm(seg.text, prefix=prefix),)
        pieces.append(QueryPiece(seg.text, terms))
    return pieces


def query_terms(text: str | None) -> list[QueryTerm]:
    """All terms a query requires (ANDed), de-duplicated, in order of appearance."""
    seen: dict[QueryTerm, None] = {}
    for piece in query_pieces(text):
        for term in piece.terms:
            seen.setdefault(term, None)
    return list(seen)


def term_matches(term: QueryTerm, tokens: set[str] | frozenset[str]) -> bool:
    """Whether ``term`` matches one of ``tokens`` (exactly, or as a prefix for prefix terms)."""
    if term.token in tokens:
        return True
    return term.prefix and any(tok.startswith(term.token) for tok in tokens)
