"""steerlang: language annotations for LeRobot v3.0 robot datasets."""

from steerlang.errors import SteerlangError

__version__ = "0.1.0"

__all__ = ["SteerlangError", "__version__"]
