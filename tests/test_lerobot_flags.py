"""A `lerobot-annotate` command line runs unchanged: every flag of LeRobot 0.6.1 and of its
earlier docs lands on the steerlang setting of the same meaning or is explained in one
line, the documented command lines parse, and the defaults are LeRobot's except where the
README's table says why not."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import pytest

from steerlang.annotate.config.run_config import AnnotateConfig
from steerlang.commands.annotate import COMMAND, parse_config
from steerlang.commands.flag_fields import flags_of
from steerlang.errors import SteerlangError
from tests.lerobot_annotate_flags import (
    DOCUMENTED_COMMAND_LINES,
    LEROBOT_061_DEFAULTS,
    LEROBOT_061_SAMPLES,
    OLDER_SAMPLES,
    VIDEO_INPUT_SAMPLES,
)

ROOT = "--root=/data/ds"


def shown(value: object) -> object:
    return str(value) if isinstance(value, Path) else value


@pytest.mark.parametrize(("flag", "field", "value"), LEROBOT_061_SAMPLES + OLDER_SAMPLES)
def test_every_flag_lands_on_its_setting_or_is_explained(flag, field, value, capsys):
    config = parse_config([ROOT, flag])
    notes = capsys.readouterr().err
    if field is None:
        (line,) = notes.splitlines()
        assert line.startswith("steerlang annotate: note: ")
    else:
        assert shown(config.setting(field)) == value
        assert notes == ""
    config.check()


def test_every_lerobot_061_flag_is_a_steerlang_flag():
    ours, _ = flags_of(AnnotateConfig)
    assert set(LEROBOT_061_DEFAULTS) <= set(ours)
    sampled = {flag.split("=")[0].removeprefix("--") for flag, _, _ in LEROBOT_061_SAMPLES}
    assert sampled == set(LEROBOT_061_DEFAULTS) - {"root"}  # --root: in every sample


@pytest.mark.parametrize(("flag", "visual_input"), VIDEO_INPUT_SAMPLES)
def test_older_video_flags_select_the_video_input(flag, visual_input):
    config = parse_config([ROOT, flag])
    assert config.plan.visual_input == visual_input
    config.check()
    chosen = parse_config([ROOT, flag, "--plan.visual_input=video_frames"])
    assert chosen.plan.visual_input == "video_frames"  # an explicit choice stands


def argv_of(command_line: str) -> list[str]:
    """The words a real shell passes for a documented command line (continuations,
    quotes and all)."""
    program = f"steerlang() {{ printf '%s\\0' \"$@\"; }}\n{command_line}"
    done = subprocess.run(["bash", "-c", program], capture_output=True, check=True)
    return done.stdout.decode().split("\0")[:-1]


@pytest.mark.parametrize("command_line", DOCUMENTED_COMMAND_LINES)
def test_documented_command_lines_parse(command_line, capsys):
    words = argv_of(command_line)
    assert words[0] == "annotate"
    config = parse_config(words[1:])
    config.check()
    notes = capsys.readouterr().err.splitlines()
    assert bool(notes) == ("--job.target=h200" in words)
    if "--vlm.num_gpus=1" in words:  # the released page's command
        assert config.vlm.num_gpus == 1 and config.vlm.serve_ready_timeout_s == 1800
        assert config.vlm.chat_template_kwargs == {"enable_thinking": False}
        assert shlex.split(config.vlm.serve_command)[-2:] == ["--port", "{port}"]
        assert config.push_to_hub and config.new_repo_id == "user/my_dataset_annotated"
        assert "--job.* submits LeRobot's run to Hugging Face Jobs" in notes[0]


def test_our_earlier_names_are_aliases():
    config = parse_config(
        [
            ROOT,
            "--vlm.serve_timeout_s=5",
            "--plan.contact_sheet_tile_width=100",
            "--plan.contact_sheet_jpeg_quality=70",
            "--plan.derive_task_from_video=false",
        ]
    )
    assert config.vlm.serve_ready_timeout_s == 5
    assert (config.plan.contact_sheet_frame_width, config.plan.contact_sheet_quality) == (100, 70)
    assert config.plan.derive_task_from_video == "off"
    assert parse_config(
        [ROOT, "--plan.derive_task_from_video=true"]
    ).plan.derive_task_from_video == ("always")


def test_executor_kind_auto_follows_lerobot(monkeypatch):
    """kind=auto: inline up to auto_threshold episodes or without a partition, Slurm above
    it with one (LeRobot's rule), force_local winning; the cluster kinds are refused in one
    line, before anything is submitted, when what they need is missing."""
    executor = parse_config([ROOT]).executor
    assert executor.kind == "auto" and executor.resolved_kind(1000) == "inline"
    assert executor.problem(1000) is None
    cluster = parse_config([ROOT, "--executor.slurm_partition=gpu"]).executor
    assert (cluster.resolved_kind(32), cluster.resolved_kind(33)) == ("inline", "slurm")
    forced = parse_config([ROOT, "--executor.slurm_partition=gpu", "--executor.force_local"])
    assert forced.executor.resolved_kind(1000) == "inline"
    monkeypatch.setattr("shutil.which", lambda name: None)
    assert "sbatch, squeue, scancel, sinfo not found on PATH" in cluster.problem(33)
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    for kind in ("local", "slurm", "ray"):
        refused = parse_config([ROOT, f"--executor.kind={kind}"]).executor.problem(5)
        assert refused is not None and refused.endswith("pip install 'steerlang[distributed]'")
    with pytest.raises(SteerlangError, match=r"--executor\.kind must be one of"):
        AnnotateConfig(root=Path("x"), executor=type(executor)(kind="cloud")).check()


def test_lerobot_slurm_spellings_are_aliases():
    config = parse_config(
        [
            ROOT,
            "--executor.slurm_partition=gpu",
            "--executor.slurm_gpus=2",
            "--executor.slurm_time=1:00:00",
        ]
    )
    assert (config.executor.partition, config.executor.gpus_per_task) == ("gpu", 2)
    assert config.executor.time == "1:00:00"


def test_help_names_every_alias():
    text = COMMAND.help()
    for old in ("module_1", "vlm.serve_timeout_s", "vlm.json_mode", "episodes"):
        assert f"--{old} = " in text


def test_run_record_config_is_json(tmp_path):
    """The config reaches the run record through asdict/json: the selection type too."""
    from dataclasses import asdict

    config = parse_config([ROOT, "--only_episodes=0-2"])
    assert json.loads(json.dumps(asdict(config), default=str))["only_episodes"] == [0, 1, 2]
