"""The strict decoders under the token check and the feed: base64url, JSON, SSE."""

import pytest

from jwtd_verifier import b64, strict_json
from jwtd_verifier.errors import FeedError
from jwtd_verifier.sse import SseParser
from jwtd_verifier.view import RevocationView


@pytest.mark.parametrize("text,expect", [
    ("", b""), ("YQ", b"a"), ("YWI", b"ab"), ("YWJj", b"abc"), ("-_8", b"\xfb\xff"),
])
def test_base64url_accepts_canonical_text(text, expect):
    assert b64.decode(text) == expect


@pytest.mark.parametrize("text", ["YQ==", "YR", "YWJ", "Y", "YW Jj", "YW+j", "YW/j", "YWJj\n",
                                  "é"])
def test_base64url_refuses_padding_noncanonical_tails_and_foreign_characters(text):
    assert b64.decode(text) is None


@pytest.mark.parametrize("doc", [
    b'{"a":1,"a":2}', b'{"a":{"b":1,"b":1}}', b'[1]', b'"s"', b'{"a":NaN}',
    b'{"a":Infinity}', b'\xff{}', b'{"a":1', b'{} x',
])
def test_json_refuses_duplicates_non_objects_and_constants(doc):
    assert strict_json.parse_object(doc) is None


def test_json_accepts_an_object():
    assert strict_json.parse_object(b' {"a": [1, {"b": "\\u00e9"}]} ') == {"a": [1, {"b": "é"}]}


@pytest.mark.parametrize("doc", [
    rb'{"jti":"\ud800"}', rb'{"jti":"x\udc00"}', rb'{"\ud800":1}', rb'{"a":{"\udbff":1}}',
    rb'{"a":["ok",["\udfff"]]}', rb'{"a":"\udc00\ud800"}', rb'{"a":"\ud800\u0041"}',
    rb'{"a":"\ud800\\udc00"}', b'{"a":"\xed\xa0\x80"}',
])
def test_json_refuses_unpaired_surrogates_in_names_and_values(doc):
    # RFC 8259 §8.2, as jwtd (invalid UTF-8): such a str has no UTF-8 form, so it would fail
    # later (the DPoP replay key) as an exception instead of a refusal.
    assert strict_json.parse_object(doc) is None


def test_json_accepts_paired_surrogates_and_escaped_backslashes():
    assert strict_json.parse_object(rb'{"\ud83d\ude00":["\uD83D\uDE00"]}') == {
        "\U0001F600": ["\U0001F600"]}
    # An escaped backslash, then "ud800": no escape at all.
    assert strict_json.parse_object(rb'{"a":"\\ud800"}') == {"a": "\\ud800"}


def test_sse_events_split_across_chunks_and_line_endings():
    p = SseParser()
    stream = (b": hello\r\n\r\nevent: revocation\r\nid: 7\r\ndata: {\"seq\":7}\r\n\r\n"
              b"event: heartbeat\nid: 9\ndata: {\"current_seq\":9,\ndata: \"x\":1}\n\n")
    events = []
    for i in range(0, len(stream), 5):
        events += p.feed(stream[i:i + 5])
    assert [(e.type, e.id, e.data) for e in events] == [
        ("revocation", "7", '{"seq":7}'),
        ("heartbeat", "9", '{"current_seq":9,\n"x":1}'),
    ]


def test_sse_lines_are_bounded():
    p = SseParser(max_line=100)
    with pytest.raises(FeedError):
        p.feed(b"data: " + b"x" * 200)


def test_view_applies_idempotently_and_only_ever_stricter():
    v = RevocationView()
    v.apply({"seq": 1, "kind": "user_version", "key": "7", "value": 3, "expires_at": 100})
    v.apply({"seq": 2, "kind": "user_version", "key": "7", "value": 2, "expires_at": 500})
    assert v.check("k", {"sub": "7", "ver": 2}, now=50) == "version bumped"
    assert v.check("k", {"sub": "7", "ver": 3}, now=50) is None
    assert v.check("k", {"sub": "7", "ver": 2}, now=101) is None  # the bump expired
    v.apply({"seq": 3, "kind": "session", "key": "s", "value": 0, "expires_at": 10})
    v.apply({"seq": 3, "kind": "session", "key": "s", "value": 0, "expires_at": 0})  # forever wins
    assert v.check("k", {"sid": "s", "sub": "1", "ver": 1}, now=10**9) == "session ended"
    assert v.check("k", {"sub": "007", "ver": 0}, now=0) == "version bumped"  # no ver: 0 < 1
    v.apply({"seq": 4, "kind": "user_version", "key": "07", "value": 9, "expires_at": 0})
    assert v.sizes()["user_version"] == 1  # a non-canonical id names no user
    v.sweep(now=200)
    assert v.sizes() == {"jti": 0, "session": 1, "user_version": 0, "key": 0}
    assert v.applied_seq == 4


@pytest.mark.parametrize("entry", [
    {"seq": -1, "kind": "jti", "key": "a"}, {"seq": 1, "kind": "nope", "key": "a"},
    {"seq": 1, "kind": "jti"}, {"seq": True, "kind": "jti", "key": "a"}, [1],
])
def test_view_refuses_malformed_entries(entry):
    with pytest.raises(FeedError):
        RevocationView().apply(entry)
