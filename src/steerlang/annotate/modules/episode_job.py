"""Everything a module needs to annotate one episode, and the one way it asks the model."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel

from steerlang.annotate.config.run_config import AnnotateConfig
from steerlang.annotate.frames import EncodedImage, FrameSource
from steerlang.annotate.frames import worker as frame_worker
from steerlang.annotate.frames.frame_workers import FrameWorkers
from steerlang.annotate.modules.ledger import ItemLedger
from steerlang.annotate.prompts import load_prompt
from steerlang.annotate.vlm.client import VlmClient
from steerlang.annotate.vlm.factory import sampling_params
from steerlang.annotate.vlm.redaction import scrub, secret_values
from steerlang.annotate.vlm.types import (
    ImagePart,
    Message,
    Part,
    TextPart,
    VideoPart,
    VlmFailure,
    VlmRequest,
)
from steerlang.dataset import EpisodeRecord, LeRobotDataset

T = TypeVar("T")
PromptImage = tuple[EncodedImage, str | None, int, int]  # jpeg, camera, source width, height
LEAF_DEFERRAL = 2.0**40  # above any episode index
PLACEHOLDER_TASKS = {"", "task", "default", "none", "null", "n/a", "todo", "test", "demo"}


@dataclass
class EpisodeJob:
    """One episode's inputs, shared by its modules."""

    dataset: LeRobotDataset
    episode: EpisodeRecord
    frames: FrameSource
    client: VlmClient
    config: AnnotateConfig
    workers: FrameWorkers  # runs `steerlang.annotate.frames.worker` functions
    images_sent: int = 0  # still images and the frames of video blocks
    image_bytes: int = 0  # every image and video byte sent
    videos_sent: int = 0
    _frames_checked: asyncio.Future[None] | None = field(default=None, init=False, repr=False)

    @property
    def index(self) -> int:
        return self.episode.index

    @property
    def timestamps(self) -> np.ndarray:
        return self.frames.timestamps(self.episode)

    @property
    def duration(self) -> float:
        return self.episode.length / self.dataset.fps

    @property
    def t0(self) -> float:
        return float(self.timestamps[0])

    @property
    def prompt_camera(self) -> str | None:
        """The camera whose frames plan and interjection prompts show (None: text only)."""
        if self.frames.text_only:
            return None
        views = self.dataset.view_camera_keys(self.config.vqa.include_depth)
        return self.config.vlm.camera_key or (views or self.dataset.camera_keys)[0]

    def seed(self, *salt: int) -> np.random.Generator:
        """A generator that depends only on the run seed, the episode and the salt."""
        return np.random.default_rng([self.config.seed, self.index, *salt])

    def stored_time(self, frame: int) -> float:
        """A frame's stored float32 timestamp, as the float staging lines carry."""
        return float(self.timestamps[frame])

    def priority(self, leaf: bool = False) -> float:
        """Where this episode's model call or frame job queues: older episodes first, so
        their serial chains finish while younger ones fill free capacity; a `leaf` call
        (nothing else in the episode waits for its answer, e.g. a VQA question) after
        every chained one, so chains never queue behind a burst of leaves and the run
        ends on leaves that all run at once rather than on one episode's serial calls."""
        return self.index + (LEAF_DEFERRAL if leaf else 0.0)

    def check_frames(self) -> asyncio.Future[None]:
        """The episode's frame check (its cameras open and decode), started on first use.

        Every frame job waits for it, so no image is sent for a broken episode; calls
        that need no frames (e.g. task paraphrases) go ahead meanwhile.
        """
        if self._frames_checked is None:
            self._frames_checked = asyncio.ensure_future(
                self.workers.run(
                    self.priority(), frame_worker.check_episode, str(self.dataset.root), self.index
                )
            )
        return self._frames_checked

    async def frame_work(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a `frames.worker` function for this episode in a worker process, so
        decoding and encoding never hold up the event loop that drives the model calls.

        Frame jobs queue by episode alone (no leaf deferral): a leaf's frames deferred
        behind every chain's contact sheets starve the model of ready work at the start.
        """
        await asyncio.shield(self.check_frames())
        return await self.workers.run(
            self.priority(), fn, str(self.dataset.root), self.index, *args
        )

    async def ask(
        self,
        purpose: str,
        answer_model: type[BaseModel],
        prompt: Mapping[str, Any],
        context: Mapping[str, Any],
        ledger: ItemLedger,
        images: Sequence[PromptImage] = (),
        leaf: bool = False,
        judge: Callable[[BaseModel], VlmFailure | None] | None = None,
        video: VideoPart | None = None,
    ) -> Any | None:
        """Ask one question; the validated answer, or None with the failure in `ledger`.

        `prompt` fills the purpose's template; `context` also says which item this
        is (its time or window, its camera); `images` are (jpeg, camera, source
        width, source height); `leaf`: see `priority`; `judge`: see `VlmRequest`;
        `video`: one video block, sent after the images.
        """
        text = load_prompt(purpose).render(**prompt)
        parts: list[Part] = [TextPart(text)]
        for image, camera, source_width, source_height in images:
            self.images_sent += 1
            self.image_bytes += len(image.data)
            parts.append(
                ImagePart(
                    image.data, image.width, image.height, camera, source_width, source_height
                )
            )
        if video is not None:
            self.videos_sent += 1
            self.images_sent += len(video.frames)
            self.image_bytes += video.size
            parts.append(video)
        request = VlmRequest(
            purpose=purpose,
            messages=(Message("user", tuple(parts)),),
            answer_model=answer_model,
            sampling=sampling_params(self.config.vlm, self.config.seed),
            context={"episode_index": self.index, **context},
            judge=judge,
        )
        result = await self.client.complete(request, priority=self.priority(leaf))
        if result.answer is None:
            failure = result.failure
            # staged and printed: a server may echo a key in its error message
            message = failure.message if failure else "no answer"
            ledger.failed(
                purpose,
                context,
                failure.kind.value if failure else "unknown",
                scrub(message, secret_values([self.config.vlm.api_key])),
            )
        return result.answer


def task_is_usable(task: str, min_words: int) -> bool:
    """A stored task a model can work from: not empty, not a placeholder, and at least
    `min_words` words (`--plan.derive_task_min_words`)."""
    text = task.strip().lower().rstrip(".")
    return text not in PLACEHOLDER_TASKS and len(text.split()) >= min_words


def text_row(style: str, content: str, timestamp: float, role: str = "assistant") -> dict[str, Any]:
    """A staging row with text content and no camera (any style but vqa/trace)."""
    return {
        "timestamp": timestamp,
        "style": style,
        "role": role,
        "content": content,
        "camera": None,
        "tool_calls": None,
    }
