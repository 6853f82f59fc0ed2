"""`--plan.keep_subtasks`: which subtasks are kept, and how they enter the plan fingerprint
(a changed label set recomputes; the flag alone changes nothing for episodes without any)."""

from __future__ import annotations

import dataclasses

import numpy as np

from steerlang.annotate.config.run_config import AnnotateConfig, PlanConfig
from steerlang.annotate.modules.kept_subtasks import kept_segments
from steerlang.annotate.modules.segmentation import Segment
from steerlang.annotate.scheduler import module_inputs
from steerlang.annotate.staging.store import StagingStore
from steerlang.dataset.records import EpisodeRecord
from steerlang.legacy.importer import subtask_row

EPISODE = EpisodeRecord(0, ("tidy",), 10, None, 0, 0, 0, 10, 0)


def test_kept_subtasks_are_part_of_the_plan_fingerprint():
    config = AnnotateConfig()
    kept_on = dataclasses.replace(config, plan=PlanConfig(keep_subtasks=True))
    plain = module_inputs(config, "plan", EPISODE, "m")
    assert module_inputs(kept_on, "plan", EPISODE, "m") == plain  # nothing kept: as before
    one = [Segment("reach", 0, 0.0), Segment("grasp", 3, 0.1)]
    renamed = [Segment("reach", 0, 0.0), Segment("pinch", 3, 0.1)]
    moved = [Segment("reach", 0, 0.0), Segment("grasp", 4, 0.2)]
    fingerprints = {
        module_inputs(kept_on, "plan", EPISODE, "m", kept) for kept in (one, renamed, moved)
    }
    assert len(fingerprints) == 3 and plain not in fingerprints
    assert module_inputs(kept_on, "plan", EPISODE, "m", list(one)) in fingerprints


def test_kept_segments_are_the_staged_subtask_rows_in_time_order(tmp_path):
    store = StagingStore(tmp_path)
    stamps = (np.arange(10) / 10).astype(np.float32)
    assert kept_segments(store, 0, stamps) is None
    rows = [
        {
            "timestamp": 0.0,
            "style": "task_aug",
            "role": "user",
            "content": "tidy",
            "camera": None,
            "tool_calls": None,
        },
        subtask_row("grasp", float(stamps[4])),
        subtask_row("reach", 0.0),
    ]
    store.write_edited(0, "plan", rows, by="test")
    assert kept_segments(store, 0, stamps) == [
        Segment("reach", 0, 0.0),
        Segment("grasp", 4, float(stamps[4])),
    ]
    store.write_edited(0, "plan", rows[:1], by="test")
    assert kept_segments(store, 0, stamps) is None
