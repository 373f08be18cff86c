"""Claims, leases and exactly-once finishing on the ledger database (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fulcrum.batch import queue
from fulcrum.batch.store import BatchStore, Counts, Job, NewItem
from fulcrum.ledger import open_store
from fulcrum.ledger.row import LedgerRow
from fulcrum.routing.budget import open_database
from fulcrum.testing.postgres import PostgresCluster


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest) -> str | None:
    if request.param == "sqlite":
        return None
    cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database()


@pytest.fixture
def store(url: str | None) -> Iterator[BatchStore]:
    db = open_database(url)
    try:
        yield BatchStore(db)
    finally:
        db.close()


def _batch(store: BatchStore, n: int, now: float = 1000.0) -> Job:
    job = Job(
        id="msgbatch_1", api="anthropic", created_at=now, endpoint="/v1/messages",
        input_file_id=None, completion_window=None, metadata=None, total=n,
        cancelled_at=None, output_file_id="file-o", error_file_id="file-e", counts=Counts(),
    )  # fmt: skip
    items = [NewItem(f"{i:032x}", f"req-{i}", {"model": "m"}) for i in range(n)]
    store.create(job, items)
    return job


def _row(item: queue.Claimed) -> LedgerRow:
    return LedgerRow(id=item.id, backend="box", backend_kind="local", model="m",
                     endpoint="/v1/messages/batches", stream=False, status=200)  # fmt: skip


def _finish(store: BatchStore, item: queue.Claimed, now: float) -> bool:
    return queue.finish(store, item, outcome="succeeded", status_code=200,
                        result={"ok": True}, row=_row(item), now=now)  # fmt: skip


def test_a_claim_takes_each_item_once(store: BatchStore) -> None:
    _batch(store, 3)
    first = queue.claim(store, 2, token="a", now=1001, lease_s=10)
    second = queue.claim(store, 5, token="b", now=1001, lease_s=10)
    assert [c.custom_id for c in first] == ["req-0", "req-1"]
    assert [c.custom_id for c in second] == ["req-2"]
    assert queue.claim(store, 5, token="c", now=1002, lease_s=10) == []
    assert all(c.attempts == 1 and c.api == "anthropic" for c in first + second)


def test_an_expired_lease_is_taken_over_and_the_old_claim_cannot_finish(
    store: BatchStore, url: str | None
) -> None:
    job = _batch(store, 1)
    (crashed,) = queue.claim(store, 1, token="dead", now=1001, lease_s=10)
    assert queue.claim(store, 1, token="early", now=1005, lease_s=10) == []  # still leased
    (retried,) = queue.claim(store, 1, token="alive", now=1012, lease_s=10)
    assert retried.id == crashed.id and retried.attempts == 2
    assert not _finish(store, crashed, now=1013)  # the lost claim writes nothing
    assert _finish(store, retried, now=1014)
    assert not _finish(store, retried, now=1015)  # finished once, never again
    ledger = open_store(url)
    try:
        assert [r.id for r in ledger.rows()] == [crashed.id]
    finally:
        ledger.close()
    found = store.job(job.id, None)
    assert found is not None and found.counts.outcomes["succeeded"] == 1
    assert found.counts.pending == 0 and found.counts.ended_at == 1014
    assert [r.custom_id for r in store.results(job.id)] == ["req-0"]


def test_renew_keeps_a_running_item_and_release_requeues_it(store: BatchStore) -> None:
    _batch(store, 1)
    (item,) = queue.claim(store, 1, token="a", now=1001, lease_s=10)
    queue.renew(store, ["a"], until=1100)
    assert queue.claim(store, 1, token="b", now=1050, lease_s=10) == []
    assert queue.release(store, item, not_before=1060)
    assert queue.claim(store, 1, token="b", now=1055, lease_s=10) == []  # not due yet
    (again,) = queue.claim(store, 1, token="b", now=1060, lease_s=10)
    assert again.id == item.id and not _finish(store, item, now=1061)


def test_cancelling_an_ended_batch_changes_nothing(store: BatchStore) -> None:
    job = _batch(store, 1)
    (item,) = queue.claim(store, 1, token="a", now=1001, lease_s=10)
    assert _finish(store, item, now=1002)
    after = store.cancel(job.id, None, now=1003)
    assert after is not None and after.cancelled_at is None
    assert after.counts.outcomes["succeeded"] == 1 and after.counts.outcomes["canceled"] == 0
