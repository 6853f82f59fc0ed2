"""Recipe loading, validation at load time, and per-camera expansion."""

from __future__ import annotations

import pytest

from steerlang.errors import SteerlangError
from steerlang.render import builtin_recipe_names, load_recipe, recipe_from_dict
from steerlang.render.compile import compile_recipe
from steerlang.render.recipe import recipe_from_yaml
from steerlang.render.resolver_spec import parse_resolver_spec
from tests.render_fixtures import CAMERAS, FRONT, WRIST

TARGET = {"role": "assistant", "content": "${subtask}", "stream": "high_level", "target": True}


def one(messages, bindings=None):
    data = {"messages": messages}
    if bindings is not None:
        data["bindings"] = bindings
    return data


def load_error(data, source="r.yaml") -> str:
    with pytest.raises(SteerlangError) as info:
        recipe_from_dict(data, source)
    return str(info.value)


def test_builtin_recipes_load_by_name_and_file(tmp_path):
    assert builtin_recipe_names() == [
        "subtask",
        "subtask_joint",
        "subtask_mem",
        "subtask_mem_vqa_speech",
        "subtask_reasoning",
        "subtasks_vqa",
    ]
    for name in builtin_recipe_names():
        assert load_recipe(name).is_blend == (name != "subtask_joint")
        assert load_recipe(f"{name}.yaml").components == load_recipe(name).components
    path = tmp_path / "mine.yaml"
    path.write_text(
        "messages:\n  - {role: assistant, content: '${plan}', stream: high_level, target: true}\n"
    )
    recipe = load_recipe(path)
    assert recipe.source == str(path) and not recipe.is_blend


def test_unknown_recipe_name_lists_builtins():
    with pytest.raises(SteerlangError, match="subtasks_vqa"):
        load_recipe("no_such_recipe")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"messages": [TARGET], "extra": 1}, "unknown key(s) extra"),
        ({"messages": [TARGET], "blend": {}}, "exactly one of 'messages' or 'blend'"),
        (one([{**TARGET, "colour": "red"}]), "turn 0: unknown key(s) colour"),
        (one([{**TARGET, "stream": None}]), "stream is required"),
        (one([{**TARGET, "role": "robot"}]), "role must be one of"),
        (one([{**TARGET, "target": "yes"}]), "target must be true or false"),
        (one([{**TARGET, "target": False}]), "nothing is supervised"),
        (
            one([{"role": "assistant", "stream": "high_level", "target": True}]),
            "content is required",
        ),
        (one([{**TARGET, "content": [{"text": "x"}]}]), "string 'type'"),
        (one([{**TARGET, "content": "${nope}"}]), "unknown binding 'nope'"),
        (one([{**TARGET, "if_present": "ghost"}]), "unknown binding 'ghost'"),
        (one([{**TARGET, "tool_calls_from": "task"}]), "tool_calls_from must name a row binding"),
        (one([TARGET], {"x": "active_at(t, style=colour)"}), "binding 'x': unknown style 'colour'"),
        (
            one([TARGET], {"x": "activ_at(t, style=plan)"}),
            "binding 'x': unknown resolver 'activ_at'",
        ),
        (
            one([TARGET], {"x": "active_at(t, style=vqa)"}),
            "binding 'x': active_at needs a persistent style",
        ),
        (one([TARGET], {"x": "nth_prev(style=plan, offset=0)"}), "offset must be >= 1"),
        (one([TARGET], {"x": "nth_prev(style=plan, offset=two)"}), "offset must be an integer"),
        (one([TARGET], {"x": "emitted_at(t, style=vqa, offset=2)"}), "offset= only applies"),
        (one([TARGET], {"x": "emitted_at(t, style=vqa, colour=red)"}), "unknown argument 'colour'"),
        (one([TARGET], {"x": "emitted_at(t, role=user, role=assistant)"}), "given twice"),
        (
            one([TARGET], {"x": "emitted_at(t, style=vqa, camera=${cam})"}),
            "the only placeholder a camera filter takes is ${camera}",
        ),
        (
            one([TARGET], {"x": "active_at(t, style=plan, camera=observation.images.front)"}),
            "can never match",
        ),
        (one([TARGET], {"x": "emitted_at(t, role=admin)"}), "unknown role 'admin'"),
        (one([TARGET], {"x": "emitted_at t"}), "is not a resolver call"),
        (one([TARGET], {"x": 3}), "must be a string"),
        (
            one([TARGET], {"camera": "emitted_at(t, style=vqa)"}),
            "reserved for per-camera expansion",
        ),
        (
            {"blend": {"a": {"weight": 0, "messages": [TARGET]}}},
            "component 'a': 'weight' must be a finite number > 0",
        ),
        ({"blend": {"a": {"weight": True, "messages": [TARGET]}}}, "numeric 'weight'"),
        ({"blend": {"a": {"messages": [TARGET]}}}, "numeric 'weight'"),
        ({"blend": {"a": {"weight": 1, "blend": {}}}}, "blends cannot be nested"),
        (
            {"blend": {"a": {"weight": 1, "messages": [TARGET], "route": "qa"}}},
            "component 'a': route must be vqa",
        ),
        ({"messages": [TARGET], "route": "vqa"}, "'route' only applies to a component"),
        ({"messages": [TARGET], "weight": 1}, "'weight' only applies to a component"),
        ({"blend": {}}, "'blend' must map component names"),
        (
            {"blend": {"a": {"weight": 1, "messages": [TARGET]}}, "bindings": {}},
            "move them into each component",
        ),
    ],
)
def test_load_time_errors_name_file_and_problem(data, expected):
    message = load_error(data)
    assert "r.yaml" in message
    assert expected in message


def test_errors_name_component_and_binding():
    data = {
        "blend": {
            "ask": {"weight": 1, "messages": [TARGET], "bindings": {"q": "emitted_at(t, style=qa)"}}
        }
    }
    message = load_error(data, "mine.yaml")
    assert "recipe mine.yaml: component 'ask': binding 'q': unknown style 'qa'" in message


def test_invalid_yaml_names_file():
    with pytest.raises(SteerlangError, match=r"bad\.yaml: not valid YAML"):
        recipe_from_yaml("messages: [", "bad.yaml")


def test_resolver_spec_parsing_accepts_reference_forms():
    spec = parse_resolver_spec(
        "emitted_at(t, style=vqa, role=user, camera='observation.images.top')"
    )
    assert (spec.resolver, spec.style, spec.role, spec.camera) == (
        "emitted_at",
        "vqa",
        "user",
        "observation.images.top",
    )
    spec = parse_resolver_spec("nth_prev(style=memory, offset=2)")
    assert (spec.resolver, spec.style, spec.offset) == ("nth_prev", "memory", 2)
    assert (
        parse_resolver_spec("emitted_at(t, role=assistant, tool_name=say)").reads_persistent
        is False
    )
    assert parse_resolver_spec("emitted_at(t, style=plan)").reads_persistent is True


def per_camera_recipe(weight=0.6):
    return recipe_from_dict(
        {
            "blend": {
                "plan": {"weight": 0.4, "messages": [{**TARGET, "content": "${plan}"}]},
                "vqa": {
                    "weight": weight,
                    "bindings": {"q": "emitted_at(t, style=vqa, role=user, camera=${camera})"},
                    "messages": [
                        {
                            "role": "user",
                            "stream": "high_level",
                            "content": [
                                {"type": "image", "feature": "${camera}"},
                                {"type": "text", "text": "${q} (${camera})"},
                            ],
                        },
                        {**TARGET, "content": "${q}"},
                    ],
                },
            }
        },
        "cams.yaml",
    )


def test_per_camera_expansion_splits_weight_and_binds_camera():
    compiled = compile_recipe(per_camera_recipe(), CAMERAS)
    names = [c.name for c in compiled.components]
    assert names == ["plan", f"vqa[{FRONT}]", f"vqa[{WRIST}]"]
    assert [c.weight for c in compiled.components] == pytest.approx([0.4, 0.3, 0.3])
    assert compiled.cumulative == pytest.approx((0.4, 0.7, 1.0))
    cameras = [c.resolvers[0].spec.camera for c in compiled.components[1:]]
    assert cameras == [FRONT, WRIST]


def test_per_camera_expansion_follows_the_dataset_cameras():
    three = (*CAMERAS, "observation.images.side")
    compiled = compile_recipe(per_camera_recipe(0.9), three)
    assert [c.weight for c in compiled.components] == pytest.approx([0.4, 0.3, 0.3, 0.3])


def test_per_camera_component_needs_cameras():
    with pytest.raises(SteerlangError, match=r"has no camera \(no video/image feature\)"):
        compile_recipe(per_camera_recipe(), [])
    with pytest.raises(SteerlangError, match="camera_keys"):
        compile_recipe(per_camera_recipe(), None)
    with pytest.raises(SteerlangError, match="non-empty strings"):
        compile_recipe(per_camera_recipe(), [""])


def test_literal_camera_missing_from_dataset_is_an_error():
    recipe = load_recipe("subtasks_vqa")
    hand_written = recipe_from_dict(
        one(
            [{**TARGET, "content": "${q}"}],
            {"q": "emitted_at(t, style=vqa, role=user, camera=observation.images.top)"},
        ),
        "top.yaml",
    )
    assert compile_recipe(recipe, CAMERAS)
    with pytest.raises(
        SteerlangError, match=r"camera=observation.images.top, which this dataset does not have"
    ):
        compile_recipe(hand_written, CAMERAS)
    assert compile_recipe(hand_written, None).components[0].name == "messages"


def test_only_used_bindings_are_compiled():
    compiled = compile_recipe(load_recipe("subtask_mem_vqa_speech"), CAMERAS)
    by_name = {c.name: c.slot_names for c in compiled.components}
    assert by_name["low_level_execution"] == ("subtask",)
    assert by_name[f"ask_vqa[{FRONT}]"] == ("vqa_query", "vqa")
    assert "vqa" not in by_name["high_level_subtask"]
