"""Form noise: the ways real models wrap or break the JSON they were asked for.

Each transformation takes the well-formed JSON reply and returns what a
sloppy model might send instead; the client must recover the first four and
report the last two as unparseable / schema-invalid.
"""

from __future__ import annotations

import json
from typing import TypeVar

from pydantic import BaseModel

OFF_IMAGE_SHIFT = 5000.0  # pixels (or 0–1000 units) far beyond any image we send


def with_think(text: str) -> str:
    """A reasoning block first; it holds a brace pair a naive extractor would grab."""
    return (
        "<think>\nThe frames show the gripper working. I will answer with one JSON "
        "object {like this} and nothing else.\n</think>\n" + text
    )


def with_fence(text: str) -> str:
    return f"```json\n{text}\n```"


def with_prose(text: str) -> str:
    return f"Here is what I see in the frames:\n{text}\nI hope this helps."


def invalid_json(text: str) -> str:
    """Python-style quoting and a trailing comma: balanced braces, but not JSON."""
    return text.replace('"', "'")[:-1] + ",}"


def schema_invalid(text: str) -> str:
    """Valid JSON whose first key is misspelt: a required field missing, an extra one present."""
    payload = json.loads(text)
    first = next(iter(payload))
    renamed = {(f"{key}_" if key == first else key): value for key, value in payload.items()}
    return json.dumps(renamed, separators=(",", ":"))


M = TypeVar("M", bound=BaseModel)


def off_image(answer: M) -> M:
    """An answer whose boxes and points (a VQA answer's, or a reasoning's gripper point and
    object boxes) are moved far outside the picture (an answer about another image, or in a
    coordinate convention the client did not expect)."""
    data = answer.model_dump()
    for shape in (data.get("answer"), data.get("gripper"), data.get("objects")):
        if not isinstance(shape, dict):
            continue
        for detection in shape.get("detections") or ():
            detection["bbox"] = [v + OFF_IMAGE_SHIFT for v in detection["bbox"]]
        if "point" in shape:
            shape["point"] = [v + OFF_IMAGE_SHIFT for v in shape["point"]]
    return type(answer).model_validate(data)
