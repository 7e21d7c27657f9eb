"""Rendering a page in the user's language: one Jinja environment per language, gettext
catalogues read from the `.po` files at start (no build step), dates by babel."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context

from services.console.domain import labels
from services.console.domain.navigation import Entry
from services.console.domain.problems import PURPOSES, Term
from services.console.domain.sessions import direction

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
LOCALES = HERE / "locales"


def messages(locale: str) -> Catalog:
    """Every part's catalogue of `locale` (`console.po` first, then one per part) merged into
    one; a message only counts where it is translated."""
    merged = Catalog(locale=locale)
    for po in sorted((LOCALES / locale / "LC_MESSAGES").glob("*.po"), key=_core_first):
        with po.open("rb") as source:
            for message in read_po(source, locale=locale):
                known = merged.get(message.id, context=message.context)
                if message.id and _translated(message.string) and known is None:
                    merged[message.id] = message
    return merged


def catalogue(locale: str) -> NullTranslations:
    """The translations of `locale` (English, the source language, has none)."""
    merged = messages(locale)
    if not len(merged):
        return NullTranslations()
    compiled = io.BytesIO()
    write_mo(compiled, merged)
    compiled.seek(0)
    return Translations(fp=compiled)


def _translated(string: str | tuple[str, ...] | list[str] | None) -> bool:
    """A singular's text, or every plural form's."""
    if isinstance(string, tuple | list):
        return all(string)
    return bool(string)


def _core_first(po: Path) -> tuple[bool, str]:
    return (po.stem != "console", po.stem)


class Pages:
    """The console's templates, ready in each language it speaks."""

    def __init__(self, locales: tuple[str, ...], menu: Sequence[Entry] = ()) -> None:
        self.locales = locales
        self.menu = list(menu)
        self._envs = {locale: self._environment(locale) for locale in locales}

    def _environment(self, locale: str) -> Environment:
        env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            extensions=["jinja2.ext.i18n"],
        )
        translations = catalogue(locale)
        env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
        plain = cast(Callable[..., str], env.globals["gettext"])
        contextual = cast(Callable[..., str], env.globals["pgettext"])
        env.globals["_"] = env.globals["gettext"] = _in_context(plain, contextual)
        env.globals.update(
            locale=locale,
            menu=self.menu,
            purposes=PURPOSES,
            labels=labels,
            named=lambda table, code: translations.gettext(labels.label(table, code)),
            direction=direction(locale),
            day=lambda d: _day(d, locale),
            moment=lambda t, zone="Europe/Paris": _moment(t, zone, locale),
        )
        return env

    def render(self, locale: str, name: str, **context: Any) -> str:
        """The page `name` in `locale`."""
        return self._envs[locale].get_template(name).render(**context)


def _in_context(plain: Callable[..., str], contextual: Callable[..., str]) -> Callable[..., str]:
    """The pages' `_`: a message marked with its context (`pgettext` in domain code) is
    translated in that context, any other as it is."""

    @pass_context
    def gettext(context: Context, message: str, **variables: Any) -> str:
        if isinstance(message, Term):
            return contextual(context, message.context, str(message), **variables)
        return plain(context, message, **variables)

    return gettext


def _day(value: str | date, locale: str) -> str:
    on = date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(on, format="long", locale=locale)


def _moment(value: str | datetime, zone: str, locale: str) -> str:
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return format_datetime(at, format="medium", tzinfo=ZoneInfo(zone), locale=locale)
