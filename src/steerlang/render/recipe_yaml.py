"""Reading a recipe file within bounds: UTF-8, at most 1 MB, YAML without aliases.

A recipe is a short hand-written file, but `render` may be given one from
anywhere: a few hundred bytes of nested YAML aliases (`*name`) expand to
gigabytes, so aliases are refused, and so is any file too large to be a recipe.
Every refusal is one line naming the file.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from steerlang.errors import SteerlangError

MAX_RECIPE_BYTES = 1_000_000


class _NoAliasLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` that stops at the first alias, before anything is expanded."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None,
                None,
                "aliases (*name) are not allowed in a recipe; write the value out",
                self.peek_event().start_mark,
            )
        return super().compose_node(parent, index)


def read_recipe_text(path: Path) -> str:
    """The file's text, refused if it is too large or not UTF-8."""
    if path.stat().st_size > MAX_RECIPE_BYTES:
        raise _too_large(str(path))
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SteerlangError(
            f"recipe {path} is not UTF-8 text (byte {data[exc.start]:#04x} at offset "
            f"{exc.start}); save it as UTF-8"
        ) from None


def parse_recipe_yaml(text: str, source: str) -> object:
    """The YAML document in `text`; `source` is how errors name it."""
    if len(text.encode("utf-8")) > MAX_RECIPE_BYTES:
        raise _too_large(source)
    try:
        return yaml.load(text, Loader=_NoAliasLoader)
    except yaml.YAMLError as exc:
        raise SteerlangError(
            f"recipe {source}: not valid YAML: {' '.join(str(exc).split())}"
        ) from None


def _too_large(source: str) -> SteerlangError:
    return SteerlangError(
        f"recipe {source} is larger than {MAX_RECIPE_BYTES // 1_000_000} MB; a recipe is a short "
        "YAML file — check that this is the file you meant"
    )
