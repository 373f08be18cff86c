"""SSE decoding: split chunks, line endings, comments, multi-line data; encoding round trip."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fulcrum.wire import SSEDecoder, SSEEvent, encode_sse, json_event


def decode_all(chunks: list[bytes]) -> list[SSEEvent]:
    decoder = SSEDecoder()
    events: list[SSEEvent] = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    return events + decoder.flush()


def test_named_event_and_data() -> None:
    events = decode_all([b'event: ping\ndata: {"type": "ping"}\n\n'])
    assert events == [SSEEvent("ping", '{"type": "ping"}')]
    assert events[0].json() == {"type": "ping"}


def test_event_split_at_every_byte() -> None:
    raw = b"event: a\ndata: one\n\ndata: two\n\n"
    events = decode_all([raw[i : i + 1] for i in range(len(raw))])
    assert events == [SSEEvent("a", "one"), SSEEvent(None, "two")]


@pytest.mark.parametrize("ending", [b"\r\n", b"\r", b"\n"])
def test_line_endings(ending: bytes) -> None:
    raw = b"event: x" + ending + b"data: y" + ending + ending
    assert decode_all([raw]) == [SSEEvent("x", "y")]


def test_crlf_split_between_chunks_is_one_line_ending() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\n\r") == [SSEEvent(None, "a")]
    assert decoder.feed(b"\ndata: b\r\n\r\n") == [SSEEvent(None, "b")]


def test_comments_ignored_and_multiline_data_joined() -> None:
    raw = b": keep-alive\n\ndata: line1\n: note\ndata: line2\ndata:line3\n\n"
    assert decode_all([raw]) == [SSEEvent(None, "line1\nline2\nline3")]


def test_event_without_data_is_not_dispatched_and_id_retry_ignored() -> None:
    raw = b"event: lonely\n\nid: 7\nretry: 100\ndata: x\n\n"
    assert decode_all([raw]) == [SSEEvent(None, "x")]


def test_utf8_split_across_chunks() -> None:
    raw = "data: héllo ✓\n\n".encode()
    cut = raw.index("✓".encode()) + 1
    assert decode_all([raw[:cut], raw[cut:]]) == [SSEEvent(None, "héllo ✓")]


def test_flush_dispatches_unterminated_event() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: [DONE]\n") == []
    assert decoder.flush() == [SSEEvent(None, "[DONE]")]
    assert decoder.flush() == []


def test_encode_multiline_and_json_event() -> None:
    assert encode_sse(SSEEvent(None, "a\nb")) == b"data: a\ndata: b\n\n"
    event = json_event({"type": "message_stop"})
    assert encode_sse(event) == b'event: message_stop\ndata: {"type":"message_stop"}\n\n'


names = st.none() | st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=8)
datas = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\r"), max_size=40)


@given(
    events=st.lists(st.builds(SSEEvent, names, datas), max_size=6),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=8),
)
def test_round_trip_any_chunking(events: list[SSEEvent], cuts: list[int]) -> None:
    raw = b"".join(encode_sse(e) for e in events)
    points = sorted({min(c, len(raw)) for c in cuts} | {0, len(raw)})
    chunks = [raw[a:b] for a, b in itertools.pairwise(points)]
    assert decode_all(chunks) == events
