"""Recipe YAML → a validated `Recipe` (SPEC §4); every mistake is reported at load time.

A `Recipe` is still camera-agnostic: components that mention `${camera}` are
expanded against a dataset's camera keys by `Recipe.compile` (see compile.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from steerlang.errors import SteerlangError
from steerlang.render.recipe_yaml import parse_recipe_yaml, read_recipe_text
from steerlang.render.resolver_spec import (
    CAMERA_PLACEHOLDER,
    ResolverSpec,
    parse_resolver_spec,
)
from steerlang.render.template import PLACEHOLDER, placeholders
from steerlang.schema import ROLES

STREAMS = ("high_level", "low_level")
LOW_LEVEL = "low_level"
ROUTES = ("vqa",)
TASK_BINDING = "task"
CAMERA_NAME = "camera"
SINGLE_COMPONENT = "messages"

DEFAULT_BINDING_SPECS: dict[str, str] = {
    "subtask": "active_at(t, style=subtask)",
    "memory": "active_at(t, style=memory)",
    "plan": "active_at(t, style=plan)",
    "speech": "emitted_at(t, role=assistant, tool_name=say)",
    "interjection": "emitted_at(t, style=interjection)",
    "vqa": "emitted_at(t, style=vqa, role=assistant)",
    "vqa_query": "emitted_at(t, style=vqa, role=user)",
}
DEFAULT_BINDINGS: dict[str, ResolverSpec] = {
    name: parse_resolver_spec(spec) for name, spec in DEFAULT_BINDING_SPECS.items()
}

_TOP_KEYS = frozenset({"messages", "bindings", "blend"})
_COMPONENT_KEYS = frozenset({"weight", "messages", "bindings", "route"})
_BLEND_ONLY_KEYS = ("weight", "route")
_TURN_KEYS = frozenset({"role", "content", "stream", "target", "if_present", "tool_calls_from"})

Content = str | tuple[Mapping[str, Any], ...] | None


@dataclass(frozen=True)
class Turn:
    """One message template of a component."""

    role: str
    stream: str
    content: Content
    target: bool = False
    if_present: str | None = None
    tool_calls_from: str | None = None

    def binding_names(self) -> list[str]:
        """Every binding this turn reads, in order of first use (`${camera}` excluded)."""
        names = [self.if_present, self.tool_calls_from, *content_placeholders(self.content)]
        return [n for n in dict.fromkeys(names) if n is not None and n != CAMERA_NAME]


@dataclass(frozen=True)
class Component:
    """A message recipe: a blend component, or the whole recipe when there is no blend."""

    name: str
    weight: float
    bindings: Mapping[str, ResolverSpec]
    turns: tuple[Turn, ...]
    route: str | None = None

    @property
    def has_target(self) -> bool:
        """True when a turn is a text target (the only supervision LeRobot 0.6.1 knows)."""
        return any(turn.target for turn in self.turns)

    @property
    def per_camera(self) -> bool:
        """True when `${camera}` appears in a binding spec or a turn's content."""
        in_specs = any(spec.camera == CAMERA_PLACEHOLDER for spec in self.bindings.values())
        return in_specs or any(
            CAMERA_NAME in content_placeholders(turn.content) for turn in self.turns
        )

    def spec_for(self, name: str) -> ResolverSpec | None:
        """The resolver behind a binding name (component bindings override the defaults)."""
        return self.bindings.get(name) or DEFAULT_BINDINGS.get(name)


@dataclass(frozen=True)
class Recipe:
    """A loaded, validated recipe; `source` names its file for error messages."""

    source: str
    components: tuple[Component, ...]
    is_blend: bool


def content_placeholders(content: Content) -> list[str]:
    """Placeholder names in a string, or in the string values of a block list."""
    if content is None:
        return []
    if isinstance(content, str):
        return placeholders(content)
    names: list[str] = []
    for block in content:
        for value in block.values():
            if isinstance(value, str):
                names.extend(placeholders(value))
    return names


def builtin_recipe_names() -> list[str]:
    """Names of the recipes shipped with the package (without `.yaml`)."""
    folder = resources.files("steerlang.render") / "recipes"
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_recipe(name_or_path: str | Path) -> Recipe:
    """Load a recipe file, or a built-in recipe by name (`subtasks_vqa`, ...)."""
    path = Path(name_or_path)
    if path.is_file():
        return recipe_from_yaml(read_recipe_text(path), str(path))
    name = str(name_or_path).removesuffix(".yaml")
    if name in builtin_recipe_names():
        resource = resources.files("steerlang.render") / "recipes" / f"{name}.yaml"
        return recipe_from_yaml(resource.read_text(encoding="utf-8"), f"{name}.yaml (built-in)")
    raise SteerlangError(
        f"no recipe file {str(name_or_path)!r} and no built-in recipe of that name; "
        f"give a path to a YAML file or one of: {', '.join(builtin_recipe_names())}"
    )


def recipe_from_yaml(text: str, source: str) -> Recipe:
    """Parse YAML text; `source` is how errors name it."""
    return recipe_from_dict(parse_recipe_yaml(text, source), source)


def recipe_from_dict(data: object, source: str = "<dict>") -> Recipe:
    """Validate a recipe given as plain data (what the YAML file holds)."""
    where = f"recipe {source}"
    if not isinstance(data, Mapping):
        raise SteerlangError(f"{where}: the top level must be a mapping with 'messages' or 'blend'")
    for key in _BLEND_ONLY_KEYS:
        if key in data:
            raise SteerlangError(
                f"{where}: '{key}' only applies to a component inside 'blend', not to the whole recipe"
            )
    _reject_unknown(data, _TOP_KEYS, where)
    if ("messages" in data) == ("blend" in data):
        raise SteerlangError(f"{where}: give exactly one of 'messages' or 'blend'")
    if "messages" in data:
        component = _component(SINGLE_COMPONENT, data, where, weight=1.0)
        return Recipe(source=source, components=(component,), is_blend=False)
    if "bindings" in data:
        raise SteerlangError(
            f"{where}: top-level 'bindings' are not used by a blend; move them into each component"
        )
    blend = data["blend"]
    if not isinstance(blend, Mapping) or not blend:
        raise SteerlangError(f"{where}: 'blend' must map component names to components")
    components = []
    for name, body in blend.items():
        here = f"{where}: component {name!r}"
        if not isinstance(name, str) or not name:
            raise SteerlangError(f"{where}: blend component names must be non-empty strings")
        if not isinstance(body, Mapping):
            raise SteerlangError(f"{here}: must be a mapping with 'weight' and 'messages'")
        if "blend" in body:
            raise SteerlangError(f"{here}: blends cannot be nested; flatten it into the top blend")
        _reject_unknown(body, _COMPONENT_KEYS, here)
        weight = _weight(body.get("weight"), here)
        components.append(_component(name, body, here, weight, _route(body.get("route"), here)))
    return Recipe(source=source, components=tuple(components), is_blend=True)


def _reject_unknown(data: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = [str(key) for key in data if key not in allowed]
    if unknown:
        raise SteerlangError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}"
        )


def _weight(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SteerlangError(f"{where}: needs a numeric 'weight' > 0, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise SteerlangError(f"{where}: 'weight' must be a finite number > 0, got {value!r}")
    return float(value)


def _route(value: object, where: str) -> str | None:
    if value is None or value in ROUTES:
        return value
    raise SteerlangError(
        f"{where}: route must be {' or '.join(ROUTES)} (render this component first on frames "
        f"where its rows are present), got {value!r}"
    )


def _component(
    name: str, body: Mapping[str, Any], where: str, weight: float, route: str | None = None
) -> Component:
    bindings = _bindings(body.get("bindings"), where)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise SteerlangError(f"{where}: 'messages' must be a non-empty list of turns")
    turns = tuple(_turn(raw, f"{where}: turn {i}") for i, raw in enumerate(messages))
    known = {TASK_BINDING, *DEFAULT_BINDINGS, *bindings}
    for i, turn in enumerate(turns):
        for binding in turn.binding_names():
            if binding not in known:
                raise SteerlangError(
                    f"{where}: turn {i}: unknown binding {binding!r}; declare it under 'bindings' "
                    f"or use one of {', '.join(sorted(known))}"
                )
    for i, turn in enumerate(turns):
        if turn.tool_calls_from == TASK_BINDING:
            raise SteerlangError(
                f"{where}: turn {i}: tool_calls_from must name a row binding (such as speech), not task"
            )
    if not any(turn.target or turn.stream == LOW_LEVEL for turn in turns):
        raise SteerlangError(
            f"{where}: nothing is supervised; mark a turn 'target: true' (text loss) "
            f"or put one on 'stream: {LOW_LEVEL}' (action loss)"
        )
    return Component(name=name, weight=weight, bindings=bindings, turns=turns, route=route)


def _bindings(raw: object, where: str) -> dict[str, ResolverSpec]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise SteerlangError(f"{where}: 'bindings' must map names to resolver specs")
    parsed: dict[str, ResolverSpec] = {}
    for name, spec in raw.items():
        if not isinstance(name, str) or not PLACEHOLDER.fullmatch("${" + name + "}"):
            raise SteerlangError(f"{where}: binding name {name!r} must be an identifier")
        if name == CAMERA_NAME:
            raise SteerlangError(
                f"{where}: binding {name!r} is reserved for per-camera expansion; rename it"
            )
        try:
            parsed[name] = parse_resolver_spec(spec)
        except ValueError as exc:
            raise SteerlangError(f"{where}: binding {name!r}: {exc}") from None
    return parsed


def _turn(raw: object, where: str) -> Turn:
    if not isinstance(raw, Mapping):
        raise SteerlangError(f"{where}: must be a mapping with role, content and stream")
    _reject_unknown(raw, _TURN_KEYS, where)
    role, stream = raw.get("role"), raw.get("stream")
    if role not in ROLES:
        raise SteerlangError(
            f"{where}: role must be one of {', '.join(sorted(ROLES))}, got {role!r}"
        )
    if stream not in STREAMS:
        raise SteerlangError(
            f"{where}: stream is required: one of {', '.join(STREAMS)}, got {stream!r}"
        )
    target = raw.get("target", False)
    if not isinstance(target, bool):
        raise SteerlangError(f"{where}: target must be true or false, got {target!r}")
    names = {}
    for key in ("if_present", "tool_calls_from"):
        value = raw.get(key)
        if value is not None and (not isinstance(value, str) or not value):
            raise SteerlangError(f"{where}: {key} must name a binding, got {value!r}")
        names[key] = value
    content = _content(raw.get("content"), where, names["tool_calls_from"] is not None)
    return Turn(role, stream, content, target, names["if_present"], names["tool_calls_from"])


def _content(value: object, where: str, has_tool_calls: bool) -> Content:
    if value is None:
        if not has_tool_calls:
            raise SteerlangError(f"{where}: content is required unless tool_calls_from is set")
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value:
        for block in value:
            if not isinstance(block, Mapping) or not isinstance(block.get("type"), str):
                raise SteerlangError(
                    f"{where}: each content block must be a mapping with a string 'type', got {block!r}"
                )
        return tuple(dict(block) for block in value)
    raise SteerlangError(
        f"{where}: content must be a string or a non-empty list of blocks, got {value!r}"
    )
