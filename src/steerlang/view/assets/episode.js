// steerlang view: the episode page. Reads window.STEERLANG_EPISODE (written beside
// the page by the static build, or built live by the review server) and wires the
// player, the timeline, the text in force at the playhead, the VQA overlays and the
// details panel together. All times are episode seconds.
"use strict";

class EpisodeApp {
  constructor(data) {
    this.data = data;
    this.selection = null;
    this.review = new Review(this);
    this.timeline = new Timeline(document.getElementById("timeline"), {
      seek: (t) => this.player.seek(t),
      select: (selection) => this.select(selection),
      move: (span, to) => this.review.edit({ op: "move_subtask", module: span.module, start: span.start, to }),
      canMove: (span) => this.review.canEdit(span.module),
    });
    this.player = new Player(data, document.getElementById("views"), (t) => this.onTime(t));
    this.controls();
    this.update(data);
    const stored = takeStoredMessage();
    if (stored) this.message(stored, "error");
    this.player.seek(0);
  }

  update(data) {
    this.data = data;
    this.header();
    this.review.renderBar(document.getElementById("review-bar"));
    this.timeline.render(data);
    renderVqaList(document.getElementById("vqa-list"), data, (index) => {
      this.player.seek(data.vqa[index].t);
      this.timeline.select({ kind: "vqa", index });
    });
    this.select(this.selection);
    this.onTime(this.player.t);
  }

  header() {
    const data = this.data;
    const task = document.getElementById("task");
    task.replaceChildren(element("div", `Task: ${data.task || "(none)"}`));
    if (data.paraphrases.length) {
      const list = element("ul", null, "paraphrases");
      for (const text of data.paraphrases) list.appendChild(element("li", text));
      task.appendChild(list);
    }
    const sources = {
      staging: "Rows from the staging (.annotate_staging): what the next steerlang write puts in the dataset.",
      dataset: "Rows from the dataset's language columns (no staging for this episode: read-only).",
      none: "This episode has no language annotations yet.",
    };
    task.appendChild(element("div", sources[data.source], "source"));
    for (const note of data.notes) task.appendChild(element("div", note, "source"));
    const nav = document.getElementById("episode-nav");
    nav.replaceChildren();
    if (data.prev != null) nav.appendChild(link(data.prev, "← previous"));
    if (data.next != null) nav.appendChild(link(data.next, "next →"));
  }

  controls() {
    const bar = document.getElementById("controls");
    const play = button("play", "play", () => this.player.toggle());
    const loop = element("input");
    loop.type = "checkbox";
    loop.id = "loop";
    loop.addEventListener("change", () => (this.player.loop = loop.checked));
    const loopLabel = element("label", " loop");
    loopLabel.prepend(loop);
    bar.append(
      button("back", "start", () => this.player.seek(0)),
      button("prev-frame", "◀ frame", () => this.player.step(-1)),
      play,
      button("next-frame", "frame ▶", () => this.player.step(1)),
      loopLabel,
    );
    this.player.onState = () => (play.textContent = this.player.playing ? "pause" : "play");
    document.addEventListener("keydown", (event) => {
      if (event.target.closest("input, textarea")) return;
      if (event.key === " " && event.target.closest("button")) return; // the button's own click
      if (event.key === " ") {
        event.preventDefault();
        this.player.toggle();
      } else if (event.key === "ArrowLeft") this.player.step(-1);
      else if (event.key === "ArrowRight") this.player.step(1);
    });
  }

  select(selection) {
    this.selection = selection;
    renderDetails(document.getElementById("details"), this.data, selection, this.review);
  }

  message(text, kind) {
    const banner = document.getElementById("banner");
    banner.textContent = text;
    banner.className = kind;
    banner.hidden = !text;
  }

  onTime(t) {
    const data = this.data;
    this.timeline.setTime(t);
    const frame = frameIndex(data.frames, t);
    document.getElementById("clock").textContent = `t = ${t.toFixed(3)} s · frame ${frame} / ${data.length - 1}`;
    const inForce = document.getElementById("in-force");
    inForce.replaceChildren();
    const subtask = latest(data.subtasks.map((span) => ({ t: span.start, content: span.label })), t);
    fact(inForce, "subtask", subtask && subtask.content);
    for (const style of CHANGE_STYLES) {
      if (OPTIONAL_STYLES.includes(style) && !data.changes[style].length) continue;
      const row = latest(data.changes[style], t);
      fact(inForce, style, row && row.content);
    }
    const tolerance = 0.5 / data.fps;
    const now = data.vqa.filter((pair) => Math.abs(pair.t - t) < tolerance);
    for (const view of this.player.views) {
      drawAnswers(view.overlay, view.camera, now.filter((pair) => pair.camera === view.camera.key));
    }
    const vqaNow = document.getElementById("vqa-now");
    vqaNow.replaceChildren();
    for (const pair of now) {
      const box = element("div", null, "pair");
      box.append(
        element("div", `${pair.camera.split(".").pop()}: ${pair.question || "(no question)"}`),
        element("div", formatAnswer(pair), "hint"),
      );
      vqaNow.appendChild(box);
    }
    for (const row of document.querySelectorAll("#vqa-list tr[data-t]")) {
      row.classList.toggle("now", Math.abs(Number(row.dataset.t) - t) < tolerance);
    }
  }
}

function latest(rows, t) {
  let found = null;
  for (const row of rows) if (row.t <= t + 1e-6 && (!found || row.t >= found.t)) found = row;
  return found;
}

function link(episode, text) {
  const anchor = element("a", text);
  anchor.href = `episode_${String(episode).padStart(6, "0")}.html`;
  anchor.style.marginLeft = "10px";
  return anchor;
}

window.steerlangView = new EpisodeApp(window.STEERLANG_EPISODE);
