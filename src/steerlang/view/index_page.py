"""The site's `index.html`: the dataset at a glance and a link to every episode page.

Plain server-side HTML (no script needed to read it, so it opens fast even for
thousands of episodes); `index.js` only refreshes the review column when served.
"""

from __future__ import annotations

from html import escape
from typing import Any

from steerlang.view.cameras import CameraPlayback
from steerlang.view.page_data import EPISODES_DIR, episode_page_name

MAX_FINDINGS_SHOWN = 200


def index_html(
    title: str,
    dataset: dict[str, Any],
    playback: list[CameraPlayback],
    coverage: dict[str, Any],
    runs: list[dict[str, Any]],
    findings: dict[str, list[dict[str, Any]]],
    episodes: list[dict[str, Any]],
) -> str:
    body = "\n".join(
        [
            f"<h1>{escape(title)}</h1>",
            _dataset_section(dataset, playback),
            _coverage_section(coverage),
            _runs_section(runs),
            _findings_section(findings),
            _episodes_section(episodes),
        ]
    )
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title>"
        "<link rel='stylesheet' href='assets/viewer.css'></head>\n"
        f"<body class='index'>\n{body}\n<script src='assets/index.js'></script>\n</body></html>\n"
    )


def _table(headers: list[str], rows: list[list[str]], attrs: str = "") -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table {attrs}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _dataset_section(dataset: dict[str, Any], playback: list[CameraPlayback]) -> str:
    facts = (
        f"<p><code>{escape(dataset['root'])}</code>: {dataset['episodes']} episodes "
        f"({dataset['shown']} shown), {dataset['frames']} frames at {dataset['fps']:g} fps, "
        f"{dataset['tasks']} task(s)</p>"
    )
    cameras = [
        [
            f"<code>{escape(cam.key)}</code>",
            cam.kind,
            cam.storage,
            f"{cam.width}×{cam.height}",
            escape(cam.codec or "?"),
            "plays in the browser" if cam.playable else escape(cam.note or ""),
        ]
        for cam in playback
    ]
    table = (
        _table(["camera", "kind", "storage", "size", "codec", "shown as"], cameras)
        if cameras
        else "<p>No cameras.</p>"
    )
    return f"<section id='dataset'><h2>Dataset</h2>{facts}{table}</section>"


def _coverage_section(coverage: dict[str, Any]) -> str:
    n = coverage["episodes"]
    rows = [
        ["subtasks", f"{coverage['with_subtasks']} / {n} episodes", str(coverage["subtasks"])],
        ["task paraphrases", f"{coverage['with_paraphrases']} / {n} episodes", ""],
        ["plan changes", "", str(coverage["plans"])],
        ["memory changes", "", str(coverage["memories"])],
        [
            "interjections",
            f"{coverage['with_interjections']} / {n} episodes",
            str(coverage["interjections"]),
        ],
        ["VQA pairs", f"{coverage['with_vqa']} / {n} episodes", ""],
    ]
    if coverage["reasoning"]:  # an optional module: a row only when it ran
        reasoning = f"{coverage['with_reasoning']} / {n} episodes"
        rows.insert(4, ["reasoning traces", reasoning, str(coverage["reasoning"])])
    rows += [
        [f"VQA pairs, <code>{escape(camera)}</code>", "", str(count)]
        for camera, count in coverage["vqa_per_camera"].items()
    ]
    table = _table(["style", "episodes", "rows"], rows, "id='coverage'")
    return f"<section><h2>Coverage</h2>{table}</section>"


def _runs_section(runs: list[dict[str, Any]]) -> str:
    if not runs:
        return "<section><h2>Annotation runs</h2><p>No run records (meta/steerlang_runs.jsonl).</p></section>"
    rows = []
    for run in runs:
        model = escape(str(run["model_id"])) + (" (simulated)" if run["simulated"] else "")
        kinds = ", ".join(
            f"{escape(kind)} {stats['calls']}"
            + (f" ({stats['failed']} failed)" if stats["failed"] else "")
            for kind, stats in run["per_kind"].items()
        )
        prompts = "<br>".join(
            f"{escape(name)} <code>{escape(digest)}</code>"
            for name, digest in run["prompt_hashes"].items()
        )
        rows.append(
            [
                escape(str(run["started_at"])),
                model,
                escape(str(run["backend"])),
                f"{run['calls']} calls, {run['failed']} failed<br><small>{kinds}</small>",
                f"{run['annotated']} annotated; partial: {_list(run['partial'])}; "
                f"failed: {_list(run['failed_episodes'])}; missing items: {run['missing_items']}",
                f"<details><summary>{len(run['prompt_hashes'])} prompts</summary>{prompts}</details>",
            ]
        )
    table = _table(["started", "model", "backend", "calls", "episodes", "prompt hashes"], rows)
    return f"<section id='runs'><h2>Annotation runs</h2>{table}</section>"


def _list(values: list[Any]) -> str:
    return escape(", ".join(str(v) for v in values)) if values else "none"


def _findings_section(findings: dict[str, list[dict[str, Any]]]) -> str:
    parts = []
    for name, label in (("dataset", "written columns"), ("staging", "staging")):
        problems = findings[name]
        errors = sum(p["severity"] == "error" for p in problems)
        items = "".join(
            f"<li class='{p['severity']}'>{escape(p['severity'])}: {escape(p['where'])}: "
            f"{escape(p['message'])}</li>"
            for p in problems[:MAX_FINDINGS_SHOWN]
        )
        more = len(problems) - MAX_FINDINGS_SHOWN
        tail = f"<li>… and {more} more (`steerlang validate`)</li>" if more > 0 else ""
        verdict = (
            "no problems"
            if not problems
            else f"{errors} error(s), {len(problems) - errors} warning(s)"
        )
        parts.append(f"<h3>{label}: {verdict}</h3><ul class='findings'>{items}{tail}</ul>")
    return f"<section id='findings'><h2>Validation</h2>{''.join(parts)}</section>"


def _episodes_section(episodes: list[dict[str, Any]]) -> str:
    rows = []
    for row in episodes:
        link = f"{EPISODES_DIR}/{episode_page_name(row['episode'])}"
        accepted = row["accepted"]
        review = (
            ""
            if accepted is None
            else "accepted" + (" (changed since)" if accepted["changed_since"] else "")
        )
        rows.append(
            [
                f"<a href='{link}'>{row['episode']}</a>",
                escape(row["task"]),
                f"{row['seconds']:.2f}",
                str(row["subtasks"]),
                str(row["interjections"]),
                str(row["vqa"]),
                escape(row["source"] + (f" ({', '.join(row['states'])})" if row["states"] else "")),
                f"<span class='review-state' data-episode='{row['episode']}'>{review}</span>",
            ]
        )
    headers = [
        "episode",
        "task",
        "seconds",
        "subtasks",
        "interjections",
        "VQA pairs",
        "rows from",
        "review",
    ]
    table = _table(headers, rows, "id='episodes'")
    return f"<section><h2>Episodes</h2>{table}</section>"
