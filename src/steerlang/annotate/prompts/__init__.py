"""Prompt templates: data files (`<purpose>.txt`) filled with `string.Template`.

`$name` / `${name}` placeholders leave JSON braces in the text alone. A
template's sha256 goes into each module's staging fingerprint and the run
record, so editing a prompt re-runs exactly the work that used it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Template
from typing import Any


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    def render(self, **values: Any) -> str:
        """Fill every placeholder; a missing value is a bug in the caller, so it raises."""
        return Template(self.text).substitute({k: _text(v) for k, v in values.items()})


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


@cache
def load_prompt(name: str) -> PromptTemplate:
    path = resources.files(__name__).joinpath(f"{name}.txt")
    return PromptTemplate(name, path.read_text(encoding="utf-8"))


def prompt_hashes(names: list[str] | tuple[str, ...]) -> dict[str, str]:
    return {name: load_prompt(name).sha256 for name in names}
