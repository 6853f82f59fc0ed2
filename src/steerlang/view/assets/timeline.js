// steerlang view: the episode timeline. Lanes share one time axis (episode
// seconds); a subtask is a span from its start to the next subtask's start,
// everything else is a marker at its timestamp. Clicking seeks and selects; in
// review mode a span's left edge (its boundary with the previous subtask) can be
// dragged, snapping to real frame timestamps.
"use strict";

const CHANGE_STYLES = ["plan", "memory", "motion", "reasoning"];
const OPTIONAL_STYLES = ["motion", "reasoning"]; // a lane only when the episode has such rows

class Timeline {
  constructor(container, handlers) {
    this.container = container;
    this.handlers = handlers; // seek(t), select(selection), move(span, to)
    this.selection = null;
  }

  render(data) {
    this.data = data;
    this.lanes = document.createElement("div");
    this.lanes.className = "lanes";
    this.ruler();
    const subtasks = this.lane("subtasks", "subtasks");
    data.subtasks.forEach((span, index) => subtasks.appendChild(this.span(span, index)));
    for (const style of CHANGE_STYLES) {
      const changes = data.changes[style];
      if (OPTIONAL_STYLES.includes(style) && !changes.length) continue;
      const lane = this.lane(style, `${style} changes`);
      changes.forEach((change, index) =>
        lane.appendChild(this.marker(style, change.t, { kind: "change", style, index }, change.content, change.module)),
      );
    }
    const speech = this.lane("speech", "interjections");
    data.interjections.forEach((item, index) =>
      speech.appendChild(
        this.marker("interjection", item.t, { kind: "interjection", index }, `${item.text} → ${item.reply || ""}`, item.module),
      ),
    );
    data.speech.forEach((item, index) =>
      speech.appendChild(this.marker("speech", item.t, { kind: "speech", index }, item.text)),
    );
    const cameras = data.cameras.filter((camera) => camera.kind === "color").map((camera) => camera.key);
    for (const pair of data.vqa) if (!cameras.includes(pair.camera)) cameras.push(pair.camera);
    for (const camera of cameras) {
      const lane = this.lane("vqa", `VQA · ${camera.split(".").pop()}`, camera);
      data.vqa.forEach((pair, index) => {
        if (pair.camera !== camera) return;
        const marker = this.marker("vqa", pair.t, { kind: "vqa", index }, pair.question || "", pair.module);
        marker.dataset.camera = camera;
        lane.appendChild(marker);
      });
    }
    this.playhead = document.createElement("div");
    this.playhead.className = "playhead";
    this.lanes.appendChild(this.playhead);
    this.container.replaceChildren(this.lanes);
    this.highlight();
  }

  fraction(t) {
    return this.data.duration > 0 ? t / this.data.duration : 0;
  }

  percent(t) {
    return `${100 * this.fraction(t)}%`;
  }

  timeAt(clientX) {
    const rect = this.lanes.querySelector(".track").getBoundingClientRect();
    const f = Math.min(Math.max((clientX - rect.left) / rect.width, 0), 1);
    return f * this.data.duration;
  }

  lane(kind, name, camera) {
    const lane = document.createElement("div");
    lane.className = `lane ${kind}`;
    if (camera) lane.dataset.camera = camera;
    const label = document.createElement("div");
    label.className = "name";
    label.textContent = name;
    label.title = camera || name;
    const track = document.createElement("div");
    track.className = "track";
    track.addEventListener("click", (event) => this.handlers.seek(this.timeAt(event.clientX)));
    lane.append(label, track);
    this.lanes.appendChild(lane);
    return track;
  }

  ruler() {
    const track = this.lane("ruler", "seconds");
    const step = niceStep(this.data.duration);
    for (let t = 0; t < this.data.duration; t += step) {
      const tick = document.createElement("span");
      tick.className = "tick";
      tick.style.left = this.percent(t);
      tick.textContent = `${Math.round(t * 100) / 100}`;
      track.appendChild(tick);
    }
  }

  span(span, index) {
    const element = document.createElement("div");
    element.className = "span";
    element.dataset.index = String(index);
    element.dataset.start = String(span.start);
    element.dataset.end = String(span.end);
    element.dataset.module = span.module;
    this.markWritten(element, span.module);
    element.style.left = this.percent(span.start);
    element.style.width = this.percent(span.end - span.start);
    element.title = `${span.label}\n${span.start.toFixed(3)}–${span.end.toFixed(3)} s`;
    const label = document.createElement("span");
    label.className = "label";
    label.textContent = span.label;
    element.appendChild(label);
    element.addEventListener("click", (event) => {
      event.stopPropagation();
      this.handlers.seek(span.start);
      this.select({ kind: "subtask", index });
    });
    if (this.handlers.canMove(span) && index > 0) element.appendChild(this.handle(element, index));
    return element;
  }

  handle(element, index) {
    const handle = document.createElement("div");
    handle.className = "handle";
    handle.title = "drag to move this subtask's start";
    handle.addEventListener("click", (event) => event.stopPropagation());
    handle.addEventListener("mousedown", (event) => {
      event.preventDefault();
      event.stopPropagation();
      this.drag(element, index);
    });
    return handle;
  }

  drag(element, index) {
    const spans = this.data.subtasks;
    const span = spans[index];
    const previous = this.lanes.querySelector(`.span[data-index="${index - 1}"]`);
    const low = spans[index - 1].start;
    const high = span.end;
    let to = span.start;
    element.classList.add("dragging");
    const move = (event) => {
      const t = nearestFrame(this.data.frames, this.timeAt(event.clientX));
      if (t <= low || t >= high) return;
      to = t;
      element.style.left = this.percent(to);
      element.style.width = this.percent(high - to);
      previous.style.width = this.percent(to - low);
      element.title = `start ${to.toFixed(3)} s`;
      this.handlers.seek(to);
    };
    const release = () => {
      document.removeEventListener("mousemove", move);
      document.removeEventListener("mouseup", release);
      element.classList.remove("dragging");
      if (to !== span.start) this.handlers.move(span, to);
    };
    document.addEventListener("mousemove", move);
    document.addEventListener("mouseup", release);
  }

  markWritten(element, module) {
    // rows of a module `steerlang write` would leave out (stale) are shown dimmed
    const found = this.data.modules.find((m) => m.name === module);
    if (found && !found.written) {
      element.classList.add("inactive");
      element.dataset.left_out = found.reason;
    }
  }

  marker(kind, t, selection, title, module) {
    const marker = document.createElement("button");
    marker.type = "button";
    marker.className = `marker marker-${kind}`;
    if (module) this.markWritten(marker, module);
    marker.dataset.t = String(t);
    marker.dataset.kind = selection.kind;
    marker.dataset.index = String(selection.index);
    marker.style.left = this.percent(t);
    marker.title = `${t.toFixed(3)} s: ${title || ""}`;
    marker.addEventListener("click", (event) => {
      event.stopPropagation();
      this.handlers.seek(t);
      this.select(selection);
    });
    return marker;
  }

  select(selection) {
    this.selection = selection;
    this.highlight();
    this.handlers.select(selection);
  }

  highlight() {
    for (const element of this.lanes.querySelectorAll(".selected")) element.classList.remove("selected");
    const s = this.selection;
    if (!s) return;
    const selector =
      s.kind === "subtask"
        ? `.span[data-index="${s.index}"]`
        : `.marker[data-kind="${s.kind}"][data-index="${s.index}"]` + (s.kind === "change" ? `.marker-${s.style}` : "");
    const element = this.lanes.querySelector(selector);
    if (element) element.classList.add("selected");
  }

  setTime(t) {
    const f = this.fraction(t);
    this.playhead.style.left = `calc(var(--label) + (100% - var(--label)) * ${f})`;
    const tolerance = 0.5 / this.data.fps;
    for (const marker of this.lanes.querySelectorAll(".marker-vqa")) {
      marker.classList.toggle("now", Math.abs(Number(marker.dataset.t) - t) < tolerance);
    }
  }
}

function niceStep(duration) {
  for (const step of [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300]) if (duration / step <= 20) return step;
  return 600;
}
