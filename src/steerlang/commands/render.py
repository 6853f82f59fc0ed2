"""`steerlang render`: show rendered training messages, or per-component render stats."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from steerlang.commands.flags import Command
from steerlang.dataset.episode_selection import EpisodeSelection
from steerlang.errors import SteerlangError
from steerlang.render.compile import CompiledRecipe, as_compiled
from steerlang.render.parquet_source import FrameLanguage, iter_frames, open_language_source
from steerlang.render.render_sample import Rendered
from steerlang.render.semantics import LEROBOT_MAIN, Semantics
from steerlang.render.stream import render_frame


@dataclass
class RenderFlags:
    root: Path  # dataset folder
    recipe: str  # recipe YAML path or built-in name
    # render like LeRobot's main branch (default) or like LeRobot 0.6.1
    semantics: Semantics = LEROBOT_MAIN
    # expand ${camera} over depth views too (default: colour cameras only)
    include_depth: bool = False
    episodes: EpisodeSelection | None = None  # only these episodes (default: all)
    frame: int | None = None  # only this frame_index (of each selected episode)
    t: float | None = None  # only the frame nearest this episode time, in seconds
    # explicit task for every sample (default: task_aug, then the dataset's)
    task: str | None = None
    json: bool = False  # one JSON line per sample
    stats: bool = False  # per blend component: how often it is chosen and renders

    def __post_init__(self) -> None:
        if self.frame is not None and self.t is not None:
            raise SteerlangError("--frame and --t both pick the frame; pass one of them")
        if self.json and self.stats:
            raise SteerlangError("--json prints samples and --stats a table; pass one of them")


COMMAND = Command(
    RenderFlags,
    "render",
    "Render an annotated LeRobot v3.0 dataset into training messages through a recipe.",
    aliases={"episode": "episodes"},
)


def main(argv: list[str]) -> int:
    try:
        return _run(COMMAND.parse(argv))
    except BrokenPipeError:  # `steerlang render ... | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _run(args: RenderFlags) -> int:
    source = open_language_source(args.root)
    compiled = as_compiled(args.recipe, source.camera_keys(args.include_depth), args.semantics)
    if compiled.note:
        print(f"steerlang render: note: {compiled.note}", file=sys.stderr)
    frames = _selected(iter_frames(source, args.episodes), args.frame, args.t)
    if args.stats:
        _print_stats(compiled, frames, args.task)
        return 0
    printed = 0
    for frame in frames:
        component, rendered = render_frame(compiled, frame, args.task)
        if args.json:
            print(json.dumps(_json_line(frame, rendered), ensure_ascii=False))
        else:
            print(format_sample(frame, component.name if component else None, rendered))
        printed += 1
    if not printed:
        raise SteerlangError(
            "no frame matched --episodes/--frame/--t; check the values against the dataset"
        )
    return 0


def _selected(
    frames: Iterator[FrameLanguage], frame: int | None, t: float | None
) -> Iterator[FrameLanguage]:
    """Apply --frame (exact frame_index) or --t (nearest frame per episode)."""
    if frame is not None:
        yield from (f for f in frames if f.frame_index == frame)
        return
    if t is None:
        yield from frames
        return
    best: FrameLanguage | None = None
    for candidate in frames:
        if best is not None and candidate.episode_index != best.episode_index:
            yield best
            best = None
        if best is None or abs(candidate.timestamp - t) < abs(best.timestamp - t):
            best = candidate
    if best is not None:
        yield best


def _json_line(frame: FrameLanguage, rendered: Rendered | None) -> dict[str, Any]:
    return {
        "episode_index": frame.episode_index,
        "frame_index": frame.frame_index,
        "index": frame.index,
        "timestamp": frame.timestamp,
        "rendered": rendered,
    }


def format_sample(frame: FrameLanguage, component: str | None, rendered: Rendered | None) -> str:
    head = (
        f"episode {frame.episode_index} frame {frame.frame_index} "
        f"(t={frame.timestamp:.3f}s, index {frame.index})"
    )
    if not frame.has_language:
        return f"{head}: no language (passes through unchanged)"
    if rendered is None:
        return f"{head} [{component}]: nothing supervised on this frame (renders to None)"
    lines = [f"{head} [{component}]"]
    targets = set(rendered["target_message_indices"])
    for i, (message, stream) in enumerate(
        zip(rendered["messages"], rendered["message_streams"], strict=True)
    ):
        mark = "*" if i in targets else " "
        body = message.get("content")
        if not isinstance(body, str):
            body = json.dumps(body, ensure_ascii=False) if body is not None else ""
        if "tool_calls" in message:
            body = (
                f"{body} tool_calls={json.dumps(message['tool_calls'], ensure_ascii=False)}".strip()
            )
        lines.append(f"  {mark} {message['role']:<9} {stream:<10} {body}")
    return "\n".join(lines)


def _print_stats(
    compiled: CompiledRecipe, frames: Iterator[FrameLanguage], task: str | None
) -> None:
    """Per component: how often it is chosen (routed or drawn) and how often that renders."""
    counts = {component.name: [0, 0] for component in compiled.components}
    passthrough = 0
    for frame in frames:
        component, rendered = render_frame(compiled, frame, task)
        if component is None:
            passthrough += 1
            continue
        counts[component.name][0 if rendered is not None else 1] += 1
    width = max(len("component"), *(len(name) for name in counts))
    print(
        f"{'component':<{width}}  {'weight':>7}  {'route':>5}  {'chosen':>8}  {'rendered':>8}  "
        f"{'none':>8}  rendered%"
    )
    for component in compiled.components:
        n_rendered, n_none = counts[component.name]
        chosen = n_rendered + n_none
        share = f"{100 * n_rendered / chosen:.1f}%" if chosen else "-"
        flag = "  STARVED" if chosen and not n_rendered else ""
        print(
            f"{component.name:<{width}}  {component.weight:>7.4f}  {component.route or '-':>5}  "
            f"{chosen:>8}  {n_rendered:>8}  {n_none:>8}  {share}{flag}"
        )
    print(f"samples without language (passed through): {passthrough}")
