"""The one Signature header codec: exact encoding, round trip, and precise parse errors."""

from __future__ import annotations

import pytest

from duijie.protocol.authorization import (
    SignatureError,
    SignatureHeader,
    SignatureProblem,
    authenticate_challenge,
)

SIG = "cjbhP0PFyrlSCNszJM1F/YmHDVAWsZqJUPzojnE/7TJU3fJ/rmIlgaUHEr5E0/2PIyf0tpSnWtT6cyNNlpmoAQ=="
GOOD = (
    'Signature keyId="example-bap.com|bap1234|ed25519",algorithm="ed25519",created="1641287875",'
    f'expires="1641291475",headers="(created) (expires) digest",signature="{SIG}"'
)


def test_parse_then_encode_gives_back_the_exact_header() -> None:
    header = SignatureHeader.parse(GOOD)
    assert header == SignatureHeader(
        "example-bap.com", "bap1234", "ed25519", 1641287875, 1641291475, "(created) (expires) digest", SIG
    )
    assert header.encode() == GOOD


def test_encode_then_parse_round_trips() -> None:
    header = SignatureHeader("abcd.com/ondc", "207", "ed25519", 1, 2, "(created) (expires) digest", SIG)
    assert SignatureHeader.parse(header.encode()) == header


def test_subscriber_id_with_slash_is_kept_whole() -> None:
    header = SignatureHeader.parse(GOOD.replace("example-bap.com|", "abcd.com/ondc|"))
    assert header.subscriber_id == "abcd.com/ondc"


def test_ondc_python_utility_quote_wrapped_header_is_accepted() -> None:
    assert SignatureHeader.parse(f'"{GOOD}"') == SignatureHeader.parse(GOOD)


def test_spaces_after_commas_and_unquoted_numbers_are_tolerated() -> None:
    loose = GOOD.replace('",', '", ').replace('created="1641287875"', "created=1641287875")
    assert SignatureHeader.parse(loose) == SignatureHeader.parse(GOOD)


@pytest.mark.parametrize(
    ("value", "reason", "fragment"),
    [
        (None, SignatureProblem.MISSING, "no signature header"),
        ("   ", SignatureProblem.MISSING, "no signature header"),
        ("Bearer abc", SignatureProblem.MALFORMED, "Signature"),
        (
            GOOD.replace(f',signature="{SIG}"', ""),
            SignatureProblem.MALFORMED,
            "missing parameter(s): signature",
        ),
        (GOOD.replace('algorithm="ed25519",', ""), SignatureProblem.MALFORMED, "algorithm"),
        (
            GOOD.replace("example-bap.com|bap1234|ed25519", "example-bap.com|ed25519"),
            SignatureProblem.MALFORMED,
            "keyId",
        ),
        (GOOD.replace("example-bap.com|bap1234|", "|bap1234|"), SignatureProblem.MALFORMED, "keyId"),
        (GOOD.replace('created="1641287875"', 'created="2022-01-04"'), SignatureProblem.MALFORMED, "created"),
        (GOOD.replace('expires="1641291475"', 'expires="-5"'), SignatureProblem.MALFORMED, "expires"),
        (
            GOOD.replace('algorithm="ed25519"', 'algorithm="rsa-sha256"'),
            SignatureProblem.ALGORITHM_MISMATCH,
            "rsa",
        ),
        (
            GOOD.replace("|ed25519", "|hs2019").replace('algorithm="ed25519"', 'algorithm="hs2019"'),
            SignatureProblem.UNSUPPORTED_ALGORITHM,
            "hs2019",
        ),
        (
            GOOD.replace("(created) (expires) digest", "(created) digest"),
            SignatureProblem.MALFORMED,
            "headers",
        ),
        (GOOD.replace(SIG, "not*base64"), SignatureProblem.MALFORMED, "signature"),
        (GOOD.replace(SIG, "AAAA"), SignatureProblem.MALFORMED, "not 64"),
        (GOOD + ',created="1"', SignatureProblem.MALFORMED, "twice"),
        (GOOD.replace(",algorithm=", " garbage ,algorithm="), SignatureProblem.MALFORMED, "parse"),
    ],
    ids=[
        "none",
        "blank",
        "wrong-scheme",
        "no-signature",
        "no-algorithm",
        "two-part-keyid",
        "empty-subscriber",
        "date-created",
        "negative-expires",
        "algorithm-mismatch",
        "unsupported-algorithm",
        "headers-not-covering",
        "signature-not-base64",
        "signature-short",
        "duplicate-param",
        "junk",
    ],
)
def test_malformed_headers_raise_a_precise_reason(
    value: str | None, reason: SignatureProblem, fragment: str
) -> None:
    with pytest.raises(SignatureError) as caught:
        SignatureHeader.parse(value)
    assert caught.value.reason is reason
    assert fragment in caught.value.message


def test_www_authenticate_challenge_names_our_realm_and_the_signed_headers() -> None:
    assert authenticate_challenge("bpp.duijie.test") == (
        'Signature realm="bpp.duijie.test",headers="(created) (expires) digest"'
    )


@pytest.mark.parametrize("bad_id", ["a|b", 'a"b', ""])
def test_ids_that_would_break_the_key_id_cannot_be_encoded(bad_id: str) -> None:
    with pytest.raises(ValueError):
        SignatureHeader(bad_id, "k1", "ed25519", 1, 2, "(created) (expires) digest", SIG).encode()


@pytest.mark.parametrize(
    "value",
    [
        GOOD,
        GOOD.replace("example-bap.com|bap1234|", "abcd.com/ondc|k-2026_01|"),
        GOOD.replace('created="1641287875"', 'created="0"'),
        GOOD.replace("example-bap.com|", " |"),  # a blank subscriber id: refused, however parsed
        GOOD.replace("bap1234|", "  |"),
        GOOD.replace("==", "A="),  # not 64 bytes
        GOOD.replace('created="1641287875"', 'created="1641287875123"'),  # 13 digits
        GOOD.replace("ed25519\",algorithm", "rsa\",algorithm"),
        GOOD + " ",
        GOOD.replace(",", ", "),
    ],
)
def test_the_one_step_match_agrees_with_the_general_parser(value: str) -> None:
    """The exact encoded form is matched in one step; it must mean what the general parser says."""
    try:
        expected: SignatureHeader | SignatureProblem = SignatureHeader._parse_general(value)
    except SignatureError as exc:
        expected = exc.reason
    try:
        got: SignatureHeader | SignatureProblem = SignatureHeader.parse(value)
    except SignatureError as exc:
        got = exc.reason
    assert got == expected
