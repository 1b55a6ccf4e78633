"""The optional mitogen line: where its strategy is found, and what it says when it cannot run."""
from types import SimpleNamespace

import pytest

from bench import mitogen


def test_strategy_env_points_ansible_at_mitogens_linear_strategy(tmp_path):
    spec = SimpleNamespace(submodule_search_locations=[str(tmp_path / "ansible_mitogen")])
    env = mitogen.strategy_env(find_spec=lambda name: spec if name == "ansible_mitogen" else None)
    assert env == {"ANSIBLE_STRATEGY_PLUGINS": str(tmp_path / "ansible_mitogen" / "plugins" / "strategy"),
                   "ANSIBLE_STRATEGY": "mitogen_linear"}


def test_without_mitogen_the_line_is_not_measured_and_says_why():
    with pytest.raises(mitogen.NotMeasured, match=r"No module named 'ansible_mitogen' \(pip install -e \.\[mitogen\]\)"):
        mitogen.strategy_env(find_spec=lambda _name: None)
    row = mitogen.not_measured("No module named 'ansible_mitogen'")
    assert row.ours == "not measured: No module named 'ansible_mitogen'" and row.met is None and row.ratio is None


@pytest.mark.parametrize("output, expected", [
    ("PLAY [x]\n[ERROR]: Task failed: EOF on stream\nOrigin: p.yml\n", "[ERROR]: Task failed: EOF on stream"),
    ("ERROR! the strategy plugin mitogen_linear is too old\nmore\n", "ERROR! the strategy plugin mitogen_linear is too old"),
    ('TASK [ping]\nfatal: [localhost]: UNREACHABLE! => {"msg": "x"}\n', 'fatal: [localhost]: UNREACHABLE! => {"msg": "x"}'),
    ("Traceback (most recent call last):\n  File x\nImportError: cannot import name 'y'\n", "ImportError: cannot import name 'y'"),
    ("", "no output"),
])
def test_first_error_is_the_line_that_says_why(output, expected):
    assert mitogen.first_error(output) == expected
