"""`steerlang sim-server` as a child process, for tests and benchmarks of the HTTP path.

A separate process (not a thread) so the client under test gets the whole
event loop and the server can be killed and restarted like a real replica.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

LISTENING = re.compile(r"sim-server listening on (http://127\.0\.0\.1:(\d+))")
START_TIMEOUT_S = 60.0


class SimServerProcess:
    """Start with `start()` (port 0: a free one), `stop()` to end; `start()` again on the same port."""

    def __init__(self, dataset: Path, **knobs: Any) -> None:
        self.dataset = dataset
        self.knobs = knobs
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._log_path: Path | None = None

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def argv(self, port: int) -> list[str]:
        argv = [
            sys.executable,
            "-m",
            "steerlang.commands.cli",
            "sim-server",
            "--dataset",
            str(self.dataset),
        ]
        argv += ["--port", str(port)]
        for name, value in self.knobs.items():
            flag = "--" + name.replace("_", "-")
            if value is True:
                argv.append(flag)
            elif value is not False:
                argv += [flag, str(value)]
        return argv

    def start(self) -> str:
        """Start the server and wait until it listens.

        Its output goes to a file, not a pipe, so no reader thread is left running
        here: a process without threads may fork its workers (see `processes`).
        """
        self._log_path = Path(tempfile.mkstemp(prefix="sim_server_", suffix=".log")[1])
        with self._log_path.open("ab") as log:  # append mode: the child writes at the end
            process = subprocess.Popen(self.argv(self.port), stdout=log, stderr=subprocess.STDOUT)
        self.process = process
        deadline = time.monotonic() + START_TIMEOUT_S
        while (match := LISTENING.search(self.output())) is None:
            if process.poll() is not None or time.monotonic() > deadline:
                output = self.output()
                self.stop()
                raise RuntimeError("sim-server did not start:\n" + output)
            time.sleep(0.02)
        self.port = int(match.group(2))
        return self.api_base

    def output(self) -> str:
        """What the server has printed so far."""
        if self._log_path is None:
            return ""
        return self._log_path.read_text(errors="replace")

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/sim/stats", timeout=10) as r:
            stats: dict[str, Any] = json.loads(r.read())
            return stats

    def stop(self) -> None:
        """Terminate the server at once (clients see its connections drop)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
        if self._log_path is not None:
            self._log_path.unlink(missing_ok=True)
            self._log_path = None

    def __enter__(self) -> SimServerProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
