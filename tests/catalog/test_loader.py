from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from fulcrum.catalog import load_catalog
from fulcrum.errors import ConfigError

SEED_TIERS = (
    "rtx-5090",
    "dgx-spark",
    "strix-halo",
    "mac-studio-m3-ultra-512",
    "mac-mini-m4-pro-64",
    "h100-80gb-used",
)
REFERENCE = Path(__file__).resolve().parents[2] / "data" / "reference"


def test_seed_tiers_present_with_sources() -> None:
    hw = load_catalog().hardware
    for hid in SEED_TIERS:
        tier = hw[hid]
        assert tier.bandwidth_gbps > 0 and tier.memory_gb > 0
        assert tier.source and tier.as_of
    assert hw["dgx-spark"].bandwidth_gbps == 273
    assert hw["mac-studio-m3-ultra-512"].memory_gb == 512


def test_every_hardware_specs_csv_row_is_a_tier() -> None:
    path = REFERENCE / "hardware_specs.csv"
    tiers = load_catalog().hardware.values()
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 17
    for row in rows:
        bw = float(row["memory_bandwidth_GBps"])
        mem = float(row["memory_GB"])
        match = [t for t in tiers if t.bandwidth_gbps == bw and t.memory_gb == mem]
        assert match, row["hardware"]


def test_models_have_scores_dates_and_kv_geometry() -> None:
    models = load_catalog().models
    assert len(models) >= 46
    sonnet = models["claude-sonnet-4-6"]
    assert sonnet.swe_bench_verified == 79.6 and sonnet.swe_bench_date == "2026-02-17"
    qwen = models["qwen3-coder-30b-a3b"]
    assert qwen.is_moe and qwen.kv_bytes_per_token() == 2 * 48 * 4 * 128 * 2
    assert not models["llama-3-70b"].is_moe


def test_user_file_merges_fields_and_adds_tiers(tmp_path: Path) -> None:
    f = tmp_path / "mine.toml"
    f.write_text(
        "[hardware.rtx-5090]\nprice_usd = 2600\n\n"
        '[hardware.my-box]\nname = "My box"\nmemory_gb = 64\nbandwidth_gbps = 400\n'
        'source = "vendor sheet"\nas_of = "2026-09-01"\n'
    )
    cat = load_catalog(f)
    assert cat.hardware["rtx-5090"].price_usd == Decimal(2600)
    assert cat.hardware["rtx-5090"].bandwidth_gbps == 1792
    assert cat.hardware["my-box"].bandwidth_gbps == 400


def test_env_var_names_user_file(tmp_path: Path) -> None:
    f = tmp_path / "env.toml"
    f.write_text("[quants.Q4_X]\nbits_per_weight = 4.4\n")
    cat = load_catalog(env={"FULCRUM_CATALOG": str(f)})
    assert cat.quants["Q4_X"].bits_per_weight == 4.4
    assert cat.user_file == str(f)


def test_bad_user_file_errors(tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text("[hardware.x]\nname = 'x'\nmemory_gb = -1\nbandwidth_gbps = 1\n")
    with pytest.raises(ConfigError, match=r"hardware\.x\.memory_gb"):
        load_catalog(f)
    f.write_text("[widgets.x]\na = 1\n")
    with pytest.raises(ConfigError, match="accepted: hardware"):
        load_catalog(f)
    f.write_text("not toml = = =")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_catalog(f)


def test_user_file_text_bom_and_not_utf8(tmp_path: Path) -> None:
    f = tmp_path / "mine.toml"
    plan = '[plans.team]\nname = "Team"\nmonthly_usd = 30\nsource = "x"\nas_of = "2026"\n'
    f.write_bytes(b"\xef\xbb\xbf" + plan.encode())
    assert load_catalog(f).plans["team"].monthly_usd == 30
    f.write_bytes(b'[plans.team]\nname = "\xff"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_catalog(f)


def test_unknown_id_lists_accepted() -> None:
    with pytest.raises(ConfigError, match=r"accepted: .*dgx-spark"):
        load_catalog().hardware_tier("dgx-sparkle", where="s.toml::options.hardware")


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ("[models.qwen3-coder-30b-a3b]\nswe_bench_verified = 150", "swe_bench_verified"),
        ("[models.qwen3-coder-30b-a3b]\nswe_bench_verified = 0", "swe_bench_verified"),
        ("[models.qwen3-coder-30b-a3b]\ntotal_params_b = 0", "total_params_b"),
        ("[models.qwen3-coder-30b-a3b]\nlayers = 0", "layers"),
        ("[hardware.rtx-5090]\nmemory_gb = 0", "memory_gb"),
        # a backend naming no family of the speed model silently changed its speed
        ('[hardware.rtx-5090]\nbackend = "zzz"', "backend"),
        ('[hardware.rtx-5090]\nas_of = "last spring"', "as_of"),
        ('[hardware.rtx-5090]\nas_of = "2026-13"', "as_of"),
        ('[models.qwen3-coder-30b-a3b]\nswe_bench_date = "2026-02-30"', "swe_bench_date"),
    ],
)
def test_an_override_outside_what_the_engine_can_use_names_its_field(
    tmp_path: Path, entry: str, field: str
) -> None:
    user = tmp_path / "cat.toml"
    user.write_text(entry + "\n")
    with pytest.raises(ConfigError, match=rf"\.{field}: expected "):
        load_catalog(user)
