"""The tiny GGUF model: deterministic, small, and a well-formed llama file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import gguf
import pytest

from fulcrum.testing.tiny_gguf import CHATML_TEMPLATE, TinyModelSpec, write_tiny_gguf


def _field(reader: gguf.GGUFReader, key: str) -> object:
    field = reader.get_field(key)
    assert field is not None, key
    return field.contents()


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a = write_tiny_gguf(tmp_path / "a.gguf").read_bytes()
    b = write_tiny_gguf(tmp_path / "b.gguf").read_bytes()
    c = write_tiny_gguf(tmp_path / "c.gguf", TinyModelSpec(seed=7)).read_bytes()
    assert hashlib.sha256(a).digest() == hashlib.sha256(b).digest()
    assert a != c
    assert len(a) == len(c)


def test_model_is_under_one_megabyte(tmp_path: Path) -> None:
    path = write_tiny_gguf(tmp_path / "nested" / "m.gguf")
    assert 100_000 < path.stat().st_size < 1_000_000


def test_metadata_and_tensors(tmp_path: Path) -> None:
    spec = TinyModelSpec()
    reader = gguf.GGUFReader(write_tiny_gguf(tmp_path / "m.gguf", spec))
    assert _field(reader, "general.architecture") == "llama"
    assert _field(reader, "llama.block_count") == 2
    assert _field(reader, "llama.embedding_length") == 64
    assert _field(reader, "tokenizer.ggml.model") == "llama"
    assert _field(reader, "tokenizer.chat_template") == CHATML_TEMPLATE
    tokens = _field(reader, "tokenizer.ggml.tokens")
    assert isinstance(tokens, list)
    assert len(tokens) == spec.vocab_size == 261
    assert "<0x41>" in tokens
    names = {t.name for t in reader.tensors}
    assert len(names) == 3 + 9 * spec.layers
    embd = next(t for t in reader.tensors if t.name == "token_embd.weight")
    assert [int(n) for n in embd.shape] == [spec.width, spec.vocab_size]


def test_rejects_inconsistent_heads(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="heads"):
        write_tiny_gguf(tmp_path / "bad.gguf", TinyModelSpec(width=64, heads=5))
