"""bounds.docs.write_or_check: the one write-or-check step of the generated pages (catalogue, tutorial, notebook)."""

from __future__ import annotations

from bounds.docs import write_or_check


def test_write_mode_writes_the_page(tmp_path, capsys):
    page = tmp_path / "page.md"
    assert write_or_check(page, "fresh\n", "python make.py", check=False) == 0
    assert page.read_text(encoding="utf-8") == "fresh\n"
    assert capsys.readouterr().out == f"wrote {page}\n"


def test_check_passes_on_a_current_page_and_leaves_it_alone(tmp_path, capsys):
    page = tmp_path / "page.md"
    page.write_text("same\n", encoding="utf-8")
    assert write_or_check(page, "same\n", "python make.py", check=True) == 0
    assert capsys.readouterr().out == f"{page} is up to date\n"
    assert page.read_text(encoding="utf-8") == "same\n"


def test_check_fails_on_a_stale_or_missing_page_without_writing(tmp_path, capsys):
    page = tmp_path / "page.md"
    assert write_or_check(page, "fresh\n", "python make.py", check=True) == 1
    assert not page.exists()
    page.write_text("old\n", encoding="utf-8")
    assert write_or_check(page, "fresh\n", "python make.py", check=True) == 1
    assert capsys.readouterr().err.splitlines() == [f"{page} is stale: run python make.py"] * 2
    assert page.read_text(encoding="utf-8") == "old\n"


def test_check_asks_current_when_given(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("old text, same meaning\n", encoding="utf-8")
    seen = []

    def current(committed: str) -> bool:
        seen.append(committed)
        return True

    assert write_or_check(page, "new text\n", "python make.py", check=True, current=current) == 0
    assert seen == ["old text, same meaning\n"]
    assert write_or_check(page, "new text\n", "python make.py", check=True, current=lambda _: False) == 1
