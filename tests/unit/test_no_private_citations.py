"""Citations name public sources only: no shipped file points at the team's private notes or at a
path of a development machine, which a maintainer or auditor reading the repository cannot open.

Code, data files, docs and tests cite the primary public source (standard and clause, URL,
repository and path, publication) and say how sure the figure is. This test fails on any file
under src/, docs/, tests/ or benchmarks/, or README.md / CHANGELOG.md, that contains one of the
markers below, and names each file and line.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED_DIRS = ("src", "docs", "tests", "benchmarks")
SCANNED_FILES = ("README.md", "CHANGELOG.md")
SKIPPED_DIRS = {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
# Written in two pieces so that the markers do not appear in this file's source as such either.
MARKERS = ("shared" + "/reference", "/" + "work/")


def _scanned() -> list[Path]:
    files = [ROOT / name for name in SCANNED_FILES if (ROOT / name).is_file()]
    for top in SCANNED_DIRS:
        for path in sorted((ROOT / top).rglob("*")):
            if not path.is_file() or SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts):
                continue
            if path.resolve() == Path(__file__).resolve():
                continue
            files.append(path)
    return files


def _text(path: Path) -> str | None:
    """The file's text, or None for a binary file (NUL bytes or not UTF-8)."""
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def private_citations(files: list[Path], root: Path = ROOT) -> list[str]:
    """Every ``file:line: marker`` where a private marker occurs (paths relative to ``root``)."""
    found = []
    for path in files:
        text = _text(path)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            for marker in MARKERS:
                if marker in line:
                    found.append(f"{path.relative_to(root)}:{number}: {marker!r}")
    return found


def test_the_scan_covers_the_tree() -> None:
    """Guard against a vacuous pass: the scan reaches the source, the docs and the README."""
    names = {path.relative_to(ROOT).as_posix() for path in _scanned()}
    assert "README.md" in names
    assert "src/dualcarbon/__init__.py" in names
    assert any(name.startswith("docs/") and name.endswith(".md") for name in names)
    assert any(name.startswith("tests/") for name in names)
    assert "tests/unit/test_no_private_citations.py" not in names


def test_the_check_finds_a_private_citation(tmp_path: Path) -> None:
    """The check itself: both markers are found and named by file and line; binaries are skipped."""
    sample = tmp_path / "note.md"
    sample.write_text("see ../" + MARKERS[0] + "/x.md §3\nclean line\nand " + MARKERS[1] + "main\n")
    binary = tmp_path / "blob.bin"
    binary.write_bytes(b"\0" + MARKERS[0].encode())
    found = private_citations([sample, binary], root=tmp_path)
    assert found == [f"note.md:1: {MARKERS[0]!r}", f"note.md:3: {MARKERS[1]!r}"]


def test_no_file_cites_private_notes_or_machine_paths() -> None:
    found = private_citations(_scanned())
    assert not found, (
        "cite the primary public source (standard + clause, URL, repository + path) and its "
        "confidence instead of the team's notes or a machine path:\n" + "\n".join(found)
    )
