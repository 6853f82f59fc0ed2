// steerlang view: the panel under the timeline that shows what was clicked, with
// its review actions when the page is served in review mode (rename a label,
// edit a plan or memory text, delete a VQA pair or an interjection).
"use strict";

// the change styles whose text review mode edits (as review_edits.EDITABLE_TEXT_STYLES);
// a reasoning trace is JSON the model wrote about one frame, shown but not edited
const EDITABLE_CHANGES = ["plan", "memory", "motion"];

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text != null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function button(id, text, onClick) {
  const node = element("button", text);
  node.type = "button";
  node.id = id;
  node.addEventListener("click", onClick);
  return node;
}

function fact(list, term, value) {
  list.append(element("dt", term), element("dd", value == null ? "—" : String(value)));
}

function renderDetails(container, data, selection, review) {
  container.replaceChildren();
  if (!selection) {
    container.appendChild(element("p", "Click a span or marker on the timeline.", "hint"));
    return;
  }
  const facts = element("dl");
  const actions = element("div", null, "actions");
  const editable = (module) => review && review.canEdit(module);
  if (selection.kind === "subtask") {
    const span = data.subtasks[selection.index];
    if (!span) return renderDetails(container, data, null, review);
    container.appendChild(element("h3", `Subtask ${selection.index + 1} of ${data.subtasks.length}`));
    fact(facts, "in force", `${span.start.toFixed(3)} s – ${span.end.toFixed(3)} s`);
    fact(facts, "label", span.label);
    fact(facts, "staged in", span.module);
    if (editable(span.module)) {
      const input = element("input");
      input.type = "text";
      input.id = "label-input";
      input.value = span.label || "";
      actions.append(
        input,
        button("save-label", "Save label", () =>
          review.edit({ op: "set_content", module: span.module, style: "subtask", t: span.start, old: span.label, content: input.value }),
        ),
      );
      if (selection.index > 0) actions.appendChild(element("span", "Drag the span's left edge to move its start.", "hint"));
    }
  } else if (selection.kind === "change") {
    const change = data.changes[selection.style][selection.index];
    if (!change) return renderDetails(container, data, null, review);
    container.appendChild(element("h3", `${selection.style} at ${change.t.toFixed(3)} s`));
    fact(facts, "staged in", change.module);
    if (editable(change.module) && EDITABLE_CHANGES.includes(selection.style)) {
      const area = element("textarea");
      area.id = "content-input";
      area.value = change.content || "";
      actions.append(
        area,
        button("save-content", "Save text", () =>
          review.edit({ op: "set_content", module: change.module, style: selection.style, t: change.t, old: change.content, content: area.value }),
        ),
      );
    } else {
      facts.appendChild(element("dd", change.content));
    }
  } else if (selection.kind === "interjection") {
    const item = data.interjections[selection.index];
    if (!item) return renderDetails(container, data, null, review);
    container.appendChild(element("h3", `Interjection at ${item.t.toFixed(3)} s`));
    fact(facts, "user says", item.text);
    fact(facts, "robot replies", item.reply);
    fact(facts, "plan after it", item.plan);
    if (editable(item.module)) {
      actions.appendChild(
        button("delete-interjection", "Delete interjection (with its reply and plan refresh)", () =>
          review.edit({ op: "delete_interjection", module: item.module, t: item.t }),
        ),
      );
    }
  } else if (selection.kind === "speech") {
    const item = data.speech[selection.index];
    container.appendChild(element("h3", `Robot speech at ${item.t.toFixed(3)} s`));
    fact(facts, "says", item.text);
  } else if (selection.kind === "vqa") {
    const pair = data.vqa[selection.index];
    if (!pair) return renderDetails(container, data, null, review);
    container.appendChild(element("h3", `VQA at ${pair.t.toFixed(3)} s`));
    fact(facts, "camera", pair.camera);
    fact(facts, "question", pair.question);
    fact(facts, "answer", formatAnswer(pair));
    if (editable(pair.module)) {
      actions.appendChild(
        button("delete-vqa", "Delete this VQA pair", () =>
          review.edit({ op: "delete_vqa", module: pair.module, t: pair.t, camera: pair.camera }),
        ),
      );
    }
  }
  container.append(facts, actions);
}

function renderVqaList(container, data, onPick) {
  container.replaceChildren(element("h2", `VQA pairs (${data.vqa.length})`));
  if (!data.vqa.length) return;
  const table = element("table");
  const head = element("tr");
  for (const name of ["time", "camera", "question", "answer"]) head.appendChild(element("th", name));
  table.appendChild(head);
  data.vqa.forEach((pair, index) => {
    const row = element("tr");
    row.dataset.index = String(index);
    row.dataset.t = String(pair.t);
    row.append(
      element("td", pair.t.toFixed(3)),
      element("td", pair.camera.split(".").pop()),
      element("td", pair.question || "(no question)"),
      element("td", formatAnswer(pair)),
    );
    row.addEventListener("click", () => onPick(index));
    table.appendChild(row);
  });
  container.appendChild(table);
}
