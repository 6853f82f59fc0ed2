"""Annotate a copy of a synthetic dataset with the simulated VLM under chosen knobs, and score it.

With every knob at zero the simulator's answers are the ground truth, so the
scores measure only what the pipeline itself loses (clamping, stitching,
snapping, coordinate conversion); raising a knob shows which metric notices.
The simulator runs as an HTTP server on 127.0.0.1, so the real client path is
exercised. Used by `bench/bench_eval.py` and the eval tests.
"""

from __future__ import annotations

import asyncio
import io
import shutil
from pathlib import Path
from typing import Any

from steerlang.annotate.config.modules import (
    InterjectionsConfig,
    PlanConfig,
    VisualInput,
    VqaConfig,
)
from steerlang.annotate.config.run_config import AnnotateConfig
from steerlang.annotate.run import annotate_dataset
from steerlang.annotate.staging.store import STAGING_DIR
from steerlang.annotate.vlm.config import VlmConfig
from steerlang.eval.evaluate import evaluate
from steerlang.sim.engine import SIM_MODEL_ID
from steerlang.sim.server_process import SimServerProcess


def annotate_with_sim(
    source: Path,
    root: Path,
    pipeline_coordinates: str = "auto",
    visual_input: VisualInput = "contact_sheets",
    segmentation_only: bool = False,
    **knobs: Any,
) -> Path:
    """Copy `source` to `root` and annotate the copy with the simulated VLM (sim `knobs`).

    `pipeline_coordinates` is `--vqa.coordinates`: set it apart from the
    simulator's `coordinates` knob to annotate under a wrong convention;
    `visual_input` is `--plan.visual_input`; `segmentation_only` turns the
    interjection and VQA modules off. Validation is skipped, so what the pipeline
    produced is written and scored.
    """
    shutil.copytree(source, root, ignore=shutil.ignore_patterns(STAGING_DIR))
    server = SimServerProcess(root, **knobs)
    api_base = server.start()
    try:
        config = AnnotateConfig(
            root=root,
            skip_validation=True,
            allow_partial=True,
            plan=PlanConfig(visual_input=visual_input),
            interjections=InterjectionsConfig(enabled=not segmentation_only),
            vqa=VqaConfig(coordinates=pipeline_coordinates, enabled=not segmentation_only),
            vlm=VlmConfig(
                backend="openai",
                model_id=SIM_MODEL_ID,
                api_base=api_base,
                auto_serve=False,
                cache=False,
            ),
        )
        asyncio.run(annotate_dataset(config, io.StringIO()))
    finally:
        server.stop()
    return root


def sim_fidelity(
    source: Path,
    root: Path,
    pipeline_coordinates: str = "auto",
    visual_input: VisualInput = "contact_sheets",
    segmentation_only: bool = False,
    **knobs: Any,
) -> dict[str, Any]:
    """The eval report of a copy of `source` annotated under these knobs, against its truth."""
    annotate_with_sim(source, root, pipeline_coordinates, visual_input, segmentation_only, **knobs)
    return evaluate(root, embeddings=False)
