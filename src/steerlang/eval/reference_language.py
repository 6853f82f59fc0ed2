"""Another annotated copy of the same dataset as the reference (e.g. human labels).

Its subtask rows give the reference segmentation; its VQA answer at a frame and
camera gives the facts a prediction at the same frame and camera is scored on.
"""

from __future__ import annotations

from steerlang.eval.annotations import EpisodeAnnotations
from steerlang.eval.scene_facts import SceneFacts, facts_from_answer
from steerlang.eval.segments import Segment


class LanguageReference:
    kind = "language"

    def __init__(self, annotations: dict[int, EpisodeAnnotations]) -> None:
        self.annotations = annotations

    def has_episode(self, episode: int) -> bool:
        return episode in self.annotations

    def segments(self, episode: int) -> list[Segment]:
        return self.annotations[episode].segments

    def facts(self, episode: int, camera: str, frame: int) -> SceneFacts | None:
        pair = self.annotations[episode].vqa.get((frame, camera))
        return facts_from_answer(pair.answer) if pair else None
