"""``fulcrum router`` end to end: split, train, score, eval, and the one-line errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from fulcrum.testing.cli import run_cli

Capsys = pytest.CaptureFixture[str]


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_train_then_score_learns_the_signal(outcomes: Path, tmp_path: Path, capsys: Capsys) -> None:
    model = tmp_path / "m.npz"
    code, out, _ = run_cli(["router", "train", str(outcomes), "--out", str(model)], capsys)
    assert code == 0 and f"wrote {model}" in out and "240 rows" in out
    scored = tmp_path / "scored.csv"
    code, _, err = run_cli(
        ["router", "score", str(outcomes), "--out", str(scored), "--model", str(model)], capsys
    )
    assert code == 0, err
    rows = _read(scored)
    assert list(rows[0]) == ["id", "frontier_score"] and len(rows) == 240
    scores = {r["id"]: float(r["frontier_score"]) for r in rows}
    assert all(0.0 <= s <= 1.0 for s in scores.values())
    hard = [scores[f"q{i}"] for i in range(0, 240, 2)]
    easy = [scores[f"q{i}"] for i in range(1, 240, 2)]
    assert sum(hard) / len(hard) > sum(easy) / len(easy) + 0.3
    assert sum(h > max(easy) for h in hard) > 0.8 * len(hard)  # noise: 10% of hard pass weak


def test_eval_reports_the_model_against_the_baselines(
    outcomes: Path, tmp_path: Path, capsys: Capsys
) -> None:
    model = tmp_path / "m.npz"
    run_cli(["router", "train", str(outcomes), "--out", str(model)], capsys)
    code, out, _ = run_cli(
        ["router", "eval", str(outcomes), "--model", str(model), "--json"], capsys
    )
    body = json.loads(out)
    assert code == 0 and len(body["model"]) == 12
    (toy,) = body["benchmarks"]
    assert toy["benchmark"] == "toy" and toy["rows"] == 240
    routers = toy["routers"]
    assert set(routers) == {"learned", "prompt-length", "random"}
    gains = sum(float(r["strong_score"]) - float(r["weak_score"]) for r in _read(outcomes))
    oracle = 1 - gains / 240 / 2  # every gain first: PGR climbs to 1 at share gains/240
    assert routers["learned"]["apgr"] > oracle - 0.01
    assert routers["prompt-length"]["apgr"] < oracle - 0.1
    assert routers["random"] == {"apgr": 0.5, "cpt50": 0.5, "cpt80": 0.8}
    code, table, _ = run_cli(["router", "eval", str(outcomes), "--model", str(model)], capsys)
    assert code == 0 and "toy: APGR +0." in table and "CPT(80%)" in table


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_eval_plot(outcomes: Path, tmp_path: Path, capsys: Capsys, suffix: str) -> None:
    plot = tmp_path / f"pgr{suffix}"
    code, _, err = run_cli(["router", "eval", str(outcomes), "--plot", str(plot)], capsys)
    assert code == 0, err
    head = plot.read_bytes()[:200]
    assert head.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in head


def test_training_on_ties_or_one_row_warns_that_nothing_was_learned(
    tmp_path: Path, capsys: Capsys
) -> None:
    """A model of all ties or of no shared word routes every request alike: say so."""
    ties, one = tmp_path / "ties.csv", tmp_path / "one.csv"
    ties.write_text("prompt,strong_score,weak_score\n"
                    + "".join(f"fix the parser bug {i},1,1\n" for i in range(6)))  # fmt: skip
    one.write_text("prompt,strong_score,weak_score\nfix the parser,1,0\n")
    code, _, err = run_cli(["router", "train", str(ties), "--out", str(tmp_path / "t.npz")], capsys)
    assert code == 0 and "every label is a tie" in err and "no text terms" not in err
    code, _, err = run_cli(["router", "train", str(one), "--out", str(tmp_path / "o.npz")], capsys)
    assert code == 0 and "no text terms" in err and "tie" not in err


def test_train_without_out_writes_into_the_data_dir(
    outcomes: Path, _isolated_data_dir: Path, capsys: Capsys
) -> None:
    code, out, _ = run_cli(["router", "train", str(outcomes)], capsys)
    target = _isolated_data_dir / "router" / "model.npz"
    assert code == 0 and target.is_file() and str(target) in out


def test_split_is_deterministic_and_disjoint(
    outcomes: Path, tmp_path: Path, capsys: Capsys
) -> None:
    args = ["router", "split", str(outcomes), "--test-share", "0.25"]
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    code, _, _ = run_cli([*args, "--out-train", str(a), "--out-test", str(b)], capsys)
    again = tmp_path / "b2.csv"
    run_cli([*args, "--out-train", str(tmp_path / "a2.csv"), "--out-test", str(again)], capsys)
    train_ids = {r["id"] for r in _read(a)}
    test_ids = {r["id"] for r in _read(b)}
    assert code == 0 and not train_ids & test_ids and len(train_ids | test_ids) == 240
    assert 30 < len(test_ids) < 90
    assert b.read_bytes() == again.read_bytes()
    assert list(_read(b)[0]) == ["id", "benchmark", "prompt", "strong_score", "weak_score"]


def test_a_missing_column_is_one_line_naming_it(tmp_path: Path, capsys: Capsys) -> None:
    data = tmp_path / "bad.csv"
    data.write_text("prompt,strong_score\nhello,1\n")
    code, out, err = run_cli(["router", "train", str(data), "--out", str(tmp_path / "m")], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "'weak_score'" in err and str(data) in err
    assert "Traceback" not in err


def test_a_bad_number_names_the_line_and_column(tmp_path: Path, capsys: Capsys) -> None:
    data = tmp_path / "bad.csv"
    data.write_text("prompt,strong_score,weak_score\nhello,1,0\nbye,yes,0\n")
    code, _, err = run_cli(["router", "eval", str(data)], capsys)
    assert code == 2 and f"{data}:3: strong_score: not a number: 'yes'" in err


def test_a_row_with_more_cells_than_the_header_is_refused(tmp_path: Path, capsys: Capsys) -> None:
    # an unquoted comma in a prompt: "hello, world" shifted the scores into the prompt's words
    data = tmp_path / "bad.csv"
    data.write_text("prompt,strong_score,weak_score\nhi,1,0\nhello, world,1,0\n")
    code, _, err = run_cli(["router", "train", str(data), "--out", str(tmp_path / "m")], capsys)
    assert code == 2 and err.count("\n") == 1
    assert f"{data}:3: 4 cells, the header has 3 (a prompt holding a comma must be quoted)" in err


def test_an_agent_kind_no_request_has_is_refused(tmp_path: Path, capsys: Capsys) -> None:
    # "mainloop" trained as a term that never matches a live request, without a word
    data = tmp_path / "bad.csv"
    data.write_text("prompt,strong_score,weak_score,kind\nhi,1,0,main\nho,1,0,mainloop\n")
    code, _, err = run_cli(["router", "train", str(data), "--out", str(tmp_path / "m")], capsys)
    assert code == 2 and f"{data}:3: kind: 'mainloop' is not a request kind; accepted: main," in err


@pytest.mark.parametrize(
    ("command", "text", "message"),
    [
        (["score"], "id,prompt\ndup,a\nx,b\ndup,c\n",
         ":4: id: 'dup' is also the id of line 2 (ids must be unique"),
        (["split"], "id,prompt\ndup,a\ndup,c\n", ":3: id: 'dup' is also the id of line 2"),
        (["train"], "prompt,strong_score,weak_score\nhi,1,0\nho,2,0\n", ""),
        (["train"], "prompt,strong_score,weak_score\nhi,1,0\nho,1,-1\n",
         ":3: weak_score: '-1' is outside 0–10 (0/1 pass, or a judge's 1–10)"),
        (["train"], "prompt,strong_score,weak_score\nhi,11,0\n",
         ":2: strong_score: '11' is outside"),
        (["train"], "prompt,strong_score,weak_score,tools\nhi,1,0,-3\n",
         ":2: tools: '-3' is negative (a count)"),
    ],
)  # fmt: skip
def test_duplicate_ids_scores_off_scale_and_negative_counts_are_refused(
    tmp_path: Path, capsys: Capsys, command: list[str], text: str, message: str
) -> None:
    data = tmp_path / "rows.csv"
    data.write_text(text)
    out = {
        "score": ["--out", str(tmp_path / "s.csv")],
        "train": ["--out", str(tmp_path / "m")],
        "split": ["--out-train", str(tmp_path / "a.csv"), "--out-test", str(tmp_path / "b.csv")],
    }
    code, _, err = run_cli(["router", *command, str(data), *out[command[0]]], capsys)
    if not message:  # a judge's 2 is on the 1–10 scale: accepted
        assert code == 0, err
        return
    assert code == 2 and err.count("\n") == 1 and f"{data}{message}" in err, err


def test_a_bad_model_file_is_exit_2(outcomes: Path, tmp_path: Path, capsys: Capsys) -> None:
    model = tmp_path / "model.npz"
    model.write_bytes(b"not a model")
    out = tmp_path / "s.csv"
    args = ["router", "score", str(outcomes), "--out", str(out), "--model", str(model)]
    code, _, err = run_cli(args, capsys)
    assert code == 2 and err.count("\n") == 1 and str(model) in err
    assert "not a fulcrum router model (not an .npz file;" in err and not out.exists()
    assert "pickle" not in err  # numpy's own words for it are not the user's
    code, _, err = run_cli([*args[:-1], str(tmp_path / "absent.npz")], capsys)
    assert code == 2 and "absent.npz" in err
    other = tmp_path / "other.npz"  # an .npz, but not a model
    np.savez(other, a=np.zeros(3))
    code, _, err = run_cli([*args[:-1], str(other)], capsys)
    assert code == 2 and "(an .npz without the array 'words')" in err


def test_a_spreadsheet_export_is_read(outcomes: Path, tmp_path: Path, capsys: Capsys) -> None:
    """A byte-order mark, spaces after the header's commas and capitals, as spreadsheets
    write them."""
    data = tmp_path / "export.csv"
    header, rest = outcomes.read_text(encoding="utf-8").split("\n", 1)
    header = header.replace(",", ", ").replace("prompt", "Prompt").replace("strong", "Strong")
    data.write_text("\ufeff" + header + "\n" + rest, encoding="utf-8")
    assert data.read_bytes().startswith(b"\xef\xbb\xbf")
    code, out, err = run_cli(["router", "train", str(data), "--out", str(tmp_path / "m")], capsys)
    assert code == 0, err
    assert "240 rows" in out


def test_eval_without_a_gap_says_so(tmp_path: Path, capsys: Capsys) -> None:
    """Where both models score the same, APGR is undefined: said in words, never ``nan``."""
    data = tmp_path / "same.csv"
    data.write_text("id,prompt,strong_score,weak_score\na,hello,1,1\nb,bye,0,0\n")
    code, out, _ = run_cli(["router", "eval", str(data)], capsys)
    assert code == 0 and "nan" not in out.lower()
    assert "all: APGR n/a (the strong model scores no better than the weak: 0.500 vs 0.500)" in out


def test_eval_where_the_weak_model_scores_higher_says_so(tmp_path: Path, capsys: Capsys) -> None:
    """PGR's gap is negative there: a worse router would score a higher APGR; n/a instead."""
    data = tmp_path / "inverted.csv"
    rows = [f"r{i},{'x' * (i + 1)},{i % 2},1" for i in range(20)]  # weak: 1.0, strong: 0.5
    data.write_text("id,prompt,strong_score,weak_score\n" + "\n".join(rows) + "\n")
    code, out, _ = run_cli(["router", "eval", str(data)], capsys)
    assert code == 0 and "all: APGR n/a (the strong model scores no better than the weak: " in out
    code, out, _ = run_cli(["router", "eval", str(data), "--json"], capsys)
    assert all(r["apgr"] is None for r in json.loads(out)["benchmarks"][0]["routers"].values())


def test_score_needs_an_id_column(tmp_path: Path, capsys: Capsys) -> None:
    data = tmp_path / "p.csv"
    data.write_text("prompt\nhello\n")
    code, _, err = run_cli(["router", "score", str(data), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "missing column 'id'" in err


def test_hold_out_matches_split(outcomes: Path, tmp_path: Path, capsys: Capsys) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    split = ["router", "split", str(outcomes), "--test-share", "0.25"]
    run_cli([*split, "--out-train", str(a), "--out-test", str(b)], capsys)
    model = tmp_path / "m.npz"
    code, out, _ = run_cli(
        ["router", "train", str(outcomes), "--hold-out", "0.25", "--out", str(model)], capsys
    )
    assert code == 0 and f"{len(_read(a))} rows" in out
    code, out, _ = run_cli(
        ["router", "eval", str(outcomes), "--hold-out", "0.25", "--model", str(model), "--json"],
        capsys,
    )
    assert code == 0 and json.loads(out)["benchmarks"][0]["rows"] == len(_read(b))
    code, _, err = run_cli(["router", "eval", str(outcomes), "--hold-out", "1.5"], capsys)
    assert code == 2 and "--hold-out: expected a share between 0 and 1" in err


def test_split_needs_the_id_it_splits_by(tmp_path: Path, capsys: Capsys) -> None:
    """Without an id every row went to the held-out file (exit 0); an empty file wrote two
    files of one blank line."""
    for text in ("prompt,strong_score,weak_score\nfix it,1,0\n", ""):
        data = tmp_path / "rows.csv"
        data.write_text(text)
        args = ["router", "split", str(data), "--out-train", str(tmp_path / "a.csv"),
                "--out-test", str(tmp_path / "b.csv")]  # fmt: skip
        code, _, err = run_cli(args, capsys)
        assert code == 2 and "missing column 'id'" in err
        assert not (tmp_path / "a.csv").exists()
