"""Training-time helpers: a per-sample render step and a collate function (torch optional).

`RenderStep` turns a dataset sample (`timestamp`, `index`, `task`, the two
language columns, and `episode_index` for caching) into the same sample plus
`messages`, `message_streams` and `target_message_indices`. Each episode's
persistent language is indexed once and cached, so a sample costs a few
bisections rather than a pass over the episode's rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from steerlang.render.compile import CompiledRecipe, as_compiled
from steerlang.render.language_index import EpisodeLanguage, Row, float32
from steerlang.render.recipe import Recipe, load_recipe
from steerlang.render.render_sample import render_sample
from steerlang.render.semantics import Semantics
from steerlang.schema import CAMERA_PREFIX, EVENTS_COLUMN, LANGUAGE_COLUMNS, PERSISTENT_COLUMN

RENDER_KEYS = ("messages", "message_streams", "target_message_indices")
_NOT_COLLATED = frozenset((*LANGUAGE_COLUMNS, *RENDER_KEYS))


class RenderStep:
    """Callable `sample -> sample` adding the rendered messages.

    - A sample with no language rows at all is returned unchanged.
    - When the chosen component leaves nothing supervised, the three keys are None.
    - `semantics`: LeRobot main's renderer (default) or `"lerobot-0.6.1"`.
    - `use_dataset_task=True` passes the sample's `task` as the explicit task;
      by default it is only the fallback, so `task_aug` paraphrases get used.
    - `camera_keys` expand `${camera}` components (any key names, e.g. the
      dataset's colour cameras); when omitted, the `observation.images.*` keys
      of the first sample are used.
    """

    def __init__(
        self,
        recipe: str | Path | Recipe | CompiledRecipe,
        *,
        camera_keys: Sequence[str] | None = None,
        semantics: Semantics | None = None,
        use_dataset_task: bool = False,
        max_cached_episodes: int = 4096,
    ) -> None:
        if isinstance(recipe, (str, Path)):
            recipe = load_recipe(recipe)
        self._recipe = recipe
        self._semantics = semantics
        self._compiled: CompiledRecipe | None = None
        if (
            isinstance(recipe, CompiledRecipe)
            or camera_keys is not None
            or not any(c.per_camera for c in recipe.components)
        ):
            self._compiled = as_compiled(recipe, camera_keys, semantics)
        self._use_dataset_task = use_dataset_task
        self._max_cached = max_cached_episodes
        self._episodes: dict[tuple[Any, ...], EpisodeLanguage] = {}

    @property
    def recipe(self) -> CompiledRecipe | None:
        """The compiled recipe (None until the first sample when cameras are inferred)."""
        return self._compiled

    def __call__(self, sample: Mapping[str, Any]) -> Mapping[str, Any]:
        persistent = sample.get(PERSISTENT_COLUMN)
        events = sample.get(EVENTS_COLUMN)
        if not _length(persistent) and not _length(events):
            return sample
        compiled = self._compiled
        if compiled is None:
            cameras = [key for key in sample if key.startswith(CAMERA_PREFIX)]
            compiled = self._compiled = as_compiled(self._recipe, cameras, self._semantics)
        dataset_task = sample.get("task")
        rendered = render_sample(
            compiled,
            self._episode(sample, persistent),
            events if events is not None else (),
            float32(float(sample["timestamp"])),
            int(sample["index"]),
            dataset_task if self._use_dataset_task else None,
            dataset_task,
        )
        out = dict(sample)
        if rendered is None:
            out.update(dict.fromkeys(RENDER_KEYS))
        else:
            out.update(rendered)
        return out

    def _episode(
        self, sample: Mapping[str, Any], persistent: Sequence[Row] | None
    ) -> EpisodeLanguage:
        episode_index = sample.get("episode_index")
        if episode_index is None:
            return EpisodeLanguage(persistent)
        if persistent:
            first, last = persistent[0], persistent[-1]
            key: tuple[Any, ...] = (
                int(episode_index),
                len(persistent),
                first.get("timestamp"),
                first.get("content"),
                last.get("timestamp"),
                last.get("content"),
            )
        else:
            key = (int(episode_index), 0)
        found = self._episodes.get(key)
        if found is None:
            if len(self._episodes) >= self._max_cached:
                del self._episodes[next(iter(self._episodes))]
            found = self._episodes[key] = EpisodeLanguage(persistent)
        return found


def collate_rendered(samples: Sequence[Mapping[str, Any] | None]) -> dict[str, Any]:
    """Batch samples: drop None and no-target samples and the raw language columns.

    `messages`, `message_streams` and `target_message_indices` stay Python lists
    (None for a sample without language); every other key goes through torch's
    `default_collate` when torch is installed, else becomes a list.
    """
    kept = [
        sample
        for sample in samples
        if sample is not None and not ("messages" in sample and sample["messages"] is None)
    ]
    rest = [
        {key: value for key, value in sample.items() if key not in _NOT_COLLATED} for sample in kept
    ]
    batch: dict[str, Any] = _collate_rest(rest) if rest else {}
    for key in RENDER_KEYS:
        batch[key] = [sample.get(key) for sample in kept]
    return batch


def _collate_rest(rest: list[dict[str, Any]]) -> dict[str, Any]:
    try:
        from torch.utils.data import default_collate
    except ImportError:
        return {key: [sample[key] for sample in rest] for key in rest[0]}
    collated: dict[str, Any] = default_collate(rest)
    return collated


def _length(value: object) -> int:
    return 0 if value is None else len(value)  # type: ignore[arg-type]
