"""The text an exported episode video carries: a panel under each frame (Pillow).

Per frame: the episode time, the subtask in force, the plan step in force (the
plan line that names the current subtask, else the plan's steps in short), and
for a few seconds after each interjection what the user said and what the robot
replied. Frames are scaled up to a readable width; the panel sits below the
picture so it never hides what the camera saw.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

MIN_WIDTH = 640
FONT_SIZE = 16
LINE_HEIGHT = 22
PADDING = 8
INTERJECTION_SECONDS = 3.0
LINES = ("time", "subtask", "plan", "interjection")
BACKGROUND = (24, 26, 30)
COLORS = {"time": (170, 176, 186), "subtask": (255, 255, 255), "plan": (140, 220, 200)}
INTERJECTION_COLOR = (255, 170, 120)


def even(value: int) -> int:
    return value + (value % 2)


def plan_step(plan: str | None, subtask: str | None) -> str | None:
    """`step k/n: …` for the plan line that names the subtask, else the steps in short."""
    if not plan:
        return None
    steps = [re.sub(r"^\s*\d+[.)]\s*", "", line).strip() for line in plan.splitlines()]
    steps = [step for step in steps if step]
    wanted = (subtask or "").strip().lower()
    for number, step in enumerate(steps, 1):
        if wanted and (step.lower() == wanted or wanted in step.lower()):
            return f"step {number}/{len(steps)}: {step}"
    return " / ".join(steps)


def latest_before(items: list[dict[str, Any]], key: str, t: float) -> dict[str, Any] | None:
    found = None
    for item in items:
        if item[key] <= t + 1e-6 and (found is None or item[key] >= found[key]):
            found = item
    return found


class BurnIn:
    """Composes exported frames for one episode's page model (`episode_model.language_model`)."""

    def __init__(self, model: dict[str, Any], episode: int, camera: str, source: tuple[int, int]):
        self.model = model
        self.label = f"episode {episode} · {camera}"
        width, height = source
        self.width = even(max(MIN_WIDTH, width))
        self.picture_height = even(round(height * self.width / width))
        self.height = self.picture_height + even(len(LINES) * LINE_HEIGHT + 2 * PADDING)
        self.font = ImageFont.load_default(size=FONT_SIZE)
        self._panels: dict[tuple[str, ...], Image.Image] = {}

    def texts(self, t: float) -> dict[str, str]:
        """What each panel line says at episode time `t`."""
        span = latest_before(self.model["subtasks"], "start", t)
        subtask = span["label"] if span else None
        plan = latest_before(self.model["changes"]["plan"], "t", t)
        step = plan_step(plan["content"] if plan else None, subtask)
        said = latest_before(self.model["interjections"], "t", t)
        if said is not None and t - said["t"] >= INTERJECTION_SECONDS:
            said = None  # said too long ago to show
        return {
            "time": f"{self.label} · t = {t:6.2f} s",
            "subtask": f"subtask: {subtask or '—'}",
            "plan": f"plan: {step or '—'}",
            "interjection": (
                f'user: "{said["text"]}"  robot: "{said["reply"] or "…"}"'
                if said is not None
                else ""
            ),
        }

    def compose(self, rgb: np.ndarray, t: float) -> np.ndarray:
        """The frame scaled to the export width with the text panel under it (RGB, uint8)."""
        texts = self.texts(t)
        canvas = Image.new("RGB", (self.width, self.height), BACKGROUND)
        picture = Image.fromarray(rgb).convert("RGB")
        picture = picture.resize((self.width, self.picture_height), Image.Resampling.BILINEAR)
        canvas.paste(picture, (0, 0))
        canvas.paste(self._panel(tuple(texts.values())[1:]), (0, self.picture_height))
        ImageDraw.Draw(canvas).text(
            (PADDING, self.picture_height + PADDING), texts["time"], COLORS["time"], self.font
        )
        return np.asarray(canvas)

    def _panel(self, lines: tuple[str, ...]) -> Image.Image:
        """The panel with every line but the time (drawn once per distinct text)."""
        panel = self._panels.get(lines)
        if panel is None:
            panel = Image.new("RGB", (self.width, self.height - self.picture_height), BACKGROUND)
            draw = ImageDraw.Draw(panel)
            for row, (name, text) in enumerate(zip(LINES[1:], lines, strict=True), 1):
                color = COLORS.get(name, INTERJECTION_COLOR)
                draw.text((PADDING, PADDING + row * LINE_HEIGHT), self._fit(text), color, self.font)
            self._panels[lines] = panel
        return panel

    def _fit(self, text: str) -> str:
        """The text cut (with an ellipsis) to the panel's width."""
        limit = self.width - 2 * PADDING
        if self.font.getlength(text) <= limit:
            return text
        while text and self.font.getlength(text + "…") > limit:
            text = text[:-1]
        return text + "…"
