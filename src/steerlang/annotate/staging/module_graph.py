"""Which annotation modules exist and whose output each one is computed from.

Data, not code: a new module is one more entry. An edge `interjections → plan`
means the interjections (with their plan refreshes) were derived from the plan
module's subtasks, so a changed plan output makes them stale. The order of the
mapping is the order modules' rows are concatenated in (observable through
ties in the persistent sort).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

MODULE_UPSTREAM: dict[str, tuple[str, ...]] = {
    "plan": (),
    "interjections": ("plan",),
    "vqa": (),
    "reasoning": ("plan",),
}


def check_graph(upstream: Mapping[str, Sequence[str]]) -> None:
    """Raise ValueError on an unknown upstream name or a cycle."""
    for module, parents in upstream.items():
        for parent in parents:
            if parent not in upstream:
                raise ValueError(f"module {module!r} depends on unknown module {parent!r}")
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        if module in path:
            raise ValueError(f"module dependency cycle: {' → '.join((*path, module))}")
        if module in done:
            return
        for parent in upstream[module]:
            visit(parent, (*path, module))
        done.add(module)

    for module in upstream:
        visit(module, ())
