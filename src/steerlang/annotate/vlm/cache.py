"""Content-addressed response cache in SQLite, kept inside the staging dir.

A rerun (after a crash, a Ctrl-C or a prompt tweak elsewhere) asks the model
only what it has not answered yet. The key covers everything that shapes an
answer: model id, purpose, messages (image and video bytes by hash), context, answer
schema and sampling params (seed included). Only validated answers are kept:
failures are worth asking again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from steerlang.annotate.vlm.types import ImagePart, Message, VideoPart, VlmRequest

logger = logging.getLogger(__name__)

CACHE_FILENAME = "vlm_cache.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    answer_json TEXT NOT NULL,
    raw_text TEXT
)
"""


def request_key(model_id: str, request: VlmRequest) -> str:
    """A stable digest of everything that determines the answer to `request`."""
    payload = {
        "model_id": model_id,
        "purpose": request.purpose,
        "messages": [_message_payload(m) for m in request.messages],
        "context": request.context,
        "answer_schema": request.answer_model.model_json_schema(),
        "sampling": dataclasses.asdict(request.sampling),
    }
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _message_payload(message: Message) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    for part in message.parts:
        if isinstance(part, ImagePart):
            parts.append(
                {
                    "image_sha256": hashlib.sha256(part.jpeg).hexdigest(),
                    "size": [part.width, part.height],
                    "camera": part.camera,
                    "source_size": [part.source_width, part.source_height],
                }
            )
        elif isinstance(part, VideoPart):
            media = hashlib.sha256()
            for chunk in part.frames or (part.mp4 or b"",):
                media.update(hashlib.sha256(chunk).digest())
            parts.append(
                {
                    "video_sha256": media.hexdigest(),
                    "media_type": part.media_type,
                    "fps": part.fps,
                    "camera": part.camera,
                }
            )
        else:
            parts.append({"text": part.text})
    return {"role": message.role, "parts": parts}


@dataclasses.dataclass(frozen=True)
class CachedAnswer:
    answer: BaseModel
    raw_text: str | None


class ResponseCache:
    """Validated answers by request key, in `<staging_dir>/vlm_cache.sqlite`.

    The cache only saves model calls, so a damaged file (a crash of the disk, a copy cut
    short) is no reason to stop a run: it is reported once, deleted and started afresh,
    and the answers it held are asked again.
    """

    def __init__(self, staging_dir: Path) -> None:
        staging_dir.mkdir(parents=True, exist_ok=True)
        self.path = staging_dir / CACHE_FILENAME
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            if not _is_damage(exc):
                raise
            self._db = self._rebuilt(exc)

    def _open(self) -> sqlite3.Connection:
        # Several ranks may share one staging dir: wait on their locks rather than fail.
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(SCHEMA)
            db.execute("SELECT COUNT(*) FROM responses").fetchone()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _rebuilt(self, exc: sqlite3.DatabaseError) -> sqlite3.Connection:
        logger.warning(
            "%s is damaged (%s); starting an empty response cache — answers it held are asked "
            "again",
            self.path,
            exc,
        )
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        return self._open()

    def _execute(self, sql: str, params: tuple[Any, ...]) -> sqlite3.Cursor:
        """Run a statement; damage met mid-run rebuilds the cache and runs it again."""
        try:
            return self._db.execute(sql, params)
        except sqlite3.DatabaseError as exc:
            if not _is_damage(exc):
                raise
            self._db.close()
            self._db = self._rebuilt(exc)
            return self._db.execute(sql, params)

    def get(self, key: str, answer_model: type[BaseModel]) -> CachedAnswer | None:
        row = self._execute(
            "SELECT answer_json, raw_text FROM responses WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        try:
            return CachedAnswer(answer_model.model_validate_json(row[0]), row[1])
        except ValidationError:
            return None  # the schema's validators changed under the same JSON schema

    def put(self, key: str, purpose: str, answer: BaseModel, raw_text: str | None) -> None:
        self._execute(
            "INSERT OR REPLACE INTO responses (key, purpose, answer_json, raw_text) "
            "VALUES (?, ?, ?, ?)",
            (key, purpose, answer.model_dump_json(), raw_text),
        )

    def __len__(self) -> int:
        return int(self._execute("SELECT COUNT(*) FROM responses", ()).fetchone()[0])

    def close(self) -> None:
        self._db.close()


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    """A damaged file ("file is not a database", "database disk image is malformed") is a
    plain DatabaseError; a busy or unwritable one (OperationalError) is not rebuilt over."""
    return type(exc) is sqlite3.DatabaseError
