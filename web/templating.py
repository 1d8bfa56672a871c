"""One compiled copy of each template per language, with its constant strings already translated.

A page has dozens of `_("...")` strings. Translated at render time, each is a context call, a catalogue
lookup, a Markup and a `%` format: about a tenth of the cost of a page. Most of them are constants, so
the app's Jinja environment keeps one overlay per language (same loader, filters and globals, its own
template cache) and translates `_("constant")` once, when the overlay compiles the template. Strings
with placeholders (`_("Floor %(floor)s", floor=...)`), `ngettext` and variables are left to the runtime
gettext as before.

It also writes each `{{ value }}` as escaped text without making a Markup of it first (see `html_text`).
"""

from flask import has_app_context
from flask.templating import Environment
from flask_babel import get_locale, get_translations
from jinja2.compiler import CodeGenerator
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from markupsafe import escape

try:
    # The C function behind markupsafe.escape: the escaped text as a plain str, without the Markup around it.
    from markupsafe import _escape_inner
except ImportError:  # pragma: no cover - a MarkupSafe that moved it: the same text, only slower

    def _escape_inner(text):
        return str(escape(text))


#: Templates whose output Flask autoescapes (flask.Flask.select_jinja_autoescape): there the runtime gettext
#: returns Markup, so the constant is marked safe the same way.
_AUTOESCAPED = (".html", ".htm", ".xml", ".xhtml", ".svg")


class ConstantGettext(Extension):
    """Rewrite `_("text")` and `pgettext("context", "text")` (string literals, nothing else) to the translated
    literal while compiling."""

    def filter_stream(self, stream):
        """Yield the template's tokens with each constant `_("text")` replaced by its translation."""
        tokens = list(stream)
        autoescaped = (stream.name or "").endswith(_AUTOESCAPED)
        translations = get_translations()
        out, i = [], 0
        while i < len(tokens):
            token = tokens[i]
            replacement, used = self._translated(tokens, i, translations, autoescaped), 4
            if replacement is None:
                replacement, used = self._translated_in_context(tokens, i, translations, autoescaped), 6
            if replacement is None:
                out.append(token)
                i += 1
            else:
                out.extend(replacement)
                i += used
        return TokenStream(iter(out), stream.name, stream.filename)

    @staticmethod
    def _translated(tokens, i, translations, autoescaped):
        """The tokens that replace tokens[i:i + 4] if they are `_ ( "text" )`, else None."""
        window = tokens[i : i + 4]
        if len(window) < 4 or [t.type for t in window] != ["name", "lparen", "string", "rparen"]:
            return None
        if window[0].value != "_" or (i and tokens[i - 1].type == "dot"):
            return None
        try:
            # What the newstyle gettext does at runtime: always a %-format, even without variables.
            text = translations.ugettext(window[2].value) % {}
        except (TypeError, ValueError, KeyError):
            return None  # a string the runtime gettext would fail on: leave it to fail there
        return _literal(window[0].lineno, text, autoescaped)

    @staticmethod
    def _translated_in_context(tokens, i, translations, autoescaped):
        """The tokens that replace tokens[i:i + 6] if they are `pgettext ( "context" , "text" )`, else None."""
        window = tokens[i : i + 6]
        if len(window) < 6 or [t.type for t in window] != ["name", "lparen", "string", "comma", "string", "rparen"]:
            return None
        if window[0].value != "pgettext" or (i and tokens[i - 1].type == "dot"):
            return None
        try:
            # What the newstyle pgettext does at runtime: a %-format with the context as a variable.
            text = translations.upgettext(window[2].value, window[4].value) % {"context": window[2].value}
        except (TypeError, ValueError, KeyError):
            return None
        return _literal(window[0].lineno, text, autoescaped)


def _literal(line, text, autoescaped):
    """Tokens of a translated string literal, marked safe where the runtime gettext would return Markup."""
    if not autoescaped:
        return [Token(line, "string", text)]
    return [
        Token(line, "lparen", "("),
        Token(line, "string", text),
        Token(line, "pipe", "|"),
        Token(line, "name", "safe"),
        Token(line, "rparen", ")"),
    ]


def html_text(value, _str=str, _int=int, _escape=_escape_inner):
    """`{{ value }}` in an autoescaped template: exactly the text of str(markupsafe.escape(value)).

    Jinja writes each output as escape(value), a Markup only to be joined into the page at once; making that
    Markup (a Python-level __new__ and an __html__ check) cost more than the escaping itself, about a tenth of
    a 50-row list page. Markup and other objects with __html__ are still trusted the same way.
    """
    kind = type(value)
    if kind is _str:
        return _escape(value)
    if kind is _int:
        return _str(value)  # digits and a sign: nothing to escape
    html = getattr(value, "__html__", None)
    if html is not None:
        return html()
    return _escape(_str(value))


class TextOutputCodeGenerator(CodeGenerator):
    """Jinja's code generator, with `{{ value }}` in autoescaped templates compiled to html_text(value).

    Where output goes through escape() it only ever reaches the page's join, or a buffer that Jinja joins and
    marks safe (macros, `{% set %}` blocks, filter and call blocks), so plain escaped text is the same there.
    Templates that switch escaping at runtime (`{% autoescape expr %}`) keep Jinja's own code.
    """

    def _output_child_pre(self, node, frame, finalize):
        """Open the call that turns one output expression into text."""
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            self.write("environment.html_text(")
            if finalize.src is not None:
                self.write(finalize.src)
        else:
            super()._output_child_pre(node, frame, finalize)


class LocalisedEnvironment(Environment):
    """Flask's Jinja environment, handing every template lookup to the overlay of the current language."""

    code_generator_class = TextOutputCodeGenerator
    html_text = staticmethod(html_text)

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
