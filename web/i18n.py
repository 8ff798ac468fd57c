"""Languages of the public campaign pages (Flask-Babel): English and Spanish.

Only the constituent-facing `/act` pages are translated; a visitor's choice
(`?lang=es`, the switcher on every /act page) is kept in the session, else the
browser's Accept-Language decides. Other pages stay English and say so in `lang`.
Catalogs: `web/translations/<lang>/LC_MESSAGES/messages.po`; after editing one run
`.venv/bin/pybabel compile -d web/translations`. A campaign's own text (title,
introduction, starting words) is translated by its owner on the campaign form and
stored in `campaigns.translations`.
"""

from __future__ import annotations

from flask import Flask, request, session
from flask_babel import Babel, get_locale, gettext

from tracker.phrases import translated

LANGUAGES = ("en", "es")
LANGUAGE_NAMES = {"en": "English", "es": "Español"}
PUBLIC_BLUEPRINTS = ("act",)


def chosen_language() -> str:
    """The visitor's language on public pages; `en` everywhere else."""
    if request.blueprint not in PUBLIC_BLUEPRINTS:
        return "en"
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
        return asked
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    return request.accept_languages.best_match(LANGUAGES) or "en"


def campaign_text(campaign, field: str) -> str:  # noqa: ANN001
    """A campaign's own text in the page's language, when its owner translated it."""
    lang = str(get_locale() or "en")
    translated = ((campaign.translations or {}).get(lang) or {}).get(field)
    return translated or getattr(campaign, field) or ""


def init_app(app: Flask) -> None:
    """Install the locale selector and the template helpers."""
    Babel(app, locale_selector=chosen_language)
    # `{{ gap.reason|tr }}`: a domain message (a `tracker.phrases.Phrase` or a plain
    # English message id) in the page's language.
    app.jinja_env.filters["tr"] = lambda text: translated(text, gettext)

    @app.context_processor
    def _languages() -> dict:
        return {
            "page_lang": str(get_locale() or "en"),
            "languages": LANGUAGE_NAMES,
            "campaign_text": campaign_text,
        }
