"""Salesforce record Ids: 15-character case-sensitive and 18-character case-safe forms.

Orgs, exports and users mix both forms, so every join in the pipeline works on the 18-character form.
The suffix encodes, for each 5-character block, which characters are upper case.
"""

from __future__ import annotations

import re

import numpy as np

_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ID_PATTERN = re.compile(r"^[a-zA-Z0-9]{15}([A-Z0-5]{3})?$")

# The two characters after the key prefix name the org's instance; a fixed value keeps ids stable.
DEMO_INSTANCE = "Dm"


def checksum_suffix(id15: str) -> str:
    suffix = []
    for block in range(3):
        chunk = id15[block * 5 : block * 5 + 5]
        bits = sum(1 << i for i, char in enumerate(chunk) if "A" <= char <= "Z")
        suffix.append(_SUFFIX_ALPHABET[bits])
    return "".join(suffix)


def to_18(record_id: str | None) -> str | None:
    """Normalise a 15- or 18-character Id to 18 characters; None and '' stay None."""
    if record_id is None or record_id == "":
        return None
    if not _ID_PATTERN.match(record_id):
        raise ValueError(f"not a Salesforce record Id: {record_id!r}")
    if len(record_id) == 18:
        return record_id[:15] + checksum_suffix(record_id[:15])
    return record_id + checksum_suffix(record_id)


def is_valid_id(value: str) -> bool:
    if not _ID_PATTERN.match(value or ""):
        return False
    return len(value) == 15 or value[15:] == checksum_suffix(value[:15])


def make_id(key_prefix: str, number: int) -> str:
    """The 18-character Id of the ``number``-th record with this key prefix."""
    return make_ids(key_prefix, number, 1)[0]


def make_ids(key_prefix: str, start: int, count: int) -> list[str]:
    """``count`` consecutive 18-character Ids, vectorised so that millions take well under a second."""
    if len(key_prefix) != 3:
        raise ValueError(f"key prefix must have 3 characters: {key_prefix!r}")
    if count <= 0:
        return []
    numbers = np.arange(start, start + count, dtype=np.int64)
    if int(numbers[-1]) >= 62**9:
        raise ValueError("record number does not fit in a Salesforce Id")
    alphabet = np.frombuffer(_BASE62.encode(), dtype=np.uint8)
    chars = np.empty((count, 18), dtype=np.uint8)
    chars[:, 0:3] = np.frombuffer(key_prefix.encode(), dtype=np.uint8)
    chars[:, 3:5] = np.frombuffer(DEMO_INSTANCE.encode(), dtype=np.uint8)
    chars[:, 5] = ord("0")
    remaining = numbers.copy()
    for position in range(14, 5, -1):
        chars[:, position] = alphabet[remaining % 62]
        remaining //= 62
    upper = (chars[:, :15] >= ord("A")) & (chars[:, :15] <= ord("Z"))
    weights = np.array([1, 2, 4, 8, 16], dtype=np.int64)
    suffix_alphabet = np.frombuffer(_SUFFIX_ALPHABET.encode(), dtype=np.uint8)
    for block in range(3):
        bits = (upper[:, block * 5 : block * 5 + 5] * weights).sum(axis=1)
        chars[:, 15 + block] = suffix_alphabet[bits]
    return chars.view("S18").ravel().astype(str).tolist()
