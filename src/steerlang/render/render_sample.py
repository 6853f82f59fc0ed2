"""Render one sample: choose a component, resolve its bindings, fill its turns (SPEC §4).

The output is `{"messages", "message_streams", "target_message_indices"}`, or
None when the chosen component leaves no target turn for this frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from steerlang.render.compile import CompiledComponent, CompiledRecipe
from steerlang.render.language_index import EpisodeLanguage, Row, decoded_tool_calls

Rendered = dict[str, list[Any]]


def render_sample(
    recipe: CompiledRecipe,
    episode: EpisodeLanguage,
    events: Sequence[Row],
    t: float,
    sample_idx: int,
    task: str | None = None,
    dataset_task: str | None = None,
) -> Rendered | None:
    """Render the sample at episode time `t` (float32-rounded) with global index `sample_idx`.

    `events` are the `language_events` rows of this frame; `task` is an explicit
    task that overrides everything, `dataset_task` the fallback from tasks.parquet.
    """
    component = recipe.choose(sample_idx)
    return render_component(component, episode, events, t, sample_idx, task, dataset_task)


def render_component(
    component: CompiledComponent,
    episode: EpisodeLanguage,
    events: Sequence[Row],
    t: float,
    sample_idx: int,
    task: str | None = None,
    dataset_task: str | None = None,
) -> Rendered | None:
    """Render with a given component (what `render_sample` does after the blend draw)."""
    values = [
        resolve(episode, events, t, sample_idx, task, dataset_task)
        for resolve in component.resolvers
    ]
    texts = [_text(value) for value in values]
    messages: list[dict[str, Any]] = []
    streams: list[str] = []
    targets: list[int] = []
    for turn in component.turns:
        if turn.if_present is not None and values[turn.if_present] is None:
            continue
        message: dict[str, Any] = {"role": turn.role}
        if turn.content is not None:
            message["content"] = turn.content(texts)
        if turn.tool_calls_from is not None:
            calls = decoded_tool_calls(values[turn.tool_calls_from])
            if calls:
                message["tool_calls"] = calls
        if turn.target:
            targets.append(len(messages))
        messages.append(message)
        streams.append(turn.stream)
    if not targets:
        return None
    return {"messages": messages, "message_streams": streams, "target_message_indices": targets}


def _text(value: object) -> str:
    """What `${name}` becomes: a task string as is, a row's content, "" when absent."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    content = value.get("content")  # type: ignore[attr-defined]
    return "" if content is None else str(content)
