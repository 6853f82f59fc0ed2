"""A recipe written out for LeRobot: `${camera}` expanded, only LeRobot's own grammar.

`TrainingRecipe.from_yaml` builds each level with `cls(**data)`, so the file
may hold only the keys LeRobot's dataclasses have; for LeRobot 0.6.1 that means
no `route` and a target turn in every component (see `expand_recipe`).

LeRobot 0.6.1 also resolves every default binding on every sample, whether a
component uses it or not, and the camera-less defaults `vqa` / `vqa_query`
match one row per camera: on a frame with two cameras' VQA it raises. So for
0.6.1, a component that does not use them gets them pinned to one camera.
They stay unused, so what renders is unchanged.

A recipe reading a style beyond LeRobot's core ones (`reasoning`) loads in LeRobot as
it is, but LeRobot routes that style only once it is registered: the export says
which lines do it (`registration_lines`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from steerlang.errors import SteerlangError
from steerlang.render.expand import expand_recipe
from steerlang.render.recipe import Component, Recipe, Turn
from steerlang.render.resolver_spec import parse_resolver_spec
from steerlang.render.semantics import LEROBOT_061, Semantics
from steerlang.schema import EXTENDED_STYLES, PERSISTENT_STYLES

VQA_DEFAULTS = {"vqa_query": "user", "vqa": "assistant"}


@dataclass(frozen=True)
class ExportedRecipe:
    """The recipe as plain data, what the target could not express (None: nothing), the
    camera unused `vqa` / `vqa_query` defaults were pinned to (None: no pins), and the
    styles it reads that LeRobot must have registered first."""

    data: dict[str, Any]
    note: str | None
    pinned_camera: str | None = None
    extended_styles: tuple[str, ...] = ()

    def to_yaml(self, header: str) -> str:
        """YAML text with `header` as a leading comment."""
        comment = "".join(f"# {line}\n" for line in header.splitlines())
        body = yaml.safe_dump(self.data, sort_keys=False, allow_unicode=True, width=1000)
        return comment + "\n" + body


def export_recipe(recipe: Recipe, camera_keys: Sequence[str], target: Semantics) -> ExportedRecipe:
    """The recipe expanded for `camera_keys`, in the form `target`'s LeRobot loads.

    A plain recipe that uses `${camera}` becomes a blend of its per-camera
    copies, which is how it renders here too.
    """
    expansion = expand_recipe(recipe, camera_keys, target)
    components = expansion.components
    pinned = camera_keys[0] if target == LEROBOT_061 and len(camera_keys) > 1 else None
    if pinned is not None:
        components = tuple(_pin_unused_vqa_defaults(c, pinned) for c in components)
    extended = tuple(
        sorted(
            {
                spec.style
                for component in components
                for spec in component.bindings.values()
                if spec.style in EXTENDED_STYLES
            }
        )
    )
    if not recipe.is_blend and len(components) == 1:
        data = _message_recipe(components[0], recipe.source)
        return ExportedRecipe(data, expansion.note, pinned, extended)
    blend = {}
    for component in components:
        body: dict[str, Any] = {"weight": component.weight}
        if component.route is not None:
            body["route"] = component.route
        blend[component.name] = {**body, **_message_recipe(component, recipe.source)}
    return ExportedRecipe({"blend": blend}, expansion.note, pinned, extended)


def registration_lines(styles: Sequence[str]) -> list[str]:
    """The Python a LeRobot user runs before loading data or recipes with these styles:
    LeRobot's `column_for_style` raises on a style outside its sets."""
    persistent = [style for style in styles if style in PERSISTENT_STYLES]
    events = [style for style in styles if style not in PERSISTENT_STYLES]
    names = ["EXTENDED_STYLES"] + ["PERSISTENT_STYLES"] * bool(persistent)
    names += ["EVENT_ONLY_STYLES"] * bool(events)
    updates = [f"EXTENDED_STYLES.update({_set(styles)})"]
    updates += [f"PERSISTENT_STYLES.update({_set(persistent)})"] * bool(persistent)
    updates += [f"EVENT_ONLY_STYLES.update({_set(events)})"] * bool(events)
    return [f"from lerobot.datasets.language import {', '.join(names)}", "; ".join(updates)]


def _pin_unused_vqa_defaults(component: Component, camera: str) -> Component:
    used = {name for turn in component.turns for name in turn.binding_names()}
    pins = {
        name: parse_resolver_spec(f"emitted_at(t, style=vqa, role={role}, camera={camera})")
        for name, role in VQA_DEFAULTS.items()
        if name not in used and name not in component.bindings
    }
    return dataclasses.replace(component, bindings={**component.bindings, **pins})


def _message_recipe(component: Component, source: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if component.bindings:
        data["bindings"] = {
            name: _spec_text(str(spec), source, component.name, name)
            for name, spec in component.bindings.items()
        }
    data["messages"] = [_turn(turn) for turn in component.turns]
    return data


def _spec_text(text: str, source: str, component: str, binding: str) -> str:
    """LeRobot splits resolver arguments on commas, so no value may contain one."""
    arguments = text[text.index("(") + 1 : -1].split(",")
    if any("=" not in argument and argument.strip() != "t" for argument in arguments):
        raise SteerlangError(
            f"recipe {source}: component {component!r}: binding {binding!r} = {text} cannot be "
            "written for LeRobot, whose resolver syntax splits arguments on ','; rename the camera"
        )
    return text


def _turn(turn: Turn) -> dict[str, Any]:
    data: dict[str, Any] = {"role": turn.role}
    if turn.content is not None:
        data["content"] = (
            turn.content if isinstance(turn.content, str) else [dict(b) for b in turn.content]
        )
    data["stream"] = turn.stream
    if turn.target:
        data["target"] = True
    if turn.if_present is not None:
        data["if_present"] = turn.if_present
    if turn.tool_calls_from is not None:
        data["tool_calls_from"] = turn.tool_calls_from
    return data


def _set(styles: Sequence[str]) -> str:
    """A Python set literal of the styles, e.g. `{"reasoning"}`."""
    return "{" + ", ".join(f'"{style}"' for style in sorted(styles)) + "}"
