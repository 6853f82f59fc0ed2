"""Auto-serve: start model servers when `--vlm.api_base` does not answer.

Each replica runs the command `server_command` builds (vllm serve, transformers
serve or the user's own), without a shell. Replica i listens on port+i with its
own GPU(s) (`CUDA_VISIBLE_DEVICES`). A replica is ready when `/v1/models` answers HTTP;
its log saying the HTTP server started makes us look at once. Output is
streamed line by line as `[server-i] ...`. Servers are stopped when the client
closes, at exit, on Ctrl-C and on SIGTERM: SIGINT first, SIGKILL after a grace
period, to the whole process group (vLLM spawns workers).
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, TextIO

from steerlang.annotate.vlm.redaction import argv_secrets, redacted_argv, scrub, secret_values
from steerlang.annotate.vlm.server_command import (
    HOST,
    ServeOptions,
    replica_devices,
    server_argv,
    unapplied_settings,
)
from steerlang.errors import SteerlangError

READY_MARKERS = ("Application startup complete", "Uvicorn running on")
LOG_TAIL_LINES = 40
POLL_INTERVAL_S = 0.5
STOP_GRACE_S = 15.0


def answers_http(url: str, timeout_s: float = 2.0) -> bool:
    """True when something answers HTTP at `url` (any status: the server is up)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass(eq=False)
class ServerProcess:
    index: int
    port: int
    argv: list[str]
    process: subprocess.Popen[str]
    tail: collections.deque[str] = field(
        default_factory=lambda: collections.deque(maxlen=LOG_TAIL_LINES)
    )
    reader: threading.Thread | None = None

    @property
    def api_base(self) -> str:
        return f"http://{HOST}:{self.port}/v1"


class ServerFleet:
    """Model server processes started for this run, and their clean shutdown."""

    def __init__(self, log_stream: TextIO | None = None, grace_s: float = STOP_GRACE_S) -> None:
        self.servers: list[ServerProcess] = []
        self.grace_s = grace_s
        self._log_stream = log_stream
        self._log_lock = threading.Lock()
        self._stopped = False
        self._started_cue = threading.Event()  # set when a log line says a server is up
        self._previous_sigterm: Any = None
        self._secrets: list[str] = secret_values()  # cut out of every line logged

    @property
    def api_bases(self) -> list[str]:
        return [s.api_base for s in self.servers]

    def pids(self) -> list[int]:
        """The servers' process ids (each leads its own process group)."""
        return [s.process.pid for s in self.servers]

    def start(
        self,
        argvs: Sequence[list[str]],
        ports: Sequence[int],
        devices: Sequence[str | None],
        timeout_s: float,
    ) -> None:
        """Start every replica and wait until all answer; fail fast if one exits."""
        self._install_handlers()
        for index, (argv, port, device) in enumerate(zip(argvs, ports, devices, strict=True)):
            self.servers.append(self._spawn(index, argv, port, device))
        try:
            self._wait_ready(timeout_s)
        except BaseException:
            self.stop()
            raise

    def _spawn(self, index: int, argv: list[str], port: int, device: str | None) -> ServerProcess:
        env = dict(os.environ)
        if device is not None:
            env["CUDA_VISIBLE_DEVICES"] = device
        self._secrets = secret_values([*self._secrets, *argv_secrets(argv)])
        self._log(index, f"starting: {self._shown(argv)}")
        try:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                bufsize=1,
                env=env,
                start_new_session=True,  # our own process group: signalled as a whole, not by the tty
            )
        except OSError as exc:
            raise SteerlangError(f"cannot start VLM server `{self._shown(argv)}`: {exc}") from exc
        server = ServerProcess(index, port, argv, process)
        server.reader = threading.Thread(target=self._pump, args=(server,), daemon=True)
        server.reader.start()
        return server

    def _pump(self, server: ServerProcess) -> None:
        assert server.process.stdout is not None
        for line in server.process.stdout:
            line = scrub(line.rstrip("\n"), self._secrets)
            server.tail.append(line)
            if any(marker in line for marker in READY_MARKERS):
                self._started_cue.set()
            self._log(server.index, line)

    def _log(self, index: int, line: str) -> None:
        stream = self._log_stream or sys.stderr
        with self._log_lock:
            print(f"[server-{index}] {scrub(line, self._secrets)}", file=stream, flush=True)

    def _shown(self, argv: list[str]) -> str:
        """A command line as it may be shown: secret flag values replaced."""
        return shlex.join(redacted_argv(argv, self._secrets))

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        waiting = list(self.servers)
        while waiting:
            for server in list(waiting):
                code = server.process.poll()
                if code is not None:
                    if server.reader is not None:
                        server.reader.join(timeout=5)
                    tail = "\n".join(server.tail)
                    raise SteerlangError(
                        f"VLM server {server.index} (`{self._shown(server.argv)}`) exited with code "
                        f"{code} while starting. Last lines of its output:\n{tail}"
                    )
                if answers_http(f"{server.api_base}/models"):
                    self._log(server.index, f"ready at {server.api_base}")
                    waiting.remove(server)
            if not waiting:
                return
            if time.monotonic() > deadline:
                names = ", ".join(s.api_base for s in waiting)
                raise SteerlangError(
                    f"VLM servers at {names} did not answer within {timeout_s:.0f} s; "
                    "raise --vlm.serve_ready_timeout_s if the model is still loading"
                )
            # A startup line in a log is the cue to look again at once.
            if self._started_cue.wait(POLL_INTERVAL_S):
                self._started_cue.clear()

    def stop(self) -> None:
        """SIGINT every server's process group, SIGKILL what is left after the grace period."""
        if self._stopped:
            return
        self._stopped = True
        self._restore_handlers()
        running = [s for s in self.servers if s.process.poll() is None]
        for server in running:
            _signal_group(server.process, signal.SIGINT)
        deadline = time.monotonic() + self.grace_s
        for server in running:
            try:
                server.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(server.process, signal.SIGKILL)
                server.process.wait()
        for server in self.servers:
            _signal_group(server.process, signal.SIGKILL)  # strays its leader left behind
            if server.reader is not None:
                server.reader.join(timeout=5)
            if server.process.stdout is not None:
                server.process.stdout.close()

    def _install_handlers(self) -> None:
        atexit.register(self.stop)
        if threading.current_thread() is threading.main_thread():
            self._previous_sigterm = signal.signal(signal.SIGTERM, self._on_sigterm)

    def _restore_handlers(self) -> None:
        atexit.unregister(self.stop)
        if (
            self._previous_sigterm is not None
            and threading.current_thread() is threading.main_thread()
        ):
            signal.signal(signal.SIGTERM, self._previous_sigterm)
            self._previous_sigterm = None

    def _on_sigterm(self, signum: int, frame: FrameType | None) -> None:
        previous = self._previous_sigterm
        if self._stopped:
            # stopped off the main thread, which may not restore a handler: do it now and
            # let the signal do what it would have done without us
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
            self._previous_sigterm = None
            os.kill(os.getpid(), signum)
            return
        self.stop()
        if callable(previous):
            previous(signum, frame)
        raise SystemExit(128 + signum)


def _signal_group(process: subprocess.Popen[str], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def auto_serve(
    model_id: str,
    count: int,
    first_port: int,
    serve_command: str | None,
    timeout_s: float,
    log_stream: TextIO | None = None,
    options: ServeOptions | None = None,
) -> ServerFleet:
    """Start `count` replicas of `model_id` and return them ready (port 0: free ports)."""
    options = options or ServeOptions()
    ports = (
        [free_port() for _ in range(count)]
        if first_port == 0
        else [first_port + i for i in range(count)]
    )
    argvs = [server_argv(model_id, port, serve_command, options) for port in ports]
    devices = replica_devices(
        count,
        os.environ.get("CUDA_VISIBLE_DEVICES"),
        options.num_gpus,
        options.tensor_parallel_size,
    )
    note = unapplied_settings(argvs[0], serve_command, options)
    if note:
        print(note, file=log_stream or sys.stderr, flush=True)
    fleet = ServerFleet(log_stream=log_stream)
    fleet.start(argvs, ports, devices, timeout_s)
    return fleet
