"""`steerlang recipe export`: a recipe as a plain file LeRobot's `TrainingRecipe.from_yaml` loads."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from steerlang.commands.flags import Command, Group
from steerlang.language.atomic_file import replace_atomically
from steerlang.render.export import export_recipe, registration_lines
from steerlang.render.parquet_source import read_info
from steerlang.render.recipe import load_recipe
from steerlang.render.semantics import LEROBOT_MAIN, Semantics
from steerlang.schema import camera_keys


@dataclass
class ExportFlags:
    recipe: str  # recipe YAML path or built-in name
    root: Path  # the dataset (for its cameras)
    out: Path  # the YAML file to write
    # the LeRobot that loads it: main (keeps route: vqa and action-only components) or
    # 0.6.1 (leaves out what it cannot load)
    target: Semantics = LEROBOT_MAIN
    # expand ${camera} over depth views too (default: colour cameras only)
    include_depth: bool = False


COMMAND = Group(
    "recipe",
    "Work with render recipes.",
    {
        "export": Command(
            ExportFlags,
            "recipe export",
            "Write RECIPE with ${camera} expanded over the dataset's cameras, as a file "
            "LeRobot's TrainingRecipe.from_yaml loads.",
        )
    },
)


def main(argv: list[str]) -> int:
    _, args = COMMAND.parse(argv)
    return export(args)


def export(args: ExportFlags) -> int:
    recipe = load_recipe(args.recipe)
    cameras = camera_keys(read_info(args.root).get("features") or {}, args.include_depth)
    exported = export_recipe(recipe, cameras, args.target)
    header = (
        f"{Path(recipe.source.removesuffix(' (built-in)')).name} exported by `steerlang recipe "
        f"export` for {args.target}\ncameras: {', '.join(cameras) or 'none'}"
    )
    if exported.pinned_camera:
        header += (
            f"\nvqa / vqa_query are pinned to {exported.pinned_camera} where a component does not "
            "use them:\nLeRobot 0.6.1 resolves every default binding, and unpinned they match "
            "one row per camera"
        )
    registration = registration_lines(exported.extended_styles)
    if exported.extended_styles:
        styles = ", ".join(exported.extended_styles)
        header += f"\nreads {styles}: register it in LeRobot first, with\n" + "\n".join(
            registration
        )
    out = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    replace_atomically(out, exported.to_yaml(header).encode(), out.parent)
    if exported.note:
        print(f"steerlang recipe: note: {exported.note}", file=sys.stderr)
    if exported.extended_styles:
        print(
            f"steerlang recipe: note: LeRobot routes {styles} only once registered; run "
            f"`{registration[0]}` then `{registration[1]}` before loading the dataset",
            file=sys.stderr,
        )
    print(f"wrote {out}")
    return 0
