"""Recipe → `CompiledRecipe`: expanded components with binding slots and compiled templates.

Compiling happens once per (recipe, dataset cameras, semantics). Each component
keeps only the bindings its turns use (lazy bindings: a default such as `vqa`
that a component never mentions is never resolved, so multi-camera VQA frames
cannot make an unrelated component fail).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from steerlang.errors import SteerlangError
from steerlang.render.blend import cumulative_weights, pick_index
from steerlang.render.expand import expand_recipe
from steerlang.render.recipe import LOW_LEVEL, TASK_BINDING, Component, Recipe, load_recipe
from steerlang.render.resolvers import EmittedAtEvents, Resolver, TaskResolver, make_resolver
from steerlang.render.semantics import LEROBOT_MAIN, Semantics, low_level_supervises
from steerlang.render.template import compile_template

ContentFiller = Callable[[Sequence[str]], Any]


@dataclass(frozen=True)
class CompiledTurn:
    """A turn with binding names replaced by slot numbers."""

    role: str
    stream: str
    target: bool
    if_present: int | None
    tool_calls_from: int | None
    content: ContentFiller | None


@dataclass(frozen=True)
class CompiledComponent:
    """A component ready to render: its resolvers (one per slot) and its turns.

    `low_level_supervises`: whether a kept `low_level` turn alone makes the
    sample render (LeRobot main) or a target turn is needed (0.6.1).
    `needs_events`: it reads only the frame's events and every supervising turn
    is gated on one of them, so on a frame without events it renders None
    (and cannot raise): the routing pass skips it there without resolving.
    """

    name: str
    weight: float
    slot_names: tuple[str, ...]
    resolvers: tuple[Resolver, ...]
    turns: tuple[CompiledTurn, ...]
    route: str | None
    low_level_supervises: bool
    needs_events: bool


@dataclass(frozen=True)
class CompiledRecipe:
    """Components after expansion, with cumulative weights for the blend draw.

    `routed` are the `route: vqa` components (blend order), tried before the
    draw; `routed_without_events` those of them worth trying on a frame without
    events; `note` says what the semantics could not express (None: nothing).
    """

    source: str
    camera_keys: tuple[str, ...] | None
    semantics: Semantics
    components: tuple[CompiledComponent, ...]
    cumulative: tuple[float, ...]
    total_weight: float
    routed: tuple[CompiledComponent, ...]
    routed_without_events: tuple[CompiledComponent, ...]
    note: str | None

    def choose(self, sample_idx: int) -> CompiledComponent:
        """The component the weighted blend draw gives a sample (before any routing)."""
        if len(self.components) == 1:
            return self.components[0]
        position = pick_index(self.cumulative, self.total_weight, str(sample_idx))
        return self.components[position]


def compile_recipe(
    recipe: Recipe, camera_keys: Sequence[str] | None, semantics: Semantics = LEROBOT_MAIN
) -> CompiledRecipe:
    """Expand `${camera}` components over `camera_keys` (None = unknown) and compile them."""
    expansion = expand_recipe(recipe, camera_keys, semantics)
    supervises = low_level_supervises(semantics)
    compiled = tuple(_compile_component(c, supervises) for c in expansion.components)
    weights = [c.weight for c in compiled]
    routed = tuple(c for c in compiled if c.route is not None) if recipe.is_blend else ()
    return CompiledRecipe(
        source=recipe.source,
        camera_keys=None if camera_keys is None else tuple(camera_keys),
        semantics=semantics,
        components=compiled,
        cumulative=cumulative_weights(weights),
        total_weight=sum(weights),
        routed=routed,
        routed_without_events=tuple(c for c in routed if not c.needs_events),
        note=expansion.note,
    )


def as_compiled(
    recipe: str | Path | Recipe | CompiledRecipe,
    camera_keys: Sequence[str] | None,
    semantics: Semantics | None = None,
) -> CompiledRecipe:
    """Accept a recipe name, path, loaded or compiled recipe; compile what needs it.

    `semantics` None means LeRobot main, or whatever a compiled recipe was built with.
    """
    if isinstance(recipe, CompiledRecipe):
        if semantics is not None and semantics != recipe.semantics:
            raise SteerlangError(
                f"recipe {recipe.source} was compiled for {recipe.semantics} semantics, not "
                f"{semantics}; pass the loaded recipe instead"
            )
        return recipe
    if not isinstance(recipe, Recipe):
        recipe = load_recipe(recipe)
    return compile_recipe(recipe, camera_keys, semantics or LEROBOT_MAIN)


def _compile_component(component: Component, supervises: bool) -> CompiledComponent:
    slots: dict[str, int] = {}

    def slot_of(binding: str) -> int:
        return slots.setdefault(binding, len(slots))

    turns = []
    for turn in component.turns:
        if_present = None if turn.if_present is None else slot_of(turn.if_present)
        tool_calls = None if turn.tool_calls_from is None else slot_of(turn.tool_calls_from)
        filler = None if turn.content is None else _content_filler(turn.content, slot_of)
        turns.append(
            CompiledTurn(turn.role, turn.stream, turn.target, if_present, tool_calls, filler)
        )
    resolvers = tuple(_resolver(component, binding) for binding in slots)
    return CompiledComponent(
        component.name,
        component.weight,
        tuple(slots),
        resolvers,
        tuple(turns),
        component.route,
        supervises,
        _needs_events(resolvers, turns, supervises),
    )


def _needs_events(
    resolvers: Sequence[Resolver], turns: Sequence[CompiledTurn], supervises: bool
) -> bool:
    from_events = [isinstance(resolver, EmittedAtEvents) for resolver in resolvers]
    if not all(isinstance(r, (EmittedAtEvents, TaskResolver)) for r in resolvers):
        return False
    supervising = [t for t in turns if t.target or (supervises and t.stream == LOW_LEVEL)]
    return all(t.if_present is not None and from_events[t.if_present] for t in supervising)


def _resolver(component: Component, binding: str) -> Resolver:
    spec = component.spec_for(binding)
    if spec is None and binding == TASK_BINDING:
        return TaskResolver()
    assert spec is not None, f"binding {binding!r} passed load-time validation"
    return make_resolver(binding, spec)


def _content_filler(
    content: str | tuple[Mapping[str, Any], ...], slot_of: Callable[[str], int]
) -> ContentFiller:
    if isinstance(content, str):
        return compile_template(content, slot_of)
    blocks = [
        [_block_value(key, value, slot_of) for key, value in block.items()] for block in content
    ]

    def fill(texts: Sequence[str]) -> list[dict[str, Any]]:
        return [{key: value(texts) for key, value in block} for block in blocks]

    return fill


def _block_value(
    key: str, value: object, slot_of: Callable[[str], int]
) -> tuple[str, ContentFiller]:
    """Strings are templates; nested lists/dicts are copied per sample; scalars are shared."""
    if isinstance(value, str):
        return key, compile_template(value, slot_of)
    if isinstance(value, (list, dict)):
        return key, lambda _texts: copy.deepcopy(value)
    return key, lambda _texts: value
