"""The shell examples of the README and docs/, as commands that can run here.

Every line in a shell code block (fenced, or indented four spaces) that runs
`steerlang` or a benchmark is an example. A synopsis is made runnable the way a
reader would: optional `[...]` parts and `a | b` alternatives dropped, its
placeholders (`DS`, `PATH`, `N`, ...) given real values, and an annotate run
pointed at the simulated model, which answers from the synthetic dataset's
ground truth. What cannot run here (a Hub download, a GPU server, a server that
runs until stopped) is listed with the reason.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
STARTS = ("steerlang ", "python bench/")
SHELL_LANGUAGES = {"", "bash", "sh", "shell", "console"}

# placeholder → value, applied to whole words only (longest first)
PLACEHOLDERS = {
    "path/to/annotated": "{dataset}",
    "SYNTHETIC_DS": "{dataset}",
    "/tmp/d/dataset": "{dataset}",
    "/tmp/ds": "{fresh}",
    "PATH": "{dataset}",
    "DS": "{dataset}",
    "DIR": "{dataset}",
    "SITE": "{work}/site",
    "MODULE": "vqa",
    "N": "2",
    "S": "2",
    "F": "15",
    "E": "0",
    "I": "0",
    "T": "0.5",
    "KEY": "observation.images.top",
}
OPTIONAL = re.compile(r"\s\[[^\[\]]*(?:\[[^\[\]]*\][^\[\]]*)*\]")


@dataclass(frozen=True)
class Example:
    source: str  # file:line
    text: str  # as written

    @property
    def id(self) -> str:
        return self.source


def examples() -> list[Example]:
    found = []
    for document in DOCUMENTS:
        lines = document.read_text().splitlines()
        fenced, language, pending, start = False, "", "", 0
        for number, line in enumerate(lines, 1):
            if line.startswith("```"):
                fenced, language = not fenced, line[3:].strip()
                continue
            in_shell = (fenced and language in SHELL_LANGUAGES) or (
                not fenced and line.startswith("    ")
            )
            text = line.strip()
            if pending:
                pending = pending.rstrip("\\") + " " + text
            elif in_shell and text.startswith(STARTS):
                pending, start = text, number
            if pending and not pending.endswith("\\"):
                where = f"{document.relative_to(ROOT)}:{start}"
                found.append(Example(where, pending))
                pending = ""
    return found


def runnable(example: Example) -> str:
    """The example as one command line, placeholders still in `{braces}`."""
    text = example.text.split("  #")[0].split(" # ")[0].strip()
    previous = None
    while previous != text:  # nested optional parts
        previous, text = text, OPTIONAL.sub("", text)
    for name in sorted(PLACEHOLDERS, key=len, reverse=True):
        text = re.sub(rf"(?<![\w./-]){re.escape(name)}(?![\w/])", PLACEHOLDERS[name], text)
    if text.startswith("steerlang synth"):  # synth makes a dataset: a new folder
        text = text.replace("{dataset}", "{fresh}")
    return text


# what a reader has done before an example (commands run first, in its folder)
SETUP = {
    "steerlang import-legacy": ["steerlang export-legacy --root {dataset}"],
    "steerlang render --root={dataset} --recipe=my_recipe.yaml": [
        "steerlang recipe export --recipe=subtask --root={dataset} --out=my_recipe.yaml"
    ],
}


def setup_for(command: str) -> list[str]:
    return [step for prefix, steps in SETUP.items() if command.startswith(prefix) for step in steps]


def why_not_here(example: Example) -> str | None:
    """Why an example cannot run in a test here, or None when it can."""
    text = example.text
    if text.startswith("python bench/"):
        return "benchmarks run in .ci/run's benchmark step (each with --quick)"
    if "--serve" in text.split() or text.startswith("steerlang sim-server"):
        return (
            "a server that runs until it is stopped; tests/test_view_review.py and "
            "tests/test_sim_server.py start and stop one"
        )
    if "--repo_id" in text or "--push_to_hub" in text:
        return "needs the Hugging Face Hub"
    if "--executor.kind=slurm" in text or "--executor.kind=ray" in text:
        return (
            "needs a GPU cluster; tests/test_executor_slurm.py and tests/test_executor_ray.py "
            "run these executors on a local Slurm and Ray against the simulator"
        )
    return None


def argv(command: str) -> list[str]:
    """`steerlang a b c` → the arguments after `steerlang` (no shell features used)."""
    words = shlex.split(command)
    assert words[0] == "steerlang"
    return words[1:]


def needs_shell(command: str) -> bool:
    return any(mark in command for mark in (">", "|", "&&", "$("))
