"""`steerlang view --serve`: review edits made in the browser reach the staging and the dataset."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from steerlang.annotate.staging.store import StagingStore, State
from steerlang.commands import cli
from steerlang.dataset import open_dataset
from steerlang.language.dataset_lock import dataset_lock
from steerlang.schema import speech_text
from steerlang.view.acceptance import read_acceptance
from tests.annotate_harness import written_language
from tests.view_browser import VIDEOS_SETTLED, save_screenshot, wait_for

EPISODE = 1
REVIEW_READY = "return window.steerlangView && !document.getElementById('review-bar').hidden"


def open_review(browser, server, episode: int = EPISODE) -> None:
    browser.get(f"{server.url}episodes/episode_{episode:06d}.html")
    wait_for(browser, REVIEW_READY)
    wait_for(browser, VIDEOS_SETTLED)


def span_starts(browser) -> list[float]:
    return browser.execute_script(
        "return [...document.querySelectorAll('.lane.subtasks .span')].map(s => Number(s.dataset.start))"
    )


def subtasks(root, episode: int = EPISODE) -> list[tuple[float, str]]:
    rows = StagingStore(root).read(episode, "plan")
    return [(row["timestamp"], row["content"]) for row in rows if row["style"] == "subtask"]


def drag_boundary(browser, index: int, to: float) -> None:
    """Drag the left edge of subtask `index` to episode time `to` with the mouse."""
    from selenium.webdriver.common.action_chains import ActionChains

    handle = browser.find_element("css selector", f".span[data-index='{index}'] .handle")
    target_x, handle_x = browser.execute_script(
        "const track = document.querySelector('.lane.subtasks .track').getBoundingClientRect();"
        "const handle = arguments[0].getBoundingClientRect();"
        "const d = window.steerlangView.data.duration;"
        "return [track.left + track.width * arguments[1] / d, handle.left + handle.width / 2];",
        handle,
        to,
    )
    chain = ActionChains(browser).click_and_hold(handle)
    chain.move_by_offset(round((target_x - handle_x) / 2), 0)
    chain.move_by_offset(round(target_x - handle_x) - round((target_x - handle_x) / 2), 0)
    chain.release().perform()


def rename(browser, index: int, label: str) -> None:
    browser.find_elements("css selector", ".lane.subtasks .span")[index].click()
    field = browser.find_element("id", "label-input")
    field.clear()
    field.send_keys(label)
    browser.find_element("id", "save-label").click()
    wait_for(
        browser,
        "return document.querySelectorAll('.lane.subtasks .span')[arguments[0]].textContent === arguments[1]",
        10,
        index,
        label,
    )


def test_moving_a_boundary_and_renaming_reach_the_staging_and_then_the_dataset(
    browser, annotated_copy, view_server, tmp_path
):
    root = annotated_copy()
    frames = open_dataset(root).frame_timestamps(open_dataset(root).episode(EPISODE))
    before = subtasks(root)
    server = view_server(root, tmp_path / "site")
    open_review(browser, server)
    assert span_starts(browser) == [t for t, _ in before]

    old_start = before[1][0]
    wanted = float(frames[list(frames).index(old_start) - 6])  # six frames earlier
    drag_boundary(browser, 1, wanted)
    wait_for(
        browser,
        "return Number(document.querySelector(\".span[data-index='1']\").dataset.start) !== arguments[0]",
        10,
        old_start,
    )
    moved = span_starts(browser)[1]
    assert moved in [float(t) for t in frames], "boundaries snap to real frame timestamps"
    assert moved == pytest.approx(wanted, abs=1.01 / 30)
    assert before[0][0] < moved < before[2][0]
    assert [t for t, _ in subtasks(root)] == [before[0][0], moved, before[2][0]]
    assert StagingStore(root).status(EPISODE, "plan").state is State.EDITED
    memory = [r for r in StagingStore(root).read(EPISODE, "plan") if r["style"] == "memory"]
    assert moved in [r["timestamp"] for r in memory], "the boundary's memory moves with it"

    rename(browser, 2, "push the block gently onto the plate")
    assert subtasks(root)[2] == (before[2][0], "push the block gently onto the plate")
    save_screenshot(browser, "view_review_after_edits.png")

    assert cli.main(["write", "--root", str(root)]) == 0
    written = written_language(root)[EPISODE].styled("subtask")
    assert [(r["timestamp"], r["content"]) for r in written] == [
        before[0],
        (moved, before[1][1]),
        (before[2][0], "push the block gently onto the plate"),
    ]


def test_undo_restores_the_staging_as_it_was(browser, annotated_copy, view_server, tmp_path):
    root = annotated_copy()
    store = StagingStore(root)
    original = store.output_path(EPISODE, "plan").read_bytes()
    server = view_server(root, tmp_path / "site")
    open_review(browser, server)
    rename(browser, 0, "first label")
    rename(browser, 1, "second label")
    assert [label for _, label in subtasks(root)][:2] == ["first label", "second label"]
    for remaining in (1, 0):
        browser.find_element("id", "undo").click()
        wait_for(
            browser,
            "return document.getElementById('undo').textContent === arguments[0]",
            10,
            f"Undo ({remaining})",
        )
    assert store.output_path(EPISODE, "plan").read_bytes() == original
    assert store.status(EPISODE, "plan").state is State.CURRENT
    assert store.status(EPISODE, "interjections").state is State.CURRENT


def post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_an_edit_of_a_stale_version_is_refused_and_the_page_reloads(
    browser, annotated_copy, view_server, tmp_path
):
    root = annotated_copy()
    store = StagingStore(root)
    server = view_server(root, tmp_path / "site")
    start, label = subtasks(root)[0]
    status, reply = post(
        f"{server.url}api/edit",
        {
            "episode": EPISODE,
            "module": "plan",
            "version": "0" * 64,
            "op": "set_content",
            "style": "subtask",
            "t": start,
            "old": label,
            "content": "never written",
        },
    )
    assert status == 409 and "changed since" in reply["error"]
    assert subtasks(root)[0] == (start, label)

    # while another process writes the dataset (annotate, write) an edit waits its turn
    current = StagingStore(root).output_hash(EPISODE, "plan")
    with dataset_lock(root, "steerlang annotate (a test holding the lock)"):
        status, reply = post(
            f"{server.url}api/edit",
            {
                "episode": EPISODE,
                "module": "plan",
                "version": current,
                "op": "set_content",
                "style": "subtask",
                "t": start,
                "old": label,
                "content": "not while annotate writes",
            },
        )
    assert status == 409 and "being written by another steerlang process" in reply["error"]
    assert subtasks(root)[0] == (start, label)

    first = browser.current_window_handle
    open_review(browser, server)
    browser.switch_to.new_window("tab")
    open_review(browser, server)  # the second tab holds the same version
    browser.switch_to.window(first)
    rename(browser, 0, "from the first tab")
    browser.switch_to.window(browser.window_handles[-1])
    browser.find_elements("css selector", ".lane.subtasks .span")[0].click()
    browser.find_element("id", "label-input").send_keys(" and the second")
    browser.find_element("id", "save-label").click()
    banner = wait_for(
        browser, "const b = document.getElementById('banner'); return !b.hidden && b.textContent"
    )
    assert "changed since" in banner
    wait_for(browser, REVIEW_READY)
    assert subtasks(root)[0] == (start, "from the first tab"), "the first tab's edit is kept"
    assert (
        browser.find_elements("css selector", ".lane.subtasks .span")[0].text
        == "from the first tab"
    )
    save_screenshot(browser, "view_review_conflict.png")
    browser.close()
    browser.switch_to.window(first)
    assert store.status(EPISODE, "plan").state is State.EDITED


def test_deleting_a_vqa_pair_and_an_interjection_and_accepting(
    browser, annotated_copy, view_server, tmp_path
):
    root = annotated_copy()
    store = StagingStore(root)
    vqa_before = store.read(EPISODE, "vqa")
    said_before = store.read(EPISODE, "interjections")
    server = view_server(root, tmp_path / "site")
    open_review(browser, server)

    marker = browser.find_elements("css selector", ".marker-vqa")[-1]
    t, camera = float(marker.get_attribute("data-t")), marker.get_attribute("data-camera")
    marker.click()
    browser.find_element("id", "delete-vqa").click()
    wait_for(
        browser,
        "return document.querySelectorAll('.marker-vqa').length === arguments[0]",
        10,
        len(vqa_before) // 2 - 1,
    )
    assert store.read(EPISODE, "vqa") == [
        r for r in vqa_before if not (r["timestamp"] == t and r["camera"] == camera)
    ]

    markers = browser.find_elements("css selector", ".marker-interjection")
    markers[0].click()
    moment = float(markers[0].get_attribute("data-t"))
    browser.find_element("id", "delete-interjection").click()
    wait_for(
        browser,
        "return document.querySelectorAll('.marker-interjection').length === arguments[0]",
        10,
        len(markers) - 1,
    )
    kept = store.read(EPISODE, "interjections")
    assert [r for r in said_before if r["timestamp"] == moment and r["style"] == "interjection"]
    assert kept == [r for r in said_before if r["timestamp"] != moment]
    assert [speech_text(r) for r in kept if r["timestamp"] == 0.0], "the opening reply stays"

    browser.find_element("id", "accept").click()
    wait_for(
        browser, "return document.getElementById('accept').textContent === 'Withdraw acceptance'"
    )
    accepted = read_acceptance(root)[EPISODE]
    staged = {m: store.output_hash(EPISODE, m) for m in store.modules}
    assert accepted["versions"] == {m: h for m, h in staged.items() if h is not None}
    assert set(accepted["versions"]) == {"plan", "interjections", "vqa"}  # reasoning never ran
    browser.find_element("id", "undo").click()
    wait_for(browser, "return document.getElementById('accept').textContent === 'Accept episode'")
    assert EPISODE not in read_acceptance(root)
