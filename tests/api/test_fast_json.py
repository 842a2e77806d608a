"""The API's JSON renderer writes exactly DRF's bytes (api.renderers.FastJSONRenderer):
on every character, floats of every magnitude, each type DRF's encoder
handles, and where DRF refuses a value it still refuses it."""

import datetime
import decimal
import math
import random
import struct
import uuid
import zoneinfo

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from api.renderers import FastJSONRenderer


def both(data, media_type=None):
    return FastJSONRenderer().render(data, media_type), JSONRenderer().render(data, media_type)


def assert_same(data, media_type=None):
    fast, drf = both(data, media_type)
    assert fast == drf


@pytest.fixture
def drf_encoder_calls(monkeypatch):
    """Counts the bodies FastJSONRenderer hands to DRF's renderer."""
    calls = []
    original = JSONRenderer.render

    def counted(self, data, *args, **kwargs):
        if type(self) is FastJSONRenderer:
            calls.append(data)
        return original(self, data, *args, **kwargs)

    monkeypatch.setattr(JSONRenderer, "render", counted)
    return calls


def test_every_character_is_written_as_drf_writes_it(drf_encoder_calls):
    characters = [chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF]
    for start in range(0, len(characters), 4096):
        text = "".join(characters[start:start + 4096])
        assert_same({"text": text, "list": [text[:50], text[-50:]], text[:20]: 1})
    assert drf_encoder_calls == []  # all of it by orjson


def test_line_and_paragraph_separators_are_escaped():
    fast, _ = both({"text": "a\u2028b\u2029c"})
    assert fast == b'{"text":"a\\u2028b\\u2029c"}'


def test_floats_of_every_magnitude_are_written_as_python_writes_them(drf_encoder_calls):
    rng = random.Random(26)
    floats = [0.0, -0.0, 5e-324, 1e-4, 1e-5, 0.0001234, 9.99e-5, 1e15, 1e16, 9.5e15, 9999999999999998.0, 2.5e16,
              1e300, 0.1, 12345678.125, -1e-4, -1e16]
    for exponent in range(-320, 308):
        floats += [rng.random() * 10.0 ** exponent, -rng.random() * 10.0 ** exponent]
    while len(floats) < 20_000:  # any bits
        value = struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0]
        if math.isfinite(value):
            floats.append(value)
    for _ in range(20_000):  # any bits, with a binary exponent from 2**-15 to 2**54
        bits = rng.getrandbits(52) | (rng.randint(1023 - 15, 1023 + 54) << 52) | (rng.getrandbits(1) << 63)
        floats.append(struct.unpack("d", struct.pack("Q", bits))[0])
    floats += [round(rng.uniform(0, 100), rng.randint(0, 6)) for _ in range(5_000)]  # measured values
    # orjson writes those in between itself; the rest go to DRF's encoder.
    between = [value for value in floats if value == 0 or 1e-4 <= abs(value) < 1e16]
    outside = [value for value in floats if not (value == 0 or 1e-4 <= abs(value) < 1e16)]
    assert len(between) > 10_000 and len(outside) > 10_000
    for start in range(0, len(between), 500):
        chunk = between[start:start + 500]
        assert_same({"values": chunk, "pairs": [{"v": value} for value in chunk[:50]]})
    assert drf_encoder_calls == []
    for value in outside:
        assert_same({"value": value})
    assert len(drf_encoder_calls) == len(outside)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), decimal.Decimal("NaN"), decimal.Decimal("-Infinity")])
def test_a_value_drf_refuses_is_still_refused(value):
    with pytest.raises(ValueError):
        JSONRenderer().render({"results": [{"value": value}]})
    with pytest.raises(ValueError):
        FastJSONRenderer().render({"results": [{"value": value}]})


def test_types_json_lacks_are_written_by_drfs_encoder():
    utc = datetime.timezone.utc
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    values = {
        "aware": datetime.datetime(2025, 6, 1, 12, 0, tzinfo=utc),
        "micro": datetime.datetime(2025, 6, 1, 12, 0, 3, 123457, tzinfo=utc),
        "zoned": datetime.datetime(2025, 6, 1, 12, 0, tzinfo=paris),
        "naive": datetime.datetime(2025, 6, 1, 12, 0, 0, 500),
        "date": datetime.date(2025, 6, 1),
        "time": datetime.time(9, 30, 1, 42),
        "delta": datetime.timedelta(days=1, seconds=3),
        "decimal": decimal.Decimal("12.50"),
        "small decimal": decimal.Decimal("0.00001"),
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "lazy": gettext_lazy("Not found."),
        "tuple": (1, "two", None, True),
        "floats in a tuple": (1e-07, 2.5, (1e16,)),
        "bytes": b"raw",
        "set": {1},
        "big": 2**70,
        "negative": -(2**63),
    }
    for name, value in values.items():  # one by one: one that orjson refuses sends the whole body to DRF
        assert_same({name: value, "list": [value]})


def test_containers_keep_their_order_and_keys():
    nested = ReturnDict({"b": 1, "a": ReturnList([{"z": 1, "y": [1, 2]}], serializer=None)}, serializer=None)
    assert_same({"count": 2, "results": nested, "empty": {}, "none": None, "flags": [True, False]})
    assert_same({1: "integer key", 2.5: "float key", None: "null key", False: "boolean key"})
    assert_same([])
    assert_same("text")


def test_indented_output_is_drfs():
    assert_same({"a": [1, {"b": 2}]}, "application/json; indent=4")
    fast, _ = both({"a": 1}, "application/json; indent=2")
    assert fast == b'{\n  "a": 1\n}'


def test_nothing_is_written_for_no_data():
    assert FastJSONRenderer().render(None) == b""


def test_a_lone_surrogate_fails_as_it_did():
    with pytest.raises(UnicodeEncodeError):
        JSONRenderer().render({"text": "\ud800"})
    with pytest.raises(UnicodeEncodeError):
        FastJSONRenderer().render({"text": "\ud800"})
