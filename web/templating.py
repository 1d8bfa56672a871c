"""One compiled copy of each template per language, with its constant strings already translated.

A page has dozens of `_("...")` strings. Translated at render time, each is a context call, a catalogue
lookup, a Markup and a `%` format: about a tenth of the cost of a page. Most of them are constants, so
the app's Jinja environment keeps one overlay per language (same loader, filters and globals, its own
template cache) and translates `_("constant")` once, when the overlay compiles the template. Strings
with placeholders (`_("Floor %(floor)s", floor=...)`), `ngettext` and variables are left to the runtime
gettext as before.
"""

from flask import has_app_context
from flask.templating import Environment
from flask_babel import get_locale, get_translations
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream

#: Templates whose output Flask autoescapes (flask.Flask.select_jinja_autoescape): there the runtime gettext
#: returns Markup, so the constant is marked safe the same way.
_AUTOESCAPED = (".html", ".htm", ".xml", ".xhtml", ".svg")


class ConstantGettext(Extension):
    """Rewrite `_("text")` (one string literal, nothing else) to the translated literal while compiling."""

    def filter_stream(self, stream):
        """Yield the template's tokens with each constant `_("text")` replaced by its translation."""
        tokens = list(stream)
        autoescaped = (stream.name or "").endswith(_AUTOESCAPED)
        translations = get_translations()
        out, i = [], 0
        while i < len(tokens):
            token = tokens[i]
            replacement = self._translated(tokens, i, translations, autoescaped)
            if replacement is None:
                out.append(token)
                i += 1
            else:
                out.extend(replacement)
                i += 4
        return TokenStream(iter(out), stream.name, stream.filename)

    @staticmethod
    def _translated(tokens, i, translations, autoescaped):
        """The tokens that replace tokens[i:i + 4] if they are `_ ( "text" )`, else None."""
        window = tokens[i:i + 4]
        if len(window) < 4 or [t.type for t in window] != ["name", "lparen", "string", "rparen"]:
            return None
        if window[0].value != "_" or (i and tokens[i - 1].type == "dot"):
            return None
        try:
            # What the newstyle gettext does at runtime: always a %-format, even without variables.
            text = translations.ugettext(window[2].value) % {}
        except (TypeError, ValueError, KeyError):
            return None  # a string the runtime gettext would fail on: leave it to fail there
        line = window[0].lineno
        if not autoescaped:
            return [Token(line, "string", text)]
        return [Token(line, "lparen", "("), Token(line, "string", text), Token(line, "pipe", "|"),
                Token(line, "name", "safe"), Token(line, "rparen", ")")]


class LocalisedEnvironment(Environment):
    """Flask's Jinja environment, handing every template lookup to the overlay of the current language."""

    def _localised(self):
        """The overlay of the current locale (made on first use), or self outside a locale or inside an overlay."""
        if self.overlayed or not has_app_context():
            return self
        locale = get_locale()
        if locale is None:
            return self
        key = str(locale)
        overlays = self.__dict__.setdefault("_overlays", {})
        overlay = overlays.get(key)
        if overlay is None:
            # Its own cache: a template compiled for another language (or none) must not be shared.
            overlay = overlays[key] = self.overlay(extensions=[ConstantGettext], cache_size=self.cache.capacity)
        return overlay

    def get_template(self, name, parent=None, globals=None):
        """Load `name` from the current language's overlay."""
        env = self._localised()
        if env is self:
            return super().get_template(name, parent, globals)
        return env.get_template(name, parent, globals)

    def select_template(self, names, parent=None, globals=None):
        """The first of `names` that exists, from the current language's overlay."""
        env = self._localised()
        if env is self:
            return super().select_template(names, parent, globals)
        return env.select_template(names, parent, globals)

    def from_string(self, source, globals=None, template_class=None):
        """Compile a template string in the current language's overlay."""
        env = self._localised()
        if env is self:
            return super().from_string(source, globals, template_class)
        return env.from_string(source, globals, template_class)
