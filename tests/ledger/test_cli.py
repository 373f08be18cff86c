from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from fulcrum.ledger import LedgerRow, LedgerWriter, LocalMachine, Pricer, open_store
from fulcrum.testing.postgres import PostgresCluster

from .conftest import FakePrices

RowFactory = Callable[..., LedgerRow]
Cli = Callable[[list[str]], tuple[int, str, str]]
T0 = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)


def fill(url: str | None, fake_prices: FakePrices, make_row: RowFactory) -> None:
    """Day 1: 3 local calls (qwen) + 1 API call; day 3: 1 API call of an unpriced model."""
    box = LocalMachine(price_usd=Decimal(26280), load_w=Decimal(1000), usd_per_kwh=Decimal("0.25"))
    writer = LedgerWriter(open_store(url), Pricer(fake_prices, machine=box))
    for i in range(3):
        writer.submit(
            make_row(
                ts=T0 + timedelta(minutes=i),
                backend="llama",
                backend_kind="local",
                model="qwen",
                duration_ms=36_000.0,
                session="s1",
            )
        )
    writer.submit(make_row(ts=T0, model="cheap-model", provider="acme", session="s2"))
    writer.submit(make_row(ts=T0 + timedelta(days=2), model="mystery", provider="x", session="s2"))
    writer.close()


def test_text_report(ledger_cli: Cli, fake_prices: FakePrices, make_row: RowFactory) -> None:
    fill(None, fake_prices, make_row)
    code, out, err = ledger_cli(["ledger"])
    assert (code, err) == (0, "")
    assert "2026-04-01" in out
    assert "2026-04-02" in out  # zero-filled
    assert "total: 5 calls, $0.0387 (+1 unknown) spent, $0.0225 on the frontier" in out
    assert "local share: 60.0% of calls" in out
    # Day 3 holds only a call of unknown cost: the mean covers days 1 and 2 (zero-filled).
    assert "mean $0.0194, p95 $0.0387 (days with calls of unknown cost: 1)" in " ".join(out.split())


def test_json_and_csv_by_model(
    tmp_path: Path,
    ledger_cli: Cli,
    fake_prices: FakePrices,
    make_row: RowFactory,
) -> None:
    fill(None, fake_prices, make_row)
    target = tmp_path / "out.csv"
    code, out, _ = ledger_cli(["ledger", "--by", "model", "--json", "--csv", str(target)])
    assert code == 0
    data = json.loads(out)
    assert data["by"] == "model"
    assert data["total"]["calls"] == 5
    assert Decimal(data["total"]["cost_usd"]) == Decimal("0.0387")
    assert data["total"]["cost_unknown_calls"] == 1
    assert Decimal(data["total"]["counterfactual_usd"]) == Decimal("0.0225")
    groups = {g["key"]: g for g in data["groups"]}
    assert Decimal(groups["qwen"]["cost_usd"]) == Decimal("0.0375")
    assert groups["qwen"]["local_share_calls"] == 1.0
    assert groups["mystery"]["cost_usd"] is None
    assert Decimal(data["p95_daily_usd"]) == Decimal("0.0387")
    with target.open() as fh:
        table = list(csv.DictReader(fh))
    assert {r["model"] for r in table} == {"qwen", "cheap-model", "mystery"}
    assert next(r for r in table if r["model"] == "mystery")["cost_usd"] == ""


def test_since_until_and_env_url(
    tmp_path: Path,
    ledger_cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
    fake_prices: FakePrices,
    make_row: RowFactory,
) -> None:
    url = str(tmp_path / "team.db")
    fill(url, fake_prices, make_row)
    monkeypatch.setenv("FULCRUM_LEDGER_URL", url)
    code, out, _ = ledger_cli(["ledger", "--until", "2026-04-01", "--json"])
    assert code == 0
    assert json.loads(out)["total"]["calls"] == 4
    code, out, _ = ledger_cli(["ledger", "--since", "2026-04-02T00:00:00Z", "--json"])
    assert json.loads(out)["total"]["calls"] == 1
    code, _, err = ledger_cli(["ledger", "--since", "2026-05-01"])
    assert code == 2
    assert "no calls in the chosen period" in err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["ledger"], "has no calls"),
        (["ledger", "--db", "/nonexistent/dir/l.db"], "no ledger at /nonexistent/dir/l.db"),
        (  # the name every command that reads the ledger takes, and the hint names it
            ["ledger", "--ledger-url", "/nonexistent/l.db"],
            "the ledger's URL: --ledger-url or FULCRUM_LEDGER_URL",
        ),
        (["ledger", "--since", "yesterday"], "--since: 'yesterday' is not a date"),
        (["ledger", "--until", "2026-01-01T10:00"], "--until: '2026-01-01T10:00' has no time zone"),
        (["ledger", "--by", "api_key"], "--by: 'api_key' is not a ledger grouping"),
        (
            ["ledger", "--since", "2026-02-01", "--until", "2026-01-01"],
            "--since: 2026-02-01 is after --until 2026-01-01",
        ),
        (["ledger", "--until", "9999-12-31"], "--until: '9999-12-31' is past the last day"),
        (  # the config is read by the gateway's own parser: a typo is not ignored
            ["ledger", "--config", "{tmp}/typo.toml"],
            "typo.toml: ledger.urll: unknown key `urll`; did you mean `url`?",
        ),
    ],
)
def test_errors_are_one_line_exit_2(
    argv: list[str], needle: str, ledger_cli: Cli, tmp_path: Path
) -> None:
    open_store(None).close()  # an empty ledger exists in the data dir
    (tmp_path / "typo.toml").write_text('[ledger]\nurll = "x.sqlite3"\n')
    code, out, err = ledger_cli([arg.format(tmp=tmp_path) for arg in argv])
    assert code == 2
    assert out == ""
    assert needle in err
    assert len(err.strip().splitlines()) == 1
    assert "pw@" not in err


@pytest.mark.postgres
def test_report_from_postgres(
    pg_cluster: PostgresCluster,
    ledger_cli: Cli,
    fake_prices: FakePrices,
    make_row: RowFactory,
) -> None:
    url = pg_cluster.create_database()
    fill(url, fake_prices, make_row)
    code, out, _ = ledger_cli(["ledger", "--db", url, "--by", "session", "--json"])
    assert code == 0
    data = json.loads(out)
    assert Decimal(data["total"]["cost_usd"]) == Decimal("0.0387")
    assert {g["key"]: g["calls"] for g in data["groups"]} == {"s1": 3, "s2": 2}


def test_spend_per_developer_is_grouped_by_the_client_keys_name(
    ledger_cli: Cli, fake_prices: FakePrices, make_row: RowFactory
) -> None:
    writer = LedgerWriter(open_store(None), Pricer(fake_prices))
    for key in ("alice", "alice", "bob", None):
        writer.submit(make_row(ts=T0, model="cheap-model", provider="acme", client_key=key))
    writer.close()
    code, out, _ = ledger_cli(["ledger", "--by", "client_key", "--json"])
    assert code == 0
    assert {g["key"]: g["calls"] for g in json.loads(out)["groups"]} == {
        "alice": 2, "bob": 1, "(none)": 1,
    }  # fmt: skip


def test_config_file_url_sits_below_the_flag(
    tmp_path: Path, ledger_cli: Cli, fake_prices: FakePrices, make_row: RowFactory
) -> None:
    team = tmp_path / "team.db"
    fill(str(team), fake_prices, make_row)
    config = tmp_path / "gateway.toml"
    config.write_text(f'[server]\nport = 9999\n\n[ledger]\nurl = "{team}"\n')
    code, out, _ = ledger_cli(["ledger", "--config", str(config), "--json"])
    assert code == 0
    assert json.loads(out)["total"]["calls"] == 5
    open_store(None).close()  # empty default ledger: --db wins over the file
    code, _, err = ledger_cli(["ledger", "--config", str(config), "--db", ""])
    assert code == 2
    assert "has no calls" in err


@pytest.mark.parametrize(
    ("text", "needle"),
    [("[ledger\nurl=", "not valid TOML"), ("[ledger]\nurl = 5\n", "ledger.url: expected a string")],
)
def test_bad_config_file_is_named(tmp_path: Path, ledger_cli: Cli, text: str, needle: str) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text(text)
    code, _, err = ledger_cli(["ledger", "--config", str(config)])
    assert code == 2
    assert str(config) in err
    assert needle in err


def test_the_text_fits_80_columns_and_keeps_every_figure(
    ledger_cli: Cli, fake_prices: FakePrices, make_row: RowFactory
) -> None:
    fill(None, fake_prices, make_row)
    long = "7d3f0c2a-1b4e-4f6a-9c8d-2e5b7a9f1c3d-agent-main-loop"
    writer = LedgerWriter(open_store(None), Pricer(fake_prices))
    for i in range(3):  # one session of long id, large token counts and amounts
        writer.submit(
            make_row(
                ts=T0 + timedelta(hours=i),
                model="cheap-model",
                provider="acme",
                session=long,
                input_tokens=12_000_000,
                output_tokens=3_000_000,
            )
        )
    writer.close()  # fmt: skip
    texts = {}
    for by in ("day", "session", "model"):
        argv = ["ledger"] if by == "day" else ["ledger", "--by", by]
        code, out, _ = ledger_cli(argv)
        assert code == 0
        assert max(len(line) for line in out.splitlines()[1:]) <= 80, out  # [0]: its location
        report = json.loads(ledger_cli([*argv, "--json"])[1])
        for bucket in report["groups" if by != "day" else "days"]:
            assert bucket["key"] in out and f"{int(bucket['tokens']):,}" in out
            assert bucket["cost_usd"] is None or f"${Decimal(bucket['cost_usd']):,.4f}" in out
        assert f"total: {report['total']['calls']} calls" in " ".join(out.split())
        texts[by] = " ".join(out.split())
    assert "+1?" in texts["session"]  # s2: a priced call and one of unknown cost
    assert "(+1 unknown) saved" in texts["day"]
    out = ledger_cli(["ledger", "--until", "2026-04-01"])[1]
    assert "daily spend over 1 day: mean" in " ".join(out.split())


@pytest.mark.parametrize(
    "url",
    [
        "host=127.0.0.1 port=1 user=postgres password=topsecretpw99",  # libpq keywords
        "postgres:topsecretpw99@127.0.0.1/db",  # a URL without its scheme
        "ledger.db\npassword=topsecretpw99",
    ],
)
def test_a_connection_string_is_refused_never_a_file(
    url: str, ledger_cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = ledger_cli(["ledger", "--db", url])
    assert code == 2 and out == ""
    assert "ledger.url: the value is a connection string" in err
    assert len(err.strip().splitlines()) == 1
    assert "topsecretpw99" not in err
    assert list(tmp_path.iterdir()) == []  # no SQLite file named after it


def test_a_database_not_reached_is_one_line_exit_1(ledger_cli: Cli) -> None:
    code, out, err = ledger_cli(["ledger", "--db", "postgresql://u:pw@127.0.0.1:1/x"])
    assert (code, out) == (1, "")  # the job failed, as batch and wake replay say for a server
    assert "cannot connect" in err and len(err.strip().splitlines()) == 1
    assert "pw@" not in err
