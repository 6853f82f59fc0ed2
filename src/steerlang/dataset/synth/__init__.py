"""`steerlang synth`: real LeRobot v3.0 datasets of a scripted gripper, with ground truth."""

from steerlang.dataset.synth.build import SynthConfig, plan_episodes, synthesize
from steerlang.dataset.synth.draw import CameraSpec, render

__all__ = ["CameraSpec", "SynthConfig", "plan_episodes", "render", "synthesize"]
