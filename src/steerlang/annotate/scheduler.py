"""Run the modules of every episode on one event loop, as small per-episode DAGs.

    plan ─► interjections (with plan refreshes)      vqa runs alongside
         └► reasoning (per subtask, when enabled)

There are no phase barriers: episode 7's VQA may run while episode 3 still
plans, so the model servers stay busy. One global limit (in the client) bounds
requests in flight; at most `--executor.episode_parallelism` episodes are active
at once, so frames and contact sheets of far-away episodes are not held. A module whose staged
output is current is skipped; a failing episode is recorded and the others go on.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from steerlang.annotate.config.run_config import AnnotateConfig, module_settings
from steerlang.annotate.frames import FrameSource
from steerlang.annotate.frames.frame_workers import FrameWorkers
from steerlang.annotate.modules import interjections, plan, reasoning, vqa
from steerlang.annotate.modules.episode_job import EpisodeJob
from steerlang.annotate.modules.kept_subtasks import kept_segments, segments_fingerprint
from steerlang.annotate.modules.ledger import MissingItem, ModuleOutput
from steerlang.annotate.modules.segmentation import Segment
from steerlang.annotate.prompts import prompt_hashes
from steerlang.annotate.staging.module_graph import MODULE_UPSTREAM
from steerlang.annotate.staging.store import StagingStore, State, fingerprint
from steerlang.annotate.vlm.client import VlmClient
from steerlang.dataset import EpisodeRecord, LeRobotDataset
from steerlang.errors import RunStopped
from steerlang.language.validate import validate_episode

Rows = list[dict[str, Any]] | None

MODULE_PROMPTS = {
    "plan": plan.PROMPTS,
    "interjections": interjections.PROMPTS,
    "vqa": vqa.PROMPTS,
    "reasoning": reasoning.PROMPTS,
}


@dataclass
class EpisodeOutcome:
    """What happened to one episode in this run."""

    index: int
    computed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)  # current staging, not recomputed
    reused_disabled: list[str] = field(default_factory=list)  # disabled module's staging kept
    kept_edited: list[str] = field(default_factory=list)  # hand-corrected staging, never redone
    failed: str | None = None
    # per module, what its staged output lacks (empty: complete); see modules.ledger
    missing: dict[str, list[MissingItem]] = field(default_factory=dict)
    notes: Counter[str] = field(default_factory=Counter)
    images_sent: int = 0
    image_bytes: int = 0
    videos_sent: int = 0

    @property
    def ok(self) -> bool:
        return self.failed is None

    @property
    def missing_items(self) -> list[MissingItem]:
        return [item for items in self.missing.values() for item in items]


def module_inputs(
    config: AnnotateConfig,
    module: str,
    episode: EpisodeRecord,
    model_id: str,
    kept: Sequence[Segment] | None = None,
) -> str:
    """Fingerprint of everything a module's output for an episode is computed from
    (`kept`: the subtasks the plan module keeps, `--plan.keep_subtasks`)."""
    kept_part = {"kept_subtasks": segments_fingerprint(kept)} if kept else {}
    # reasoning answers in the convention VQA answers in (one setting of the model)
    convention = {"coordinates": config.vqa.coordinates} if module == "reasoning" else {}
    return fingerprint(
        {
            "episode": episode.index,
            "length": episode.length,
            "task": episode.task,
            "module": module,
            "settings": module_settings(config, module),
            "plan_settings": (
                module_settings(config, "plan") if "plan" in MODULE_UPSTREAM[module] else None
            ),
            "prompts": prompt_hashes(MODULE_PROMPTS[module]),
            "model_id": model_id,
            "camera": config.vlm.camera_key,
            "sampling": {
                "temperature": config.vlm.temperature,
                "max_new_tokens": config.vlm.max_new_tokens,
            },
            "seed": config.seed,
            **kept_part,
            **convention,
        }
    )


class Scheduler:
    """Drives all episodes; `outcomes` fills in as episodes finish."""

    def __init__(
        self,
        dataset: LeRobotDataset,
        config: AnnotateConfig,
        client: VlmClient,
        frames: FrameSource,
        store: StagingStore,
        workers: FrameWorkers,
        on_episode_done: Callable[[EpisodeOutcome], None] | None = None,
    ) -> None:
        self.dataset = dataset
        self.config = config
        self.client = client
        self.frames = frames
        self.store = store
        self.workers = workers
        self.on_episode_done = on_episode_done
        self.outcomes: dict[int, EpisodeOutcome] = {}
        self._active = asyncio.Semaphore(config.executor.episode_parallelism)

    async def run(self, episodes: list[EpisodeRecord]) -> list[EpisodeOutcome]:
        """Every episode's outcome. `RunStopped` (e.g. a server that does not serve the model)
        ends the run at once, said once, rather than failing every episode with it."""
        tasks = [asyncio.ensure_future(self._guarded(episode)) for episode in episodes]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        return [self.outcomes[episode.index] for episode in episodes]

    async def _guarded(self, episode: EpisodeRecord) -> None:
        outcome = EpisodeOutcome(episode.index)
        async with self._active:
            job = EpisodeJob(
                self.dataset, episode, self.frames, self.client, self.config, self.workers
            )
            try:
                await self._episode(job, outcome)
            except (asyncio.CancelledError, RunStopped):
                raise
            except Exception as exc:  # one episode's failure must not stop the others
                outcome.failed = f"{type(exc).__name__}: {exc}"
            finally:
                outcome.images_sent, outcome.image_bytes = job.images_sent, job.image_bytes
                outcome.videos_sent = job.videos_sent
        self.outcomes[episode.index] = outcome
        if self.on_episode_done is not None:
            self.on_episode_done(outcome)

    async def _episode(self, job: EpisodeJob, outcome: EpisodeOutcome) -> None:
        # the frame check is queued at once; frame jobs wait for it, text-only calls do not,
        # and a broken camera fails the episode even when no module needed its frames
        checked = _done() if self.frames.text_only else job.check_frames()
        # plan → interjections and vqa run side by side; all run to the end even if one
        # fails, so the others' work is staged and no module outlives its episode (and the
        # client) unowned
        check, chain, vqa_rows = await asyncio.gather(
            checked,
            self._plan_chain(job, outcome),
            self._module(job, outcome, "vqa", lambda: vqa.run_vqa(job)),
            return_exceptions=True,
        )
        for result in (check, chain, vqa_rows):
            if isinstance(result, BaseException):
                raise result
        plan_rows, inter_rows, reasoning_rows = chain
        if not self.config.skip_validation:
            staged = {
                name: rows
                for name, rows in (
                    ("plan", plan_rows),
                    ("interjections", inter_rows),
                    ("vqa", vqa_rows),
                    ("reasoning", reasoning_rows),
                )
                if rows is not None
            }
            problems = [
                p
                for p in await asyncio.to_thread(
                    validate_episode, self.dataset, job.episode, staged, job.timestamps
                )
                if p.severity == "error"
            ]
            if problems:
                raise ValueError(
                    f"{len(problems)} invalid row(s), first: {problems[0].source} line "
                    f"{problems[0].line}: {problems[0].message}"
                )

    async def _plan_chain(
        self, job: EpisodeJob, outcome: EpisodeOutcome
    ) -> tuple[Rows, Rows, Rows]:
        """The plan module, then the interjections and the reasoning computed from its rows,
        side by side (they need nothing from VQA or from each other, so never wait for it)."""
        kept = None
        if self.config.plan.keep_subtasks and self.config.plan.enabled:
            kept = await asyncio.to_thread(kept_segments, self.store, job.index, job.timestamps)
        plan_rows = await self._module(job, outcome, "plan", lambda: plan.run_plan(job, kept), kept)
        plan_missing = outcome.missing.get("plan", [])
        inter_rows: Rows | BaseException
        reasoning_rows: Rows | BaseException
        inter_rows, reasoning_rows = await asyncio.gather(  # both run to the end
            self._module(
                job,
                outcome,
                "interjections",
                lambda: interjections.run_interjections(job, plan_rows or [], plan_missing),
            ),
            self._module(
                job,
                outcome,
                "reasoning",
                lambda: reasoning.run_reasoning(job, plan_rows or [], plan_missing),
            ),
            return_exceptions=True,
        )
        if isinstance(inter_rows, BaseException):
            raise inter_rows
        if isinstance(reasoning_rows, BaseException):
            raise reasoning_rows
        return plan_rows, inter_rows, reasoning_rows

    async def _module(
        self,
        job: EpisodeJob,
        outcome: EpisodeOutcome,
        module: str,
        compute: Callable[[], Awaitable[ModuleOutput]],
        kept: list[Segment] | None = None,
    ) -> list[dict[str, Any]] | None:
        """The module's rows: computed, reused from current staging, or None if absent.

        A partial output (some calls failed) is staged with what it lacks and is
        computed again on the next run; its rows are valid and are written meanwhile.
        """
        index = job.index
        enabled = getattr(self.config, module).enabled
        if not enabled:
            status = await asyncio.to_thread(self.store.status, index, module)
            if not status.usable:
                return None
            outcome.reused_disabled.append(module)
            return await self._reused(index, module, outcome)
        inputs = module_inputs(self.config, module, job.episode, self.client.model_id, kept)
        status = await asyncio.to_thread(self.store.status, index, module, inputs)
        if status.state is State.EDITED and kept is None:
            # a correction (by hand, in the viewer, or imported labels) is the user's
            # word: kept as it is, never recomputed over — except that with
            # --plan.keep_subtasks the plan module keeps its subtasks (`kept`) and
            # recomputes the rest around them
            outcome.kept_edited.append(module)
            return await asyncio.to_thread(self.store.read, index, module)
        if status.state is State.CURRENT:
            outcome.reused.append(module)
            return await self._reused(index, module, outcome)
        output = await compute()
        missing = output.ledger.sorted_items()
        await asyncio.to_thread(
            self.store.write,
            index,
            module,
            output.rows,
            inputs,
            [item.as_json() for item in missing],
            output.notes,
        )
        outcome.computed.append(module)
        outcome.notes.update(output.notes)
        if missing:
            outcome.missing[module] = missing
        return output.rows

    async def _reused(
        self, index: int, module: str, outcome: EpisodeOutcome
    ) -> list[dict[str, Any]]:
        """Staged rows, and what they lack (a disabled module's output may be partial)."""
        missing = await asyncio.to_thread(self.store.missing, index, module)
        if missing:
            outcome.missing[module] = [MissingItem.from_json(item) for item in missing]
        return await asyncio.to_thread(self.store.read, index, module)


async def _done() -> None:
    """Nothing to wait for (a dataset without cameras has no frame check)."""
