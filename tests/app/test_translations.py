"""The Chinese catalogue is complete, compiled, and covers every string the app shows.

English is the source language of the msgids, so English is complete by construction;
Chinese (the default) must have a translation for each of them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib
import pytest
from django.utils.translation.template import templatize

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "fenpei"
PO = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# Apps whose strings go through gettext (engine and tables word their own texts).
APPS = (
    "web",
    "customers",
    "teams",
    "allocation",
    "config",
    "api",
    "followups",
    "pool",
    "notifications",
    "audit",
    "appeals",
    "goals",
    "dashboards",
    "reviews",
    "backups",
)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{\w+\}")
# gettext('…'), gettext_lazy("…"), ngettext('…', '…', n), _("…"), _('…')
CALL = re.compile(
    r"""\b(?:gettext_lazy|gettext|ngettext|ngettext_lazy|pgettext|_)\(\s*(u?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"))"""
)


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(PO))


def test_every_message_is_translated(catalogue):
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []


def test_placeholders_survive_translation(catalogue):
    for entry in catalogue:
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        strings = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
        for text in strings:
            assert sorted(PLACEHOLDER.findall(text)) == wanted, entry.msgid


def test_compiled_catalogue_matches_the_source(catalogue):
    compiled = {e.msgid: (e.msgstr or e.msgstr_plural.get(0, "")) for e in polib.mofile(str(MO))}
    source = {
        e.msgid: (e.msgstr or e.msgstr_plural.get(0, "")) for e in catalogue.translated_entries()
    }
    assert compiled == source, "run: uv run python scripts/i18n.py compile"


GETTEXT_NAMES = {"gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "_"}


def _msgids_in_python(text: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(text)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in GETTEXT_NAMES
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


def _msgids_in_code() -> set[str]:
    found: set[str] = set()
    for app in APPS:
        for path in (PACKAGE / app).rglob("*"):
            if "migrations" in path.parts or path.suffix not in (".py", ".html"):
                continue
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".py":
                found |= _msgids_in_python(text)
                continue
            for literal in CALL.findall(templatize(text, origin=str(path))):
                found.add(ast.literal_eval(literal.removeprefix("u")))
    return found


def test_catalogue_covers_every_string_in_code_and_templates(catalogue):
    known = {e.msgid for e in catalogue}
    missing = sorted(m for m in _msgids_in_code() if m and m not in known)
    assert missing == [], "run: uv run python scripts/i18n.py extract, then translate"
