"""Shared fixtures: synthetic datasets built once per test session and copied on demand."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from steerlang.dataset.synth import CameraSpec, SynthConfig, synthesize

SMALL_CAMERAS = (CameraSpec("top", 160, 120), CameraSpec("wrist", 96, 72))
TORCH_MISSING = (
    "needs torch and transformers, which the README's test command does not install (a "
    "plain `pip install torch` pulls a CUDA build on most machines): run `pip install torch "
    "--index-url https://download.pytorch.org/whl/cpu && pip install -e '.[serve]'` first"
)


def require_torch() -> None:
    """Skip a test that runs a real model (torch + transformers), saying how to enable it."""
    pytest.importorskip("torch", reason=TORCH_MISSING)
    pytest.importorskip("transformers", reason=TORCH_MISSING)


pytest_plugins = [
    "tests.view_browser",  # the viewer's fixtures: annotated datasets, Chromium
    "tests.slurm_cluster",  # a real single-node SLURM cluster (scripts/local_slurm.sh)
]


@pytest.fixture(scope="session")
def synth_cache(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """`synth_cache(**config)` → a dataset built once per distinct config (treat as read-only)."""
    built: dict[tuple, Path] = {}

    def build(**overrides) -> Path:
        key = tuple(sorted((k, repr(v)) for k, v in overrides.items()))
        if key not in built:
            out = tmp_path_factory.mktemp("synth") / "dataset"
            settings = {"episodes": 3, "seconds": (2.0, 3.0), "cameras": SMALL_CAMERAS}
            synthesize(SynthConfig(out=out, **{**settings, **overrides}))
            built[key] = out
        return built[key]

    return build


@pytest.fixture
def synth_copy(synth_cache, tmp_path: Path) -> Callable[..., Path]:
    """`synth_copy(**config)` → a private, writable copy of a cached synthetic dataset."""

    def copy(**overrides) -> Path:
        target = tmp_path / "dataset"
        shutil.copytree(synth_cache(**overrides), target)
        return target

    return copy
