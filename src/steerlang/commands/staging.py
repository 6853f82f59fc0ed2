"""`steerlang staging`: show how each module's staged output stands, or clear a module."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from steerlang.annotate.config.run_config import AnnotateConfig
from steerlang.annotate.modules.ledger import MissingItem
from steerlang.annotate.staging.store import StagingStore, State
from steerlang.annotate.vlm.redaction import shown_command_line
from steerlang.commands.flags import Command
from steerlang.dataset.episode_selection import EpisodeSelection
from steerlang.errors import SteerlangError
from steerlang.language.dataset_lock import dataset_lock


@dataclass
class StagingFlags:
    root: Path  # the dataset folder
    # delete this module's staged outputs (plan, interjections, vqa or reasoning; recomputed
    # next run)
    clear: str | None = None
    # only these episodes (default: all staged ones)
    episodes: EpisodeSelection | None = None
    # list every item a partial output lacks (episode, module, what and why)
    missing: bool = False
    # where `annotate --staging_dir` put the staging (default: <root>/.annotate_staging)
    staging_dir: Path | None = None


COMMAND = Command(
    StagingFlags,
    "staging",
    "Summarise .annotate_staging per module, or clear a module's outputs.",
    aliases={"only_episodes": "episodes"},
)


def main(argv: list[str]) -> int:
    args = COMMAND.parse(argv)
    store = StagingStore(args.root, staging_dir=args.staging_dir)
    if args.clear:
        if args.clear not in store.modules:
            raise SteerlangError(
                f"--clear: unknown module {args.clear!r}; modules: {store.modules}"
            )
        with dataset_lock(args.root, shown_command_line()):
            cleared = store.clear(args.clear, args.episodes)
        print(f"cleared {args.clear} staging of {len(cleared)} episode(s)")
        return 0
    episodes = args.episodes or store.episodes()
    if not episodes:
        print(f"nothing staged under {store.dir}")
        return 0
    for module in store.modules:
        states = Counter(store.status(ep, module).state.value for ep in episodes)
        if set(states) == {State.MISSING.value} and not _on_by_default(module):
            continue  # an optional module never run here (e.g. reasoning) is not news
        summary = ", ".join(f"{count} {state}" for state, count in sorted(states.items()))
        missing = sum(len(store.missing(ep, module)) for ep in episodes)
        lacking = f"; {missing} item(s) missing (a rerun asks for them)" if missing else ""
        print(f"{module}: {summary}{lacking}")
    if args.missing:
        for episode in episodes:
            for module in store.modules:
                for item in store.missing(episode, module):
                    print(f"episode {episode} {module}: {MissingItem.from_json(item).describe()}")
    return 0


def _on_by_default(module: str) -> bool:
    return bool(getattr(AnnotateConfig(), module).enabled)
