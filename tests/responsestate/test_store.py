"""Kept responses in SQLite and PostgreSQL: found by id and key, deleted, expired, swept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fulcrum.responsestate.store import Kept, ResponseStore
from fulcrum.routing.budget.database import SharedDatabase, open_database
from fulcrum.testing.postgres import PostgresCluster

DAY = 86_400.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SharedDatabase]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
        url = cluster.create_database()
    database = open_database(url)
    yield database
    database.close()


def kept(
    response_id: str, key: str | None, at: float, text: str = "hi", previous: Kept | None = None
) -> Kept:
    root = previous.root if previous is not None else response_id
    asked = [{"type": "message", "role": "user", "content": text}]
    said = [{"type": "message", "role": "assistant", "content": f"re: {text}"}]
    response = {"id": response_id, "object": "response", "output": []}
    return Kept(response_id, key, at, previous.id if previous else None, root, asked, response,
                [*asked, *said])  # fmt: skip


def test_a_response_is_found_by_its_id_and_key_only(db: SharedDatabase) -> None:
    clock = Clock()
    store = ResponseStore(db, keep_s=DAY, clock=clock)
    store.put(kept("resp_1", "alice", clock.now, "é ünïcode"))
    store.put(kept("resp_2", None, clock.now))
    found = store.get("resp_1", "alice")
    assert found is not None and found.input[0]["content"] == "é ünïcode"
    assert found.response["id"] == "resp_1" and found.created_at == clock.now
    assert store.get("resp_1", "bob") is None and store.get("resp_1", None) is None
    assert store.get("resp_2", None) is not None and store.get("resp_2", "alice") is None
    assert store.get("resp_3", None) is None


def test_a_conversation_is_one_row_a_turn_read_oldest_first(db: SharedDatabase) -> None:
    clock = Clock()
    store = ResponseStore(db, keep_s=DAY, clock=clock)
    first = kept("resp_1", "alice", clock.now, "one")
    second = kept("resp_2", "alice", clock.now, "two", first)
    third = kept("resp_3", "alice", clock.now, "three", second)
    branch = kept("resp_b", "alice", clock.now, "other two", first)
    for turn in (first, second, third, branch):
        store.put(turn)
    chain = store.chain("resp_3", "alice")
    assert chain is not None and [k.id for k in chain] == ["resp_1", "resp_2", "resp_3"]
    assert [k.input[0]["content"] for k in chain] == ["one", "two", "three"]
    assert {k.root for k in chain} == {"resp_1"}
    other = store.chain("resp_b", "alice")
    assert other is not None and [k.id for k in other] == ["resp_1", "resp_b"]
    assert store.chain("resp_3", "bob") is None
    found = store.conversation("resp_3", "alice")  # what continuing it sends, parsed once
    assert found is not None and found[1] == "resp_1"
    assert [item["content"] for item in found[0]] == [
        "one", "re: one", "two", "re: two", "three", "re: three"
    ]  # fmt: skip
    assert store.conversation("resp_3", "bob") is None


def test_delete_is_by_key_and_once_and_breaks_the_turns_after(db: SharedDatabase) -> None:
    clock = Clock()
    store = ResponseStore(db, keep_s=DAY, clock=clock)
    first = kept("resp_1", "alice", clock.now)
    store.put(first)
    store.put(kept("resp_2", "alice", clock.now, previous=first))
    assert not store.delete("resp_1", "bob")
    assert store.delete("resp_1", "alice")
    assert not store.delete("resp_1", "alice")
    assert store.get("resp_1", "alice") is None
    assert store.chain("resp_2", "alice") is None  # a turn of its conversation is gone
    assert store.conversation("resp_2", "alice") is None


def test_a_conversation_expires_from_its_last_turn_and_is_swept(db: SharedDatabase) -> None:
    clock = Clock()
    store = ResponseStore(db, keep_s=DAY, clock=clock)
    old = kept("resp_old", None, clock.now)
    alive = kept("resp_a1", None, clock.now)
    store.put(old)
    store.put(alive)
    clock.now += DAY / 2
    store.put(kept("resp_a2", None, clock.now, previous=alive))  # the conversation goes on
    clock.now += DAY / 2 + 1  # its first turn is a day and a second old, its last half a day
    assert store.get("resp_old", None) is None
    assert store.get("resp_a1", None) is not None and store.get("resp_a2", None) is not None
    assert store.sweep() == 1
    assert store.chain("resp_a2", None) is not None
    clock.now += DAY
    assert store.get("resp_a2", None) is None and store.conversation("resp_a2", None) is None
    assert store.sweep() == 2


def test_a_put_again_replaces(db: SharedDatabase) -> None:
    clock = Clock()
    store = ResponseStore(db, keep_s=DAY, clock=clock)
    store.put(kept("resp_1", None, clock.now, "first"))
    store.put(kept("resp_1", None, clock.now, "second"))
    found = store.get("resp_1", None)
    assert found is not None and found.input[0]["content"] == "second"
