"""A training lever against the recipe, seed by seed, by search's rule."""

import json

import pytest

from llm4es_training.benchmark.levers import compare, main, markdown

TASKS = ["berka-age", "movielens-gender"]


def search(steps: int, scores: dict[int, tuple[float, float]]) -> dict:
    """A search.json of one configuration: seed -> (berka-age, movielens-gender) validation readings
    of the default variant (another variant beside it, which must not count)."""
    return {
        "tasks": TASKS,
        "default": "final/mean-max",
        "context": 2048,
        "max_steps": steps,
        "validation": {
            t: {str(s): {"final/mean-max": v[i], "upper/mean": 1.0} for s, v in scores.items()}
            for i, t in enumerate(TASKS)
        },
    }


def test_a_lever_that_wins_on_every_seed_beyond_its_spread_is_chosen():
    recipe = search(500, {0: (0.00, -0.08), 1: (0.01, -0.04), 2: (-0.02, -0.03)})
    lever = search(1000, {0: (0.01, -0.02), 1: (0.02, -0.01), 2: (0.00, 0.00)})
    result = compare([recipe], [lever])
    assert result["per_seed"]["recipe"] == pytest.approx([-0.04, -0.015, -0.025])
    assert result["per_seed"]["lever"] == pytest.approx([-0.005, 0.005, 0.0])
    assert result["gain"]["mean"] == pytest.approx((0.035 + 0.02 + 0.025) / 3)
    assert result["chosen"] == "lever"
    assert result["gain_per_task"]["berka-age"]["per_seed"] == pytest.approx([0.01, 0.01, 0.02])
    assert result["gain_per_task"]["movielens-gender"]["mean"] == pytest.approx((0.06 + 0.03 + 0.03) / 3)
    assert "gain per task: berka-age +0.0133 ± 0.0047, movielens-gender +0.0400 ± 0.0141" in markdown(result)
    assert (result["recipe"]["max_steps"], result["lever"]["max_steps"]) == (500, 1000)


def test_a_lever_that_loses_one_seed_is_not_chosen():
    recipe = search(500, {0: (0.00, -0.08), 1: (0.01, -0.04), 2: (-0.02, -0.03)})
    lever = search(1000, {0: (0.01, -0.02), 1: (0.02, -0.01), 2: (-0.04, -0.03)})
    result = compare([recipe], [lever])
    assert result["gain"]["mean"] > 0 and min(result["gain"]["per_seed"]) < 0
    assert result["chosen"] == "recipe"


def test_a_sides_seeds_may_come_from_several_searches():
    recipe = search(500, {0: (0.0, 0.0), 1: (0.0, 0.0)})
    merged = compare([recipe], [search(1000, {0: (0.1, 0.1)}), search(1000, {1: (0.2, 0.2)})])
    assert merged["seeds"] == [0, 1]
    assert merged["per_task"]["berka-age"]["lever"] == [0.1, 0.2]


def test_a_learning_rate_lever_is_named_by_its_rate():
    recipe = search(500, {0: (0.0, 0.0), 1: (0.0, 0.0), 2: (0.0, 0.0)})
    lever = {**search(500, {0: (0.1, 0.1), 1: (0.2, 0.2), 2: (0.15, 0.15)}), "lr": 0.002}
    result = compare([recipe], [lever])
    assert (result["recipe"]["lr"], result["lever"]["lr"], result["chosen"]) == (None, 0.002, "lever")
    table = markdown(result)
    assert "| recipe (2048 tokens, 500 steps) |" in table
    assert "| lever (2048 tokens, 500 steps, lr 0.002) |" in table
    wider = compare([recipe], [{**lever, "lr": None, "shape": [384, 6]}])
    assert "| lever (2048 tokens, 500 steps, 384x6) |" in markdown(wider)


def test_a_lever_read_on_fewer_seeds_pairs_with_the_recipes_same_seeds_and_is_never_chosen():
    recipe = search(500, {0: (0.0, 0.0), 1: (0.5, 0.5), 2: (0.5, 0.5)})
    lever = search(500, {0: (0.1, 0.3)})
    with pytest.raises(SystemExit, match="other seeds"):
        compare([recipe], [lever])
    result = compare([recipe], [lever], only=[0])
    assert result["seeds"] == [0] and result["gain"]["per_seed"] == pytest.approx([0.2])
    assert result["chosen"] == "recipe"
    with pytest.raises(SystemExit, match=r"not read by \{'lever': \['1'\]\}"):
        compare([recipe], [lever], only=[0, 1])


@pytest.mark.parametrize(
    "lever, message",
    [
        ([search(1000, {0: (0.1, 0.1)}), search(1000, {0: (0.2, 0.2)})], "read twice"),
        ([search(1000, {0: (0.1, 0.1)}), search(2000, {1: (0.2, 0.2)})], "mixes configurations"),
        ([search(1000, {0: (0.1, 0.1)})], "other seeds"),
        ([{**search(1000, {0: (0.1, 0.1), 1: (0.1, 0.1)}), "default": "upper/mean"}], "differ in default"),
        # a search written before --lr (no "lr") is the recipe's rate, not another one's
        ([search(500, {0: (0.1, 0.1)}), {**search(500, {1: (0.2, 0.2)}), "lr": 0.002}], "mixes configurations"),
    ],
)
def test_readings_that_do_not_pair_are_refused(lever, message):
    with pytest.raises(SystemExit, match=message):
        compare([search(500, {0: (0.0, 0.0), 1: (0.0, 0.0)})], lever)


def test_the_command_reads_search_files(tmp_path, capsys):
    files = {}
    for name, value in (("recipe", search(500, {0: (0.0, -0.02)})), ("lever", search(1000, {0: (0.02, 0.0)}))):
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(json.dumps(value))
    assert main(["--recipe", str(files["recipe"]), "--lever", str(files["lever"]), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["gain"]["per_seed"] == pytest.approx([0.02])
    main(["--recipe", str(files["recipe"]), "--lever", str(files["lever"])])
    table = capsys.readouterr().out
    assert "| recipe (2048 tokens, 500 steps) | +0.000 | -0.020 | -0.0100 | -0.0100 |" in table
    assert "chosen: recipe" in table  # one seed wins, but no choice is made on fewer than three


def test_the_readmes_lever_tables_are_what_the_commands_print(monkeypatch, capsys):
    """Each of the README's `levers` commands, run over the committed searches, prints a table
    that the README holds."""
    import shlex

    from support import REPO_ROOT

    readme = (REPO_ROOT / "README.md").read_text()
    lines = [x for x in readme.splitlines() if x.startswith("model-training/.venv/bin/llm4es-train levers ")]
    assert len(lines) >= 2  # the steps and the learning rate
    monkeypatch.chdir(REPO_ROOT)
    for line in lines:
        assert main(shlex.split(line)[2:]) == 0
        printed = capsys.readouterr().out.strip().splitlines()
        assert printed and all(row in readme for row in printed if row), line
