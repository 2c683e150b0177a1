"""The follow-up knowledge file (ECOG scale, cause-of-death and prior-therapy categories, the
line-of-therapy rule): a broken copy is refused naming what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from tvec.knowledge.follow_up import FILE, load_follow_up, load_follow_up_file
from tvec.knowledge.loader import KnowledgeError

TEXT = FILE.read_text(encoding="utf-8")


def _load_changed(tmp_path: Path, old: str, new: str) -> None:
    assert old in TEXT
    path = tmp_path / "follow_up.toml"
    path.write_text(TEXT.replace(old, new, 1), encoding="utf-8")
    load_follow_up_file(path)


def test_the_bundled_file_loads_with_grades_0_to_4() -> None:
    book = load_follow_up()
    assert book.ecog_grades == (0, 1, 2, 3, 4)
    assert "Oken" in book.ecog.source


def test_an_unknown_category_code_is_shown_as_recorded() -> None:
    causes = load_follow_up().death_causes
    assert causes.text("melanoma") == "Melanoma (disease progression)"
    assert causes.text("typed by hand") == "typed by hand"


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("grade = 4\n", "grade = 3\n", r"ecog\.grades: must define grades 0 to 4"),
        ('code = "other"\n', 'code = "melanoma"\n', r"death_causes\.items: codes must be unique"),
        (
            'code = "anti-ctla-4"\n',
            'code = "anti-pd-1"\n',
            r"therapy_categories\.items: codes must be unique",
        ),
        (
            "source = \"tvec's rule: four categories",
            'source = "four categories',
            r"death_causes\.source: tvec's own list must say",
        ),
        ("first_line_source = \"tvec's rule", 'first_line_source = "', "lines: tvec's own rule"),
    ],
)
def test_a_broken_follow_up_file_is_refused_naming_the_fault(
    tmp_path: Path, old: str, new: str, words: str
) -> None:
    with pytest.raises(KnowledgeError, match=words):
        _load_changed(tmp_path, old, new)
