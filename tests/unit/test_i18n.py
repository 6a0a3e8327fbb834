"""Every visible string has a French translation, and the catalogs match the source."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from comptoir.core import i18n

SOURCE = Path(i18n.__file__).resolve().parent.parent
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
KEYWORDS = {
    "_": None,
    "gettext_": None,
    "N_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "ngettext_": (1, 2),
}


def source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        SOURCE, METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalog(locale: str):
    with (i18n.LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def test_every_source_string_is_translated_to_french() -> None:
    # A plural message is known by its singular and translated only if every form is.
    french = {
        m.id if isinstance(m.id, str) else m.id[0]: m.string
        if isinstance(m.string, str)
        else all(m.string)
        for m in catalog("fr")
        if m.id
    }
    missing = sorted(m for m in source_messages() if not french.get(m))
    assert missing == [], f"run `make messages` and translate: {missing}"


def test_translations_follow_the_current_locale() -> None:
    token = i18n.set_locale("fr")
    try:
        assert i18n.gettext_("Sign out") == "Se déconnecter"
        i18n.set_locale("en")
        assert i18n.gettext_("Sign out") == "Sign out"
    finally:
        i18n._current.reset(token)


def test_an_unknown_locale_falls_back_to_the_default() -> None:
    token = i18n.set_locale("xx")
    try:
        assert i18n.get_locale() == i18n.DEFAULT_LOCALE
    finally:
        i18n._current.reset(token)
