"""One table parser, one wording: every family of config file fails the same way."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

import fulcrum.routing.config as routing_config
from fulcrum.catalog import load_catalog
from fulcrum.costs.machine import LocalMachine
from fulcrum.costs.scenario import load_scenario
from fulcrum.errors import ConfigError, InputError
from fulcrum.evals.spec import load_spec
from fulcrum.gateway import config as gateway_config
from fulcrum.gateway.config import load_config
from fulcrum.routing import BackendCaps, parse_routing_config
from fulcrum.tables import Table, flag_number

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
GATEWAY = """
[backends.local]
format = "openai"
base_url = "http://127.0.0.1:9"
kind = "local"
"""
SPEC = 'instruction = "fix it"\neditable = ["a.py"]\ntest = "true"\n'


def gateway(tmp: Path, extra: str) -> None:
    path = tmp / "gw.toml"
    path.write_text(GATEWAY + extra, encoding="utf-8")
    load_config(path, env={})


def routing(tmp: Path, routes: dict[str, object]) -> None:
    parse_routing_config(routes, [BackendCaps("a", "api")], file=str(tmp / "gw.toml"))


def scenario(tmp: Path, old: str, new: str) -> None:
    text = (EXAMPLES / "seed_000_tiers.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp / "bad.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    load_scenario(path, load_catalog(env={}))


def catalog(tmp: Path, text: str) -> None:
    path = tmp / "bad.toml"
    path.write_text(text, encoding="utf-8")
    load_catalog(path, env={})


def spec(tmp: Path, extra: str) -> None:
    root = tmp / "s"
    (root / "files").mkdir(parents=True)
    (root / "spec.toml").write_text(SPEC + extra, encoding="utf-8")
    load_spec(root)


def machine(tmp: Path, section: dict[str, object]) -> None:
    LocalMachine.from_config(section, {}, file=str(tmp / "gw.toml"))


CASES: list[tuple[str, Callable[[Path], None], str, str]] = [
    # (family, make the mistake, field, words): an unknown key names a suggestion ...
    ("gateway", lambda p: gateway(p, "[server]\nprot = 1"), "server.prot", "`port`"),
    ("backend", lambda p: gateway(p, "contxt_window = 8"), "backends.local.contxt_window",
     "`context_window`"),
    ("routing", lambda p: routing(p, {"fallback": ["a"]}), "routes.fallback", "`fallbacks`"),
    ("scenario", lambda p: scenario(p, "agents = 1", "agentz = 1"), "api.agentz", "`agents`"),
    ("catalog", lambda p: catalog(p, "[hardware.rtx-5090]\nmemory_gbb = 3"),
     "hardware.rtx-5090.memory_gbb", "`memory_gb`"),
    ("spec", lambda p: spec(p, "timeout = 5"), "timeout", "`timeout_s`"),
    ("machine", lambda p: machine(p, {"load_ww": 300}), "machine.load_ww", "`load_w`"),
    # ... and a wrong type names what is accepted, in the same words everywhere
    ("gateway", lambda p: gateway(p, '[server]\nport = "80"'), "server.port",
     "expected an integer in [0, 65535], got '80'"),
    ("backend", lambda p: gateway(p, "context_window = 0"), "backends.local.context_window",
     "expected an integer >= 1, got 0"),
    ("routing", lambda p: routing(p, {"sticky_ttl_s": "x"}), "routes.sticky_ttl_s",
     "expected a number >= 0, got 'x'"),
    ("scenario", lambda p: scenario(p, "avg_w = 450", 'avg_w = "hot"'), "options[0].avg_w",
     "expected a number >= 0, got 'hot'"),
    ("catalog", lambda p: catalog(p, '[hardware.rtx-5090]\nmemory_gb = "lots"'),
     "hardware.rtx-5090.memory_gb", "expected a number >= 0, got 'lots'"),
    ("spec", lambda p: spec(p, 'timeout_s = "x"'), "timeout_s",
     "expected a number of seconds above 0, at most 86,400, got 'x'"),
    ("machine", lambda p: machine(p, {"price_usd": "cheap"}), "machine.price_usd",
     "expected a number >= 0, got 'cheap'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("family", "make", "field", "words"), CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES]
)
def test_every_family_words_the_same_mistake_the_same_way(
    tmp_path: Path, family: str, make: Callable[[Path], None], field: str, words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        make(tmp_path)
    error = caught.value
    assert error.field == field, family
    assert error.file is not None and error.file.startswith(str(tmp_path))
    assert words in error.message
    if "`" in words:
        assert f"unknown key `{field.rpartition('.')[2]}`; did you mean {words}?" in error.message
        assert "accepted: " in error.message
    assert error.exit_code == 2


def test_table_getters() -> None:
    t = Table({"n": 3, "d": "1.50", "f": True, "l": ["a"], "sub": {"x": 1}}, "f.toml", "top")
    assert t.integer("n", low=0) == 3 and t.integer("missing", 7) == 7
    assert t.decimal("d", low=0) == Decimal("1.50") and t.decimal("missing") is None
    with pytest.raises(ConfigError, match=r"top\.d: expected a number, got '1\.50'"):
        t.number("d")  # exact decimal text is for money; a float setting takes a TOML number
    assert t.flag("f") is True and t.str_list("l") == ("a",)
    assert t.table("sub").integer("x") == 1 and t.table("sub").path("x") == "top.sub.x"
    with pytest.raises(ConfigError, match=r"^f\.toml: top\.n: expected an integer in \[5, 9\]"):
        t.integer("n", low=5, high=9)
    with pytest.raises(ConfigError, match=r"top\.gone: is required; expected a non-empty string"):
        t.text("gone", required=True)
    with pytest.raises(ConfigError, match=r"top\.zzz: unknown key `zzz`; accepted: n, d$"):
        Table({"zzz": 1}, "f.toml", "top").only("n", "d")  # nothing close: no suggestion


def test_backend_tables_are_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """``[backends.NAME]`` is parsed in gateway/config only; routing gets typed BackendCaps."""
    seen: list[str] = []
    init = Table.__init__

    def spy(self: Table, data: object, file: str | None = None, prefix: str = "") -> None:
        seen.append(prefix)
        init(self, data, file, prefix)

    monkeypatch.setattr(Table, "__init__", spy)
    config = load_config(text=GATEWAY + 'models = ["m"]\ncontext_window = 8192', env={})
    assert seen.count("backends.local") == 1
    assert config.routes is not None
    assert config.routes.backend("local") == BackendCaps("local", "local", ("m",), 8192, None)
    assert config.routes.backend("local") == gateway_config.caps(config.backends["local"])
    assert not hasattr(routing_config, "parse_backend_caps")  # no second reader of the TOML
    backends = inspect.signature(parse_routing_config).parameters["backends"]
    assert backends.annotation == "Sequence[BackendCaps]"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -0.5, 11.0])
def test_flag_number_refuses_what_is_outside_its_range(value: float) -> None:
    with pytest.raises(InputError, match=r"^--x: expected a number in \[0, 10\], got "):
        flag_number("--x", value, 0, 10)
    assert flag_number("--x", 10.0, 0, 10) == 10.0


def test_a_field_with_no_bound_of_its_own_is_held_under_a_quadrillion() -> None:
    """1e300 dollars or 10**30 agents passed the schema and overflowed the cost engine's
    arithmetic (a traceback); every number now has a ceiling, named in the error."""
    t = Table({"price_usd": 1e300, "agents": 10**30, "fine": 10**15}, file="s.toml")
    for key, read in (("price_usd", t.decimal), ("agents", t.integer)):
        with pytest.raises(ConfigError, match="at most 1,000,000,000,000,000") as info:
            read(key)
        assert info.value.field == key
    assert t.integer("fine") == 10**15
