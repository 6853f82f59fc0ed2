"""Compiled resolvers: one callable per binding a component uses (SPEC §4).

Each is called as `resolver(episode, events, t, sample_idx, task, dataset_task)`
and returns a language row, a task string, or None. Persistent lookups bisect
an `EpisodeLanguage` group; event lookups filter the few rows of one frame.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from typing import Any

from steerlang.errors import SteerlangError
from steerlang.render.blend import task_aug_index
from steerlang.render.language_index import (
    EpisodeLanguage,
    GroupKey,
    Row,
    row_matches,
    row_tool_names,
)
from steerlang.render.resolver_spec import FILTERS, ResolverSpec

EMITTED_AT_TOLERANCE_S = 0.1
_WIDEN = 1e-6  # bisection bounds are widened, then the exact tolerance test decides

Resolver = Callable[[EpisodeLanguage, Sequence[Row], float, int, "str | None", "str | None"], Any]


class _Binding:
    """Shared state: the binding's name and spec (for error messages) and its group key."""

    __slots__ = ("key", "name", "spec")

    def __init__(self, name: str, spec: ResolverSpec) -> None:
        self.name = name
        self.spec = spec
        self.key: GroupKey = (spec.style, spec.role, spec.camera, spec.tool_name)

    def ambiguous(self, rows: Sequence[Row], t: float) -> SteerlangError:
        return ambiguity_error(self.name, self.spec, rows, t)


class ActiveAt(_Binding):
    """The latest row of the group with timestamp <= t."""

    __slots__ = ()

    def __call__(
        self,
        episode: EpisodeLanguage,
        events: Sequence[Row],
        t: float,
        sample_idx: int,
        task: str | None,
        dataset_task: str | None,
    ) -> Row | None:
        group = episode.group(self.key)
        stamps = group.timestamps
        last = bisect_right(stamps, t) - 1
        if last < 0:
            return None
        if last and stamps[last - 1] == stamps[last]:
            first = bisect_left(stamps, stamps[last])
            raise self.ambiguous(group.rows[first : last + 1], t)
        return group.rows[last]


class EmittedAtPersistent(_Binding):
    """The group's row stamped within 0.1 s of t."""

    __slots__ = ()

    def __call__(
        self,
        episode: EpisodeLanguage,
        events: Sequence[Row],
        t: float,
        sample_idx: int,
        task: str | None,
        dataset_task: str | None,
    ) -> Row | None:
        group = episode.group(self.key)
        stamps = group.timestamps
        low = bisect_left(stamps, t - EMITTED_AT_TOLERANCE_S - _WIDEN)
        high = bisect_right(stamps, t + EMITTED_AT_TOLERANCE_S + _WIDEN)
        if low == high:
            return None
        rows = group.rows
        found = [rows[i] for i in range(low, high) if abs(stamps[i] - t) <= EMITTED_AT_TOLERANCE_S]
        if len(found) > 1:
            raise self.ambiguous(found, t)
        return found[0] if found else None


class EmittedAtEvents(_Binding):
    """The frame's event row passing the filters."""

    __slots__ = ()

    def __call__(
        self,
        episode: EpisodeLanguage,
        events: Sequence[Row],
        t: float,
        sample_idx: int,
        task: str | None,
        dataset_task: str | None,
    ) -> Row | None:
        found = None
        for row in events:
            if row_matches(row, self.key):
                if found is not None:
                    raise self.ambiguous([row for row in events if row_matches(row, self.key)], t)
                found = row
        return found


class NthRelative(_Binding):
    """The row `offset` places before (`nth_prev`) or after (`nth_next`) the one active at t."""

    __slots__ = ("step",)

    def __init__(self, name: str, spec: ResolverSpec) -> None:
        super().__init__(name, spec)
        self.step = spec.offset if spec.resolver == "nth_next" else -spec.offset

    def __call__(
        self,
        episode: EpisodeLanguage,
        events: Sequence[Row],
        t: float,
        sample_idx: int,
        task: str | None,
        dataset_task: str | None,
    ) -> Row | None:
        group = episode.group(self.key)
        anchor = bisect_right(group.timestamps, t) - 1
        if anchor < 0:  # nothing active yet: the offset-th row ahead, nothing behind
            return group.rows[self.step - 1] if 0 < self.step <= len(group.rows) else None
        position = anchor + self.step
        if 0 <= position < len(group.rows):
            return group.rows[position]
        return None


class TaskResolver:
    """`${task}`: the explicit task, else a `task_aug` paraphrase, else the dataset's task."""

    __slots__ = ()

    def __call__(
        self,
        episode: EpisodeLanguage,
        events: Sequence[Row],
        t: float,
        sample_idx: int,
        task: str | None,
        dataset_task: str | None,
    ) -> str | None:
        if task is not None:
            return task
        paraphrases = episode.task_aug
        if paraphrases:
            picked = paraphrases[task_aug_index(sample_idx, len(paraphrases))]
            if picked:
                return picked
        return dataset_task


def make_resolver(name: str, spec: ResolverSpec) -> Resolver:
    """The compiled resolver for one binding."""
    if spec.resolver == "active_at":
        return ActiveAt(name, spec)
    if spec.resolver in {"nth_prev", "nth_next"}:
        return NthRelative(name, spec)
    if spec.reads_persistent:
        return EmittedAtPersistent(name, spec)
    return EmittedAtEvents(name, spec)


def ambiguity_error(name: str, spec: ResolverSpec, rows: Sequence[Row], t: float) -> SteerlangError:
    """Say which rows collided and which filter would tell them apart."""
    already = spec.filters()
    hints = []
    for field in ("camera", "role", "style", "tool_name"):
        if field in already:
            continue
        values = [_field_value(row, field) for row in rows]
        if len(set(values)) > 1:
            choices = ", ".join(sorted({str(v) for v in values}))
            hints.append(f"{field}=... (one of: {choices})")
    if hints:
        advice = "add " + " or ".join(hints) + " to the binding spec"
        if hints[0].startswith("camera="):
            advice += ", or camera=${camera} to get one component per camera"
    else:
        advice = (
            f"the rows agree on every filter ({', '.join(FILTERS)}), so the dataset holds duplicate "
            "annotations; check it with `steerlang validate`"
        )
    described = "; ".join(
        f"role={row.get('role')} style={row.get('style')} camera={row.get('camera')} "
        f"content={str(row.get('content'))[:40]!r}"
        for row in rows
    )
    return SteerlangError(
        f"binding {name!r} = {spec} is ambiguous at t={t:.3f}s: {len(rows)} rows match "
        f"({described}); {advice}"
    )


def _field_value(row: Row, field: str) -> object:
    if field == "tool_name":
        return ",".join(row_tool_names(row)) or None
    return row.get(field)
