"""LeRobot v3.0 datasets on disk: open, describe, check; synthetic datasets for tests."""

from steerlang.dataset.reader import LeRobotDataset, open_dataset
from steerlang.dataset.records import CameraInfo, EpisodeRecord, VideoSpan

__all__ = ["CameraInfo", "EpisodeRecord", "LeRobotDataset", "VideoSpan", "open_dataset"]
