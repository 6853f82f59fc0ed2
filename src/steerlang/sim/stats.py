"""What the simulator was asked and what it injected, so tests can count calls."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SimStats:
    requests: int = 0
    by_purpose: Counter[str] = field(default_factory=Counter)
    injected: Counter[str] = field(default_factory=Counter)  # http_error, empty, think, ...
    rejected: Counter[str] = field(default_factory=Counter)  # requests refused before answering
    videos: Counter[str] = field(default_factory=Counter)  # video blocks by input; fps hints

    def snapshot(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "by_purpose": dict(sorted(self.by_purpose.items())),
            "injected": dict(sorted(self.injected.items())),
            "rejected": dict(sorted(self.rejected.items())),
            "videos": dict(sorted(self.videos.items())),
        }
