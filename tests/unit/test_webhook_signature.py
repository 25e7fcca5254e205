"""Jira webhook signatures: the documented vector, an independent signer, and every refusal."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jira_sync.jira.webhook_signature import MAX_BODY_BYTES, sign, verify_signature

VECTOR_SECRET = "It's a Secret to Everybody"
VECTOR_BODY = b"Hello World!"
VECTOR_HEADER = "sha256=a4771c39fbe90f317c7824e83ddef3caae9cb3d976c214ace1f2937e133263c9"
VECTOR_HEX = VECTOR_HEADER.removeprefix("sha256=")


def rfc2104_sha256(key: bytes, message: bytes) -> str:
    """HMAC-SHA256 built by hand from RFC 2104, so the module is not checked against itself."""
    block = 64
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\x00")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key) + message).digest()
    return hashlib.sha256(bytes(b ^ 0x5C for b in key) + inner).hexdigest()


def test_given_the_design_vector_when_signed_then_the_documented_signature() -> None:
    assert sign(VECTOR_SECRET, VECTOR_BODY) == VECTOR_HEADER


def test_given_the_design_vector_when_verified_then_it_is_accepted() -> None:
    assert verify_signature(VECTOR_SECRET, VECTOR_BODY, VECTOR_HEADER) is True


def test_given_the_design_vector_when_checked_by_hand_then_the_independent_signer_agrees() -> None:
    assert rfc2104_sha256(VECTOR_SECRET.encode(), VECTOR_BODY) == VECTOR_HEX


def test_given_upper_case_hex_when_verified_then_it_is_accepted() -> None:
    assert verify_signature(VECTOR_SECRET, VECTOR_BODY, "sha256=" + VECTOR_HEX.upper())


@pytest.mark.parametrize(
    "header", [f" {VECTOR_HEADER}", f"{VECTOR_HEADER}\r\n", f"\t{VECTOR_HEADER} "]
)
def test_given_surrounding_whitespace_when_verified_then_it_is_accepted(header: str) -> None:
    assert verify_signature(VECTOR_SECRET, VECTOR_BODY, header) is True


def test_given_the_body_limit_then_it_is_one_mebibyte() -> None:
    assert MAX_BODY_BYTES == 1_048_576


secrets = st.text(min_size=1, max_size=100)
bodies = st.binary(max_size=2000)


@settings(max_examples=200)
@given(secret=secrets, body=bodies)
def test_given_any_secret_and_body_when_signed_then_the_independent_signer_agrees(
    secret: str, body: bytes
) -> None:
    expected = "sha256=" + rfc2104_sha256(secret.encode("utf-8"), body)
    assert sign(secret, body) == expected
    assert verify_signature(secret, body, expected) is True


@settings(max_examples=200)
@given(secret=secrets, body=bodies, other=bodies)
def test_given_a_signature_of_another_body_when_verified_then_it_is_refused(
    secret: str, body: bytes, other: bytes
) -> None:
    header = "sha256=" + rfc2104_sha256(secret.encode("utf-8"), other)
    assert verify_signature(secret, body, header) is (body == other)


@settings(max_examples=200)
@given(secret=secrets, other=secrets, body=bodies)
def test_given_a_signature_under_another_secret_when_verified_then_it_is_refused(
    secret: str, other: str, body: bytes
) -> None:
    header = "sha256=" + rfc2104_sha256(other.encode("utf-8"), body)
    assert verify_signature(secret, body, header) is (secret == other)


@settings(max_examples=200)
@given(
    header=st.one_of(st.none(), st.text(max_size=120), st.text(max_size=8).map("sha256=".__add__))
)
def test_given_any_header_text_when_verified_then_it_never_raises(header: str | None) -> None:
    assert verify_signature(VECTOR_SECRET, VECTOR_BODY, header) in (True, False)


def test_given_a_lone_surrogate_secret_when_verified_then_it_is_refused_without_raising() -> None:
    assert verify_signature("\ud800", VECTOR_BODY, VECTOR_HEADER) is False


def test_given_an_empty_secret_when_verified_then_it_is_refused() -> None:
    header = "sha256=" + rfc2104_sha256(b"", VECTOR_BODY)
    assert verify_signature("", VECTOR_BODY, header) is False


def test_given_an_empty_secret_when_signed_then_it_is_an_error() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        sign("", VECTOR_BODY)


MALFORMED = {
    "missing": None,
    "empty": "",
    "whitespace only": "   ",
    "bare hex": VECTOR_HEX,
    "prefix only": "sha256=",
    "sha1": "sha1=" + hashlib.sha1(VECTOR_BODY).hexdigest(),  # noqa: S324 - not used for security
    "sha1 with a sha256-sized value": "sha1=" + VECTOR_HEX,
    "upper-case algorithm": "SHA256=" + VECTOR_HEX,
    "mixed-case algorithm": "Sha256=" + VECTOR_HEX,
    "sha512 name": "sha512=" + VECTOR_HEX,
    "dashed name": "sha-256=" + VECTOR_HEX,
    "colon separator": "sha256:" + VECTOR_HEX,
    "space before the equals sign": "sha256 =" + VECTOR_HEX,
    "space after the equals sign": "sha256= " + VECTOR_HEX,
    "one hex digit short": VECTOR_HEADER[:-1],
    "one hex digit long": VECTOR_HEADER + "0",
    "double length": VECTOR_HEADER + VECTOR_HEX,
    "non-hex letter": VECTOR_HEADER[:-1] + "g",
    "non-ASCII digit": VECTOR_HEADER[:-1] + "\u0663",
    "full-width digit": VECTOR_HEADER[:-1] + "\uff19",
    "non-ASCII text": "sha256=\u00e9\u00e9\u00e9",
    "0x prefix": "sha256=0x" + VECTOR_HEX[2:],
    "space inside the hex": VECTOR_HEADER[:30] + " " + VECTOR_HEADER[31:],
    "tab inside the hex": VECTOR_HEADER[:30] + "\t" + VECTOR_HEADER[30:],
    "newline inside the hex": VECTOR_HEADER[:30] + "\n" + VECTOR_HEADER[30:],
    "trailing nul": VECTOR_HEADER + "\x00",
    "two values with a comma": f"{VECTOR_HEADER},{VECTOR_HEADER}",
    "two values with a comma and space": f"{VECTOR_HEADER}, {VECTOR_HEADER}",
    "two values with a space": f"{VECTOR_HEADER} {VECTOR_HEADER}",
    "two algorithms": f"sha1=abc,{VECTOR_HEADER}",
    "a wrong signature": "sha256=" + "0" * 64,
    "one digit changed": VECTOR_HEADER[:-1] + "8",
    "base64 instead of hex": "sha256=pHccOfvpDzF8eCToPd7zyq6cs9l2whSs4fKTfhMyY8k=",
}


@pytest.mark.parametrize("header", list(MALFORMED.values()), ids=list(MALFORMED))
def test_given_a_malformed_or_wrong_header_when_verified_then_it_is_refused(
    header: str | None,
) -> None:
    assert verify_signature(VECTOR_SECRET, VECTOR_BODY, header) is False


@pytest.mark.parametrize("header", [b"sha256=" + VECTOR_HEX.encode(), 42, ["sha256=" + VECTOR_HEX]])
def test_given_a_header_that_is_not_text_when_verified_then_it_is_refused(header: object) -> None:
    assert verify_signature(VECTOR_SECRET, VECTOR_BODY, header) is False  # type: ignore[arg-type]


def test_given_the_right_header_for_a_changed_body_when_verified_then_it_is_refused() -> None:
    assert verify_signature(VECTOR_SECRET, b"Hello World?", VECTOR_HEADER) is False
