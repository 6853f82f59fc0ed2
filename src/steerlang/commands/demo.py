"""`steerlang demo`: the whole job on a fresh machine, in about a minute, with nothing downloaded.

Synthesise a small dataset, serve the simulated VLM over HTTP, annotate through
the real OpenAI-compatible client path, validate, and render training samples
with a canonical recipe. Everything the model "said" is simulated and the
output says so.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from steerlang.annotate.config.run_config import AnnotateConfig
from steerlang.annotate.run import annotate_dataset
from steerlang.annotate.vlm.config import VlmConfig
from steerlang.commands.annotate import summary
from steerlang.commands.flags import Command
from steerlang.commands.render import format_sample
from steerlang.dataset import open_dataset
from steerlang.dataset.synth import CameraSpec, SynthConfig, synthesize
from steerlang.errors import SteerlangError
from steerlang.language.validate import validate_dataset
from steerlang.render.compile import as_compiled
from steerlang.render.parquet_source import iter_frames, open_language_source
from steerlang.render.stream import render_frame
from steerlang.sim.engine import SIM_MODEL_ID
from steerlang.sim.server_process import SimServerProcess

RECIPE = "subtask_mem_vqa_speech"
DEMO_CAMERAS = (CameraSpec("top", 320, 240), CameraSpec("wrist", 160, 120))


@dataclass
class DemoFlags:
    out: Path = Path("steerlang_demo")  # folder for the demo dataset (replaced if it is one)
    episodes: int = 4  # episodes to synthesise
    seed: int = 0
    samples: int = 3  # training samples to print


COMMAND = Command(
    DemoFlags,
    "demo",
    "Synthesise a small dataset, annotate it with the SIMULATED VLM served over HTTP, "
    "validate it and render training samples (about a minute, nothing downloaded).",
)


def main(argv: list[str]) -> int:
    args = COMMAND.parse(argv)
    root = args.out / "dataset"
    if args.out.exists():
        if not (root / "meta/info.json").exists() and any(args.out.iterdir()):
            raise SteerlangError(
                f"{args.out} exists and is not a demo folder; choose another --out"
            )
        shutil.rmtree(args.out)
    step("1/4 synthesising a LeRobot v3.0 dataset")
    synthesize(
        SynthConfig(
            out=root,
            episodes=args.episodes,
            seconds=(8.0, 10.0),
            cameras=DEMO_CAMERAS,
            episodes_per_file=2,
            seed=args.seed,
        )
    )
    print(f"  {root}: {args.episodes} episodes, cameras {[c.key for c in DEMO_CAMERAS]}")
    step("2/4 annotating with the SIMULATED VLM served over HTTP (steerlang sim-server)")
    server = SimServerProcess(root)
    api_base = server.start()
    try:
        config = AnnotateConfig(
            root=root,
            seed=args.seed,
            vlm=VlmConfig(
                backend="openai", model_id=SIM_MODEL_ID, api_base=api_base, auto_serve=False
            ),
        )
        result = asyncio.run(annotate_dataset(config, sys.stderr))
    finally:
        server.stop()
    print(indent(summary(result)))
    step("3/4 validating the written dataset")
    problems = validate_dataset(open_dataset(root))
    errors = [p for p in problems if p.severity == "error"]
    print(f"  {len(errors)} error(s), {len(problems) - len(errors)} warning(s)")
    if errors:
        raise SteerlangError(f"the demo dataset failed validation: {errors[0]}")
    step(f"4/4 rendering training samples with the canonical recipe {RECIPE!r}")
    for text in sample_texts(root, args.samples):
        print(indent(text))
    print(
        f"\nDone. Annotated dataset: {root}\n"
        f"  run record (says simulated): {root / 'meta/steerlang_runs.jsonl'}\n"
        f"  inspect: steerlang info --root={root}\n"
        f"  render:  steerlang render --root={root} --recipe={RECIPE} --episodes=0 --t=3\n"
        f"  check:   steerlang validate --root={root}\n"
        "Annotate your own data: steerlang annotate --root=PATH --vlm.model_id=MODEL"
    )
    return 0


def sample_texts(root: Path, count: int) -> list[str]:
    """Rendered samples from different blend components, spread over the dataset."""
    source = open_language_source(root)
    compiled = as_compiled(RECIPE, source.camera_keys())
    shown: dict[str, str] = {}
    for frame in iter_frames(source, None):
        component, rendered = render_frame(compiled, frame, None)
        if component is None or component.name in shown:
            continue
        if rendered is not None:
            shown[component.name] = format_sample(frame, component.name, rendered)
        if len(shown) >= count:
            break
    return list(shown.values())


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())
