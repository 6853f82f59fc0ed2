"""The flags a config dataclass declares: one `Flag` per leaf field, named by its dotted path.

Read by `flags` (parsing), `flag_help` (`--help`) and `completion` (shell
completion), so all three say the same thing about a command.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, Union

from draccus.wrappers.docstring import get_attribute_docstring

from steerlang.dataset.episode_selection import EpisodeSelection


class _Required:
    def __repr__(self) -> str:
        return "required"


REQUIRED: Any = _Required()

# how a flag's text becomes a value
BOOL, CHOICE, TEXT, EPISODES, LIST, VALUE = "bool", "choice", "text", "episodes", "list", "value"


@dataclass(frozen=True)
class Flag:
    name: str  # dotted path, e.g. "plan.enabled"
    type: Any  # the field's type hint, `| None` removed
    optional: bool  # the hint allows None
    default: Any  # REQUIRED when the field has no default
    owner: type  # the dataclass declaring the field (its comments are the help)
    field_name: str

    @property
    def kind(self) -> str:
        if self.type is bool:
            return BOOL
        if typing.get_origin(self.type) is Literal:
            return CHOICE
        if self.type in (str, Path):
            return TEXT
        if self.type is EpisodeSelection:
            return EPISODES
        if typing.get_origin(self.type) in (list, tuple):
            return LIST
        return VALUE

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(typing.get_args(self.type)) if self.kind == CHOICE else ()

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def help(self) -> str:
        doc = get_attribute_docstring(self.owner, self.field_name)
        text = doc.comment_inline or doc.docstring_below or doc.comment_above
        return " ".join(text.split())


def _without_none(hint: Any) -> tuple[Any, bool]:
    """(the hint without `None`, whether None was allowed)."""
    if typing.get_origin(hint) in (Union, types.UnionType):
        args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(args) < len(typing.get_args(hint)):
            return (args[0] if len(args) == 1 else hint), True
    return hint, False


def _default(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return REQUIRED


@cache
def flags_of(config: type) -> tuple[dict[str, Flag], frozenset[str]]:
    """Every leaf flag of `config` by dotted name, and the dotted names of its groups
    (nested dataclasses such as `plan`)."""
    found: dict[str, Flag] = {}
    groups: set[str] = set()

    def walk(cls: type, prefix: str) -> None:
        hints = typing.get_type_hints(cls)
        for field in dataclasses.fields(cls):
            if not field.init:
                continue
            hint, optional = _without_none(hints[field.name])
            name = prefix + field.name
            if dataclasses.is_dataclass(hint) and isinstance(hint, type):
                groups.add(name)
                walk(hint, name + ".")
            else:
                found[name] = Flag(name, hint, optional, _default(field), cls, field.name)

    walk(config, "")
    return found, frozenset(groups)


def describe_type(flag: Flag) -> str:
    """What a value of the flag looks like, for help and error messages."""
    kind = flag.kind
    if kind == BOOL:
        return "true or false"
    if kind == CHOICE:
        return "one of " + ", ".join(flag.choices)
    if kind == EPISODES:
        return "an episode selection such as 0-4,9 or [3,7]"
    if kind == LIST:
        return "a list such as a,b or [a,b]"
    if flag.type is int:
        return "a whole number"
    if flag.type is float:
        return "a number"
    if typing.get_origin(flag.type) is dict:
        return "a mapping such as '{\"key\": false}'"
    if flag.type is Path:
        return "a path"
    return "text"


def metavar(flag: Flag) -> str:
    kind = flag.kind
    if kind == CHOICE:
        return "{" + "|".join(flag.choices) + "}"
    names = {BOOL: "BOOL", EPISODES: "EPISODES", LIST: "LIST"}
    if kind in names:
        return names[kind]
    if typing.get_origin(flag.type) is dict:
        return "JSON"
    simple = {int: "INT", float: "NUMBER", Path: "PATH", str: "TEXT"}
    return simple.get(flag.type, "VALUE")
