"""Byte ranges as RFC 9110 reads them (config.file_responses.byte_range)."""

import pytest

from config.file_responses import byte_range


@pytest.mark.parametrize("header, size, expected", [
    ("bytes=0-99", 1000, (0, 99)),
    ("bytes=900-", 1000, (900, 999)),
    ("bytes=-100", 1000, (900, 999)),
    ("bytes=-5000", 1000, (0, 999)),  # more than the file: all of it
    ("bytes=990-5000", 1000, (990, 999)),  # past the end: up to the end
    ("bytes=999-999", 1000, (999, 999)),
    (" bytes = 5 - 9 ", 1000, (5, 9)),
    ("bytes=1000-", 1000, "unsatisfiable"),
    ("bytes=1000-2000", 1000, "unsatisfiable"),
    ("bytes=-0", 1000, "unsatisfiable"),
    ("bytes=0-0", 0, "unsatisfiable"),
    ("bytes=9-3", 1000, None),  # not valid: ignored
    ("bytes=-", 1000, None),
    ("bytes=0-9,20-29", 1000, None),  # several: the whole file
    ("items=0-9", 1000, None),
    ("bytes=a-b", 1000, None),
])
def test_byte_range(header, size, expected):
    assert byte_range(header, size) == expected
