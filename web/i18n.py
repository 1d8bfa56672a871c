"""Choosing the user's language: ?lang=, the switch, the account, the browser, then Chinese."""

from flask import g, has_request_context, request, session
from flask_babel import get_translations
from flask_login import current_user

#: What people may type in ?lang= or send in Accept-Language, mapped to our catalogues.
ALIASES = {
    "zh": "zh_CN",
    "zh_cn": "zh_CN",
    "zh-cn": "zh_CN",
    "zh_hans": "zh_CN",
    "en": "en",
    "en_us": "en",
    "en-us": "en",
}


def normalise_locale(value):
    """Map a language tag to one of our locales, or None."""
    return ALIASES.get((value or "").strip().lower())


def remember_lang_param():
    """A before_request hook: `?lang=en` on any page switches the language for the session."""
    chosen = normalise_locale(request.args.get("lang"))
    if chosen and session.get("lang") != chosen:
        session["lang"] = chosen


#: Our locale codes -> Babel's canonical identifiers. "zh_CN" is only an alias in Babel's data;
#: parsing it walks every known locale (about 0.3 ms), the canonical "zh_Hans_CN" is a direct hit.
BABEL_IDS = {"zh_CN": "zh_Hans_CN", "en": "en"}


def select_locale():
    """Flask-Babel's locale selector (the default language outside a request, e.g. in the CLI)."""
    return BABEL_IDS[_chosen_locale()]


def _chosen_locale():
    """The user's language as one of our codes: ?lang=, the session, the account, the browser, Chinese."""
    default = "zh_CN"  # Chinese first
    if not has_request_context():
        return default
    chosen = normalise_locale(request.args.get("lang")) or session.get("lang")
    if chosen:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in BABEL_IDS:
        return current_user.locale
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"])
    return normalise_locale(best) or default


def _request_translations():
    """The current request's catalogue, looked up once per request rather than once per string."""
    translations = g.get("_template_translations")
    if translations is None:
        translations = g._template_translations = get_translations()
    return translations


def template_gettext(string):
    """gettext for templates (Jinja formats %(name)s placeholders itself)."""
    return _request_translations().ugettext(string)


def template_ngettext(singular, plural, n):
    """ngettext for templates."""
    return _request_translations().ungettext(singular, plural, n)


def template_pgettext(context, string):
    """pgettext for templates: the fast path translates constant ones while compiling, this does the rest."""
    return _request_translations().upgettext(context, string)


def install_template_gettext(app):
    """Make `_()` in templates cost a dictionary lookup: a page has dozens of strings."""
    app.jinja_env.install_gettext_callables(
        template_gettext, template_ngettext, newstyle=True, pgettext=template_pgettext
    )
