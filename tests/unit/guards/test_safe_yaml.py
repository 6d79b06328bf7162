"""YAML alias bombs are refused by every YAML reader, before anything walks the data."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

import dualcarbon
from dualcarbon.cems.hj212.access import load_access
from dualcarbon.cems.hj212.codes import load_codes
from dualcarbon.cems.hj212.errors import AccessListError, FieldError
from dualcarbon.errors import InputError
from dualcarbon.guards.safe_yaml import MAX_ALIAS_NODES, AliasLimitError, alias_expansion, safe_load
from dualcarbon.io import read_inventory
from dualcarbon.io.product_yaml import read_product_system
from dualcarbon.io.register_files import read_register
from dualcarbon.metrology.review import load_requirements


def laughs(levels: int, key: str = "inventory") -> str:
    """The billion-laughs shape: each line ten aliases of the line before (10**levels leaves)."""
    lines = ['a0: &a0 ["lol"]']
    for level in range(1, levels + 1):
        aliases = ",".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{aliases}]")
    lines.append(f"{key}: *a{levels}")
    return "\n".join(lines) + "\n"


def test_the_bomb_is_the_issues_size() -> None:
    """Nine lines under 500 bytes stand for 10**9 strings."""
    assert len(laughs(9).encode()) < 500


def test_billion_laughs_is_refused_at_once() -> None:
    with pytest.raises(AliasLimitError) as caught:
        safe_load(laughs(9))
    assert "more than the 10,000 accepted" in str(caught.value)
    assert isinstance(caught.value, yaml.YAMLError)  # every reader's handler catches it


def test_the_count_is_exact_and_the_bound_is_the_limit() -> None:
    """Three levels written out hold 4,462 nodes, 11 of them written: 4,451 repeated, which
    passes; four levels repeat 44,561 and are refused."""
    assert alias_expansion(yaml.compose(laughs(3))) == 4_451
    assert alias_expansion(yaml.compose(laughs(4))) == 44_561
    assert safe_load(laughs(3))["inventory"][0][0][0] == ["lol"]
    with pytest.raises(AliasLimitError):
        safe_load(laughs(4))


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(AliasLimitError, match="contains it"):
        safe_load("a: &a [1, *a]\n")


def test_merge_keys_count_as_their_copies() -> None:
    """``<<`` merges copy mappings while the document is built: counted like other aliases."""
    lines = ["m0: &m0 {k: v}"]
    lines += [
        f"m{n}: &m{n} {{<<: [*m{n - 1}], x{n}: [*m{n - 1}, *m{n - 1}]}}" for n in range(1, 40)
    ]
    with pytest.raises(AliasLimitError):
        safe_load("\n".join(lines))


def test_ordinary_anchors_pass() -> None:
    text = "defaults: &d {unit: t, tier: default}\nrows:\n" + "".join(
        f"  - {{<<: *d, month: {m}}}\n" for m in range(1, 13)
    )
    assert safe_load(text)["rows"][11] == {"unit": "t", "tier": "default", "month": 12}


@pytest.mark.parametrize(
    ("reader", "key"),
    [
        (read_inventory, "inventory"),
        (read_register, "instruments"),
        (read_product_system, "product"),
    ],
)
def test_every_file_reader_names_the_file(
    tmp_path: Path, reader: Callable[[Path], object], key: str
) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(laughs(9, key), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        reader(path)
    (problem,) = caught.value.problems
    assert problem.file == str(path) and "more than the 10,000 accepted" in problem.rule


def test_the_access_list_reader_refuses_it(tmp_path: Path) -> None:
    path = tmp_path / "access.yaml"
    path.write_text(laughs(9, "loggers"), encoding="utf-8")
    with pytest.raises(AccessListError, match="more than the 10,000 accepted"):
        load_access(path)


def test_no_yaml_is_read_around_the_bounded_loader() -> None:
    """Every YAML reader in the package goes through dualcarbon.guards.safe_yaml."""
    source = Path(dualcarbon.__file__).parent
    unbounded = re.compile(
        r"yaml\.(safe_load|full_load|unsafe_load|load_all|safe_load_all)\(|"
        r"\(yaml\.(Safe|Full|Unsafe|C\w*)Loader\)|Loader=yaml\."
    )
    found = [
        f"{path.relative_to(source)}:{number}"
        for path in sorted(source.rglob("*.py"))
        if path.name != "safe_yaml.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if unbounded.search(line)
    ]
    assert found == []
    assert MAX_ALIAS_NODES == 10_000


def test_the_requirements_reader_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "requirements.yaml"
    path.write_text(laughs(9, "requirements"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_requirements(path)
    (problem,) = caught.value.problems
    assert problem.file == str(path) and "more than the 10,000 accepted" in problem.rule


def test_the_code_table_reader_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "codes.yaml"
    path.write_text(laughs(9, "codes"), encoding="utf-8")
    with pytest.raises(FieldError, match="more than the 10,000 accepted") as caught:
        load_codes(path)
    assert str(path) in str(caught.value)
