"""`iter_rendered(root, recipe)`: rendered samples streamed straight from parquet."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from steerlang.errors import SteerlangError
from steerlang.render.compile import CompiledComponent, CompiledRecipe, as_compiled
from steerlang.render.language_index import float32
from steerlang.render.parquet_source import FrameLanguage, iter_frames, open_language_source
from steerlang.render.recipe import Recipe
from steerlang.render.render_sample import Rendered, render_component


def iter_rendered(
    root: str | Path,
    recipe: str | Path | Recipe | CompiledRecipe,
    *,
    episodes: Collection[int] | None = None,
    task: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield `{episode_index, frame_index, index, timestamp, rendered}` for every frame.

    `rendered` is None for frames without language and for frames where the
    chosen component has no target; `task` overrides the task of every sample.
    """
    source = open_language_source(root)
    compiled = as_compiled(recipe, source.camera_keys)
    for frame in iter_frames(source, episodes):
        component = compiled.choose(frame.index)
        yield {
            "episode_index": frame.episode_index,
            "frame_index": frame.frame_index,
            "index": frame.index,
            "timestamp": frame.timestamp,
            "rendered": render_frame(component, frame, task),
        }


def render_frame(
    component: CompiledComponent, frame: FrameLanguage, task: str | None
) -> Rendered | None:
    """Render one frame with its chosen component; None when it has no language at all."""
    if not frame.has_language:
        return None
    try:
        return render_component(
            component,
            frame.episode,
            frame.events,
            float32(frame.timestamp),
            frame.index,
            task,
            frame.task,
        )
    except SteerlangError as exc:
        raise SteerlangError(
            f"episode {frame.episode_index}, frame {frame.frame_index}, component "
            f"{component.name!r}: {exc}"
        ) from exc
