"""Translation catalogue upkeep (a developer tool; the app never runs it).

    uv run python scripts/i18n.py extract   # makemessages: needs GNU gettext (xgettext)
    uv run python scripts/i18n.py fill F.tsv   # add translations from "msgid<TAB>msgstr" lines
    uv run python scripts/i18n.py compile   # .po → .mo with polib: no gettext needed

The compiled .mo files are committed, so a fresh machine serves Chinese without gettext;
tests/app/test_translations.py checks the .mo matches the .po and nothing is missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "fenpei"
LOCALES = ("zh_Hans",)


def po_path(locale: str) -> Path:
    return PACKAGE / "locale" / locale / "LC_MESSAGES" / "django.po"


def extract() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fenpei.config.settings"}
    for locale in LOCALES:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "django",
                "makemessages",
                "-l",
                locale,
                "--no-obsolete",
                "--no-location",
                "--ignore",
                "engine/*",
                "--ignore",
                "tables/*",
            ],
            cwd=PACKAGE,
            env=env,
            check=True,
        )


def fill(tsv: Path) -> None:
    pairs = {}
    for line in tsv.read_text(encoding="utf-8").splitlines():
        if "\t" in line:
            msgid, msgstr = line.split("\t", 1)
            pairs[msgid] = msgstr
    for locale in LOCALES:
        po = polib.pofile(str(po_path(locale)))
        filled = 0
        for entry in po:
            missing = not entry.msgstr and not any(entry.msgstr_plural.values())
            if entry.msgid in pairs and (missing or "fuzzy" in entry.flags):
                if entry.msgid_plural:  # Chinese has one plural form
                    entry.msgstr_plural = {0: pairs[entry.msgid]}
                else:
                    entry.msgstr = pairs[entry.msgid]
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
                filled += 1
        po.save()
        print(f"{locale}: filled {filled}, missing {len(po.untranslated_entries())}")


def compile_all() -> None:
    for locale in LOCALES:
        po = polib.pofile(str(po_path(locale)))
        po.save_as_mofile(str(po_path(locale).with_suffix(".mo")))
        print(f"{locale}: {len(po.translated_entries())} messages compiled")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "extract":
        extract()
    elif command == "fill":
        fill(Path(sys.argv[2]))
    elif command == "compile":
        compile_all()
    else:
        sys.exit(__doc__)
