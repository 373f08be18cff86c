"""Write a tiny llama-architecture GGUF model with random weights, for tests and benches.

The model is a real llama (RMSNorm, RoPE attention, SwiGLU feed-forward) that llama.cpp loads and
runs, just with random weights: 2 layers, 64 wide, a byte-level SentencePiece-style vocabulary
(control tokens plus one token per byte) and a ChatML chat template, so ``/v1/chat/completions``
and ``/v1/messages`` work. Deterministic for a given seed; about 0.5 MB.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gguf
import numpy as np

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' }}"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}"
    "{{ '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

# Control tokens first; then one token per byte (SentencePiece byte-fallback names).
CONTROL_TOKENS = ("<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>")
UNK_ID, BOS_ID, EOS_ID, IM_START_ID, IM_END_ID = range(len(CONTROL_TOKENS))


@dataclass(frozen=True)
class TinyModelSpec:
    """Shape of the tiny model. The defaults give a model of about half a megabyte."""

    layers: int = 2
    width: int = 64
    heads: int = 4
    kv_heads: int = 4
    ffn: int = 128
    context_length: int = 4096
    seed: int = 1234
    name: str = "fulcrum-tiny-llama"

    @property
    def vocab_size(self) -> int:
        return len(CONTROL_TOKENS) + 256


def _vocabulary() -> tuple[list[bytes], list[float], list[int]]:
    tokens = [t.encode() for t in CONTROL_TOKENS]
    types = [int(gguf.TokenType.UNKNOWN)] + [int(gguf.TokenType.CONTROL)] * (
        len(CONTROL_TOKENS) - 1
    )
    for byte in range(256):
        tokens.append(f"<0x{byte:02X}>".encode())
        types.append(int(gguf.TokenType.BYTE))
    scores = [0.0] * len(tokens)
    return tokens, scores, types


def _weights(spec: TinyModelSpec) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(spec.seed)
    head_dim = spec.width // spec.heads
    kv_width = head_dim * spec.kv_heads

    def matrix(rows: int, cols: int) -> np.ndarray:
        scale = 1.0 / np.sqrt(cols)
        weights: np.ndarray = (rng.standard_normal((rows, cols)) * scale).astype(np.float32)
        return weights

    def ones() -> np.ndarray:
        return np.ones(spec.width, dtype=np.float32)

    tensors: dict[str, np.ndarray] = {
        "token_embd.weight": matrix(spec.vocab_size, spec.width),
        "output_norm.weight": ones(),
        "output.weight": matrix(spec.vocab_size, spec.width),
    }
    for i in range(spec.layers):
        tensors |= {
            f"blk.{i}.attn_norm.weight": ones(),
            f"blk.{i}.attn_q.weight": matrix(spec.width, spec.width),
            f"blk.{i}.attn_k.weight": matrix(kv_width, spec.width),
            f"blk.{i}.attn_v.weight": matrix(kv_width, spec.width),
            f"blk.{i}.attn_output.weight": matrix(spec.width, spec.width),
            f"blk.{i}.ffn_norm.weight": ones(),
            f"blk.{i}.ffn_gate.weight": matrix(spec.ffn, spec.width),
            f"blk.{i}.ffn_up.weight": matrix(spec.ffn, spec.width),
            f"blk.{i}.ffn_down.weight": matrix(spec.width, spec.ffn),
        }
    return tensors


def write_tiny_gguf(path: Path, spec: TinyModelSpec | None = None) -> Path:
    """Write the tiny model to ``path`` (parent directories are created) and return ``path``."""
    spec = spec or TinyModelSpec()
    if spec.width % spec.heads or spec.heads % spec.kv_heads:
        raise ValueError("width must divide by heads, and heads by kv_heads")
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name(spec.name)
    writer.add_context_length(spec.context_length)
    writer.add_embedding_length(spec.width)
    writer.add_block_count(spec.layers)
    writer.add_feed_forward_length(spec.ffn)
    writer.add_head_count(spec.heads)
    writer.add_head_count_kv(spec.kv_heads)
    writer.add_rope_dimension_count(spec.width // spec.heads)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_file_type(int(gguf.LlamaFileType.ALL_F32))

    tokens, scores, types = _vocabulary()
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_unk_token_id(UNK_ID)
    writer.add_bos_token_id(BOS_ID)
    writer.add_eos_token_id(EOS_ID)
    writer.add_eot_token_id(IM_END_ID)
    writer.add_add_bos_token(False)
    writer.add_add_eos_token(False)
    writer.add_add_space_prefix(False)
    writer.add_chat_template(CHATML_TEMPLATE)

    for name, tensor in _weights(spec).items():
        writer.add_tensor(name, tensor)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
