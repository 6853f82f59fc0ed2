"""`${name}` templates, compiled once into `str.format` patterns over binding slots.

At load time a template is split on its placeholders; at render time filling it
is one C-level `str.format` call, with no regular expression per sample.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

Filler = Callable[[Sequence[str]], str]


def placeholders(text: str) -> list[str]:
    """Names referenced as `${name}` in `text`, in order of appearance."""
    return PLACEHOLDER.findall(text)


def substitute_names(text: str, values: dict[str, str]) -> str:
    """Replace only the named placeholders (used for `${camera}` at compile time)."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def compile_template(text: str, slot_of: Callable[[str], int]) -> Filler:
    """`fill(texts)` → `text` with each `${name}` replaced by `texts[slot_of(name)]`."""
    pieces: list[str] = []
    slots: list[int] = []
    position = 0
    for match in PLACEHOLDER.finditer(text):
        pieces.append(_escape_braces(text[position : match.start()]))
        slot = slot_of(match.group(1))
        slots.append(slot)
        pieces.append(f"{{{slot}}}")
        position = match.end()
    pieces.append(_escape_braces(text[position:]))
    pattern = "".join(pieces)
    if not slots:
        return lambda _texts: text
    if len(slots) == 1 and pattern == f"{{{slots[0]}}}":
        only = slots[0]
        return lambda texts: texts[only]
    return lambda texts: pattern.format(*texts)


def _escape_braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")
