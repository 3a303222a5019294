"""English is the second language: every Korean string in the code and templates has an English translation."""
from __future__ import annotations

import re

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import ROOT

PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")


def _catalogue():
    with (ROOT / "app" / "translations" / "en" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f)


def _strings_in_the_code() -> set[str]:
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    method_map = [("app/**.py", "python"), ("app/**/templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords=keywords, options_map={"app/**/templates/**.html": {}}):
        found.add(message[0] if isinstance(message, tuple) else message)
    return {m for m in found if m}


def test_every_string_in_the_interface_has_an_english_translation():
    catalogue = _catalogue()
    missing = sorted(m for m in _strings_in_the_code() if m not in catalogue or not catalogue[m].string)
    assert missing == [], f"{len(missing)} strings lack English (run pybabel extract/update, then translate): {missing[:10]}"


def test_translations_keep_every_placeholder():
    broken = [m.id for m in _catalogue() if m.id and isinstance(m.id, str) and m.string
              and set(PLACEHOLDER.findall(m.id)) != set(PLACEHOLDER.findall(m.string))]
    assert broken == []
