"""One record per API response of a Claude Code log, however many lines logged it.

Claude Code writes a response once per content block and again as it streams (the early
lines carry a partial ``output_tokens``), and a resumed or forked session copies earlier
lines into its own file. The lines of one response share ``message.id`` and, when logged,
``requestId``; some versions log ``requestId`` on some of the lines only, so a line without
it joins the response that has its ``message.id``. Lines of one response are merged: each
count is the largest any line gave (a partial copy never replaces the complete line,
whatever the order of the lines and files), and the rest (time, session, origin) comes from
the latest line.
"""

from __future__ import annotations

from dataclasses import replace

from fulcrum.usage.records import ImportLog, UsageRecord

COUNTS = (
    "input_tokens",
    "output_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "cache_read_tokens",
    "web_search_requests",
)


def key_of(message_id: str, request_id: str) -> str:
    return f"{message_id}/{request_id}"


def merge(old: UsageRecord, new: UsageRecord) -> UsageRecord:
    """The record of two lines of one response (``new`` wins a tie on time)."""
    base = old if old.ts > new.ts else new
    counts = {name: max(getattr(old, name), getattr(new, name)) for name in COUNTS}
    return replace(base, key=new.key, **counts)


class Responses:
    """Records of the lines read so far, merged per response, in the order first seen."""

    def __init__(self, log: ImportLog) -> None:
        self.log = log
        self.kept: dict[str, UsageRecord] = {}
        self.request_of: dict[str, str] = {}  # message.id -> the requestId first logged

    def add(self, message_id: str, request_id: str, record: UsageRecord) -> None:
        known = self.request_of.setdefault(message_id, request_id)
        if not request_id:
            request_id = known
        elif not known:  # earlier lines had no requestId: they join this one's key
            self.request_of[message_id] = request_id
            self._rekey(key_of(message_id, ""), key_of(message_id, request_id))
        key = key_of(message_id, request_id)
        if record.key != key:  # a line without requestId, joining its message id's
            record = replace(record, key=key)
        if key in self.kept:
            self.log.duplicates += 1
            record = merge(self.kept.pop(key), record)
        self.kept[key] = record

    def _rekey(self, old_key: str, new_key: str) -> None:
        record = self.kept.pop(old_key, None)
        if record is not None:
            self.kept[new_key] = replace(record, key=new_key)

    def records(self) -> list[UsageRecord]:
        return list(self.kept.values())
