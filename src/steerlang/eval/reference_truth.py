"""A synthetic dataset's ground truth as the reference (`groundtruth/episode_*.json`)."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from steerlang.dataset.groundtruth import EpisodeTruth, groundtruth_path, load_truth
from steerlang.eval.boxes import Box
from steerlang.eval.label_metrics import normalise_text
from steerlang.eval.scene_facts import SceneFacts
from steerlang.eval.segments import Segment


class TruthReference:
    kind = "groundtruth"

    def __init__(self, root: Path) -> None:
        self.root = root
        self._loaded: dict[int, EpisodeTruth] = {}

    def has_episode(self, episode: int) -> bool:
        return groundtruth_path(self.root, episode).is_file()

    def _truth(self, episode: int) -> EpisodeTruth:
        if episode not in self._loaded:
            self._loaded[episode] = load_truth(self.root, episode)
        return self._loaded[episode]

    def segments(self, episode: int) -> list[Segment]:
        return [Segment(s.label, s.start, s.end) for s in self._truth(episode).subtasks]

    def facts(self, episode: int, camera: str, frame: int) -> SceneFacts | None:
        truth = self._truth(episode)
        if camera not in truth.cameras or not 0 <= frame < truth.length:
            return None
        return scene_facts(truth, camera, frame)


def scene_facts(truth: EpisodeTruth, camera: str, frame: int) -> SceneFacts:
    """Everything true at this frame and camera, under every label a question may use."""
    boxes = truth.boxes_at(camera, frame)
    visible = [o for o in truth.objects if o["id"] in boxes]
    facts = SceneFacts(complete=True)
    facts.boxes = [(normalise_text(o["label"]), cast(Box, tuple(boxes[o["id"]]))) for o in visible]
    for obj in truth.objects:
        facts.counts[normalise_text(obj["label"])] = int(obj in visible)
        facts.counts.setdefault(normalise_text(obj["shape"]), 0)
    facts.counts.update({normalise_text(k): v for k, v in truth.counts_at(camera, frame).items()})
    for obj in visible:
        label, color, shape = (normalise_text(obj[k]) for k in ("label", "color", "shape"))
        facts.attributes[(label, "color")] = color
        facts.attributes[(label, "shape")] = shape
        if sum(o["shape"] == obj["shape"] for o in truth.objects) == 1:
            facts.attributes[(shape, "color")] = color
        if sum(o["color"] == obj["color"] for o in truth.objects) == 1:
            facts.attributes[(f"{color} object", "shape")] = shape
    for relation in truth.relations_at(camera, frame):
        subject = truth.object(relation["subject"])["label"]
        other = truth.object(relation["object"])["label"]
        facts.add_relation(subject, relation["relation"], other)
    return facts
