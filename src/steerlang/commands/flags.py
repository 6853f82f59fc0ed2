"""One command-line convention for every `steerlang` subcommand (LeRobot's, draccus style).

- `--name=value` or `--name value`; nested settings as `--group.name=value`; names
  are snake_case (a kebab-case spelling such as `--camera-prefix` is taken too);
- a boolean flag alone means true (`--dry_run`), `--dry_run=false` turns it off,
  and so does `--no_dry_run`;
- episodes are chosen the same way everywhere: `--episodes=0-4,9` or `--episodes=[3,7]`;
- `--config_path=FILE` reads settings from a YAML (or JSON) file first; flags win;
- `-h`/`--help` lists the flags, `-V`/`--version` prints the version;
- a wrong flag or value is one line that names the flag (exit status 2), no usage dump.

Adopting it is a few lines. Declare the flags as a dataclass — the comment beside
or above a field is its help, a field without a default is required — and parse:

    @dataclass
    class WriteFlags:
        root: Path  # the LeRobot v3.0 dataset folder
        episodes: EpisodeSelection | None = None  # only these episodes (default: all)
        skip_validation: bool = False

    COMMAND = Command(WriteFlags, "write", "Write staged annotations into the dataset.",
                      aliases={"only_episodes": "episodes"})

    def main(argv: list[str]) -> int:
        flags = COMMAND.parse(argv)

List the module in `cli.COMMANDS`; `steerlang completion` reads its `COMMAND`, so
the shell completes the new flags too. A command with verbs (`steerlang recipe
export`) is a `Group` of Commands. Values are decoded by draccus, so a field may
be any type draccus reads (numbers, lists, mappings, nested dataclasses).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Generic, NoReturn, TypeVar

import draccus
import yaml
from draccus import cfgparsing
from draccus.utils import DraccusException, deflatten

from steerlang.commands.flag_fields import (
    BOOL,
    CHOICE,
    EPISODES,
    LIST,
    TEXT,
    Flag,
    describe_type,
    flags_of,
)
from steerlang.commands.flag_help import command_help, group_help
from steerlang.dataset.episode_selection import EpisodeSelection, parse_episode_selection
from steerlang.errors import SteerlangError

T = TypeVar("T")
CONFIG_PATH = "config_path"
TRUE, FALSE = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}


class UsageError(SteerlangError):
    """A flag the command does not know, or a value it cannot read."""

    exit_status = 2  # as argparse and draccus exit on a usage error


draccus.decode.register(EpisodeSelection, lambda raw, path: parse_episode_selection(raw))


class Command(Generic[T]):
    """A command's flags: the dataclass `config`, plus old spellings in `aliases`
    (old dotted name or group → new one, e.g. `{"module_1": "plan"}`) and an optional
    `rewrite` of the raw `{name: text}` flags before they are read (for values an
    older spelling wrote differently)."""

    def __init__(
        self,
        config: type[T],
        name: str,
        summary: str,
        aliases: Mapping[str, str] | None = None,
        rewrite: Callable[[dict[str, str]], dict[str, str]] | None = None,
    ) -> None:
        self.config = config
        self.name = name
        self.summary = summary
        self.aliases = dict(aliases or {})
        self.rewrite = rewrite

    @property
    def prog(self) -> str:
        return f"steerlang {self.name}"

    @property
    def flags(self) -> dict[str, Flag]:
        return self._flags_and_groups()[0]

    @property
    def groups(self) -> frozenset[str]:
        return self._flags_and_groups()[1]

    def _flags_and_groups(self) -> tuple[dict[str, Flag], frozenset[str]]:
        config: type = self.config  # mypy does not see type[T] as Hashable, as cache needs
        return flags_of(config)

    def canonical(self, name: str) -> str:
        """The flag an accepted spelling stands for: kebab-case and aliases resolved."""
        name = name.replace("-", "_")
        if name in self.aliases:
            return self.aliases[name]
        head, dot, rest = name.partition(".")
        if dot and head in self.aliases:
            return f"{self.aliases[head]}.{rest}"
        return name

    def parse(self, argv: list[str]) -> T:
        """The config from `argv` (SystemExit(0) after `--help` or `--version`)."""
        given = self._scan(list(argv))
        file_values = self._file_values(given.pop(CONFIG_PATH, None))
        if self.rewrite is not None:
            given = self.rewrite(given)
        values = {**file_values, **{name: self._value(name, text) for name, text in given.items()}}
        missing = [
            f"--{f.name}" for f in self.flags.values() if f.required and f.name not in values
        ]
        if missing:
            self._fail(f"{', '.join(missing)} is required")
        return self._decode(values, given)

    def help(self) -> str:
        return command_help(self)

    # -- reading argv -------------------------------------------------------------
    def _scan(self, argv: list[str]) -> dict[str, str]:
        """`{flag name: text}` from the tokens, aliases resolved; the last one given wins."""
        given: dict[str, str] = {}
        while argv:
            token = argv.pop(0)
            if token in {"-h", "--help"}:
                print(self.help())
                raise SystemExit(0)
            if token in {"-V", "--version"}:
                print_version()
            if not token.startswith("--") or token == "--":
                self._fail(f"unexpected argument {token!r}; flags are written --name=value")
            spelled, equals, text = token[2:].partition("=")
            name = self.canonical(spelled)
            if name == CONFIG_PATH or name in self.flags:
                given[name] = text if equals else self._next_value(name, spelled, argv)
            elif name.startswith("no_") and self._is_bool(name[3:]) and not equals:
                given[name[3:]] = "false"
            elif name in self.groups:
                self._fail(f"--{spelled} is a group of settings; set one, e.g. --{spelled}.enabled")
            else:
                self._fail(f"unknown flag --{spelled}{self._suggestion(name)}")
        return given

    def _next_value(self, name: str, spelled: str, argv: list[str]) -> str:
        """`--name value`; a boolean flag alone (or before another flag) means true."""
        following = argv[0] if argv else None
        if self._is_bool(name):
            if following is not None and following.lower() in TRUE | FALSE:
                return argv.pop(0)
            return "true"
        if following is None or following.startswith("--"):
            self._fail(f"--{spelled} needs a value, e.g. --{spelled}=VALUE")
        return argv.pop(0)

    def _is_bool(self, name: str) -> bool:
        flag = self.flags.get(name)
        return flag is not None and flag.kind == BOOL

    def _suggestion(self, name: str) -> str:
        known = [*self.flags, *self.aliases, CONFIG_PATH]
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        return f"; did you mean --{close[0]}?" if close else f" (see `{self.prog} --help`)"

    # -- values ---------------------------------------------------------------------
    def _value(self, name: str, text: str) -> Any:
        """The text of one flag as the Python value draccus decodes."""
        if name == CONFIG_PATH:
            return text
        flag = self.flags[name]
        kind = flag.kind
        if flag.optional and text.strip().lower() in {"null", "none"}:
            return None
        if kind == BOOL:
            if text.strip().lower() not in TRUE | FALSE:
                self._fail(f"--{name} takes true or false (got {text!r})")
            return text.strip().lower() in TRUE
        if kind == CHOICE:
            if text not in flag.choices:
                self._fail(f"--{name} must be {describe_type(flag)} (got {text!r})")
            return text
        if kind == TEXT:
            return text
        if kind == EPISODES:
            try:
                return parse_episode_selection(text)
            except SteerlangError as exc:
                self._fail(f"--{name}: {exc}")
        parsed = cfgparsing.parse_string(text) if text.strip() else text
        if kind == LIST and isinstance(parsed, str):
            return [part.strip() for part in parsed.split(",") if part.strip()]
        return parsed

    def _file_values(self, path: str | None) -> dict[str, Any]:
        """The settings of a `--config_path` file by flag name (aliases resolved)."""
        if path is None:
            return {}
        data = read_config_file(Path(path))
        found: dict[str, Any] = {}

        def walk(mapping: Mapping[str, Any], prefix: str) -> None:
            for key, value in mapping.items():
                name = self.canonical(prefix + str(key))
                if name in self.groups and isinstance(value, Mapping):
                    walk(value, name + ".")
                elif name in self.flags:
                    found[name] = self._file_value(self.flags[name], value)
                else:
                    self._fail(f"--config_path {path}: unknown setting {prefix + str(key)!r}")

        walk(data, "")
        return found

    def _file_value(self, flag: Flag, value: Any) -> Any:
        if flag.kind == EPISODES and value is not None:
            return parse_episode_selection(value)
        if flag.kind == CHOICE and value is not None and value not in flag.choices:
            self._fail(f"{flag.name} must be {describe_type(flag)} (got {value!r})")
        return value

    def _decode(self, values: dict[str, Any], given: dict[str, str]) -> T:
        try:
            decoded: T = draccus.decode(self.config, deflatten(values))
            return decoded
        except DraccusException as exc:
            cause = _steerlang_cause(exc)
            if cause is not None:
                raise cause from None
            path = ".".join(getattr(exc, "key_path", ()) or ())
            if path in self.flags:
                shown = given.get(path, values.get(path))
                self._fail(f"--{path} must be {describe_type(self.flags[path])} (got {shown!r})")
            self._fail(" ".join(str(exc).split()))

    def _fail(self, message: str) -> NoReturn:
        raise UsageError(message)


class Group:
    """A command whose first word picks a verb: `steerlang recipe export --recipe=...`."""

    def __init__(self, name: str, summary: str, verbs: Mapping[str, Command[Any]]) -> None:
        self.name = name
        self.summary = summary
        self.verbs = dict(verbs)

    def parse(self, argv: list[str]) -> tuple[str, Any]:
        """(the verb, its parsed config)."""
        verb = argv[0] if argv else None
        if verb in {None, "-h", "--help"}:
            print(group_help(self))
            raise SystemExit(0)
        if verb in {"-V", "--version"}:
            print_version()
        if verb not in self.verbs:
            raise UsageError(
                f"unknown verb {verb!r}; `steerlang {self.name}` takes one of {sorted(self.verbs)}"
            )
        return verb, self.verbs[verb].parse(argv[1:])


def print_version() -> NoReturn:
    from steerlang import __version__

    print(f"steerlang {__version__}")
    raise SystemExit(0)


def read_config_file(path: Path) -> Mapping[str, Any]:
    """A readable UTF-8 mapping of settings, or one line saying what it is instead."""
    what = f"--config_path {path}"
    try:
        data = yaml.safe_load(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise SteerlangError(f"{what}: cannot read it ({exc.strerror}); check the path") from None
    except UnicodeDecodeError:
        raise SteerlangError(f"{what} is not UTF-8 text; save it as UTF-8 YAML") from None
    except yaml.YAMLError as exc:
        detail = " ".join(str(exc).split())
        raise SteerlangError(f"{what} is not valid YAML ({detail})") from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise SteerlangError(
            f"{what} holds a {type(data).__name__}, not a mapping of settings "
            "(e.g. `vlm: {model_id: ...}`)"
        )
    return data


def _steerlang_cause(exc: BaseException) -> SteerlangError | None:
    """A SteerlangError a config's own checks raised, which draccus wrapped."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, SteerlangError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
