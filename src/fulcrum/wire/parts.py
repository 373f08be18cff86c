"""Content that one API can carry and the other cannot, across a translation.

What has a counterpart is translated: an OpenAI ``file`` part holding a PDF as a ``data:``
URL becomes an Anthropic ``document`` block (Messages reads PDFs). What has none (audio, a
file known to OpenAI only by its id, an Anthropic PDF for an OpenAI-format server, a block
type the other API lacks) becomes a short text note in its place, never a silent gap: the
model learns that something was there and what, and the conversation goes on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PDF = "application/pdf"


def left_out(what: str, api: str) -> str:
    """The note standing in for content ``api`` cannot take."""
    return f"[{what} was left out here: {api} cannot take it]"


def anthropic_note(what: str) -> dict[str, Any]:
    """A text block noting ``what`` was left out on the way to an Anthropic model."""
    return {"type": "text", "text": left_out(what, "the Messages API")}


def openai_file_to_anthropic(part: Mapping[str, Any]) -> dict[str, Any]:
    """An OpenAI ``file`` content part as a Messages block: a PDF's document, else a note."""
    spec = part.get("file")
    spec = spec if isinstance(spec, Mapping) else {}
    data, name = spec.get("file_data"), spec.get("filename")
    label = f"a file ({name})" if isinstance(name, str) and name else "a file"
    prefix = f"data:{PDF};base64,"
    if isinstance(data, str) and data.startswith(prefix):
        block: dict[str, Any] = {
            "type": "document",
            "source": {"type": "base64", "media_type": PDF, "data": data[len(prefix) :]},
        }
        if isinstance(name, str) and name:
            block["title"] = name
        return block
    return anthropic_note(label)


def anthropic_block_label(block: Mapping[str, Any]) -> str:
    """How a note names a Messages block an OpenAI-format model cannot read."""
    kind = str(block.get("type") or "content")
    source = block.get("source")
    media = source.get("media_type") if isinstance(source, Mapping) else None
    if kind == "document":
        return f"a document ({media})" if isinstance(media, str) and media else "a document"
    return f"{article(kind)} block"


def article(kind: object) -> str:
    """``kind`` with its indefinite article (``an image``, ``a file``)."""
    text = str(kind or "untyped")
    return f"an {text}" if text[:1] in "aeiou" else f"a {text}"
