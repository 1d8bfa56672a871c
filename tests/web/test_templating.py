"""The app's template environment writes exactly what Jinja's own would, escaping included."""

import enum
from decimal import Decimal

from flask.templating import Environment as PlainFlaskEnvironment
from jinja2 import Environment
from markupsafe import Markup, escape

from app import create_app
from tests import builders
from tests.conftest import FastPathOn, SuiteConfig
from web.templating import LocalisedEnvironment, html_text


class Shade(enum.IntEnum):
    DARK = 1


class Snippet:
    def __html__(self):
        return "<i>trusted</i>"

    def __str__(self):
        return "<i>not this</i>"


VALUES = [
    "",
    "plain",
    "<script>alert('x')</script>",
    'a "quoted" & <b>',
    "中文 & 英文",
    0,
    -12,
    10**20,
    True,
    None,
    1.5,
    Decimal("3.10"),
    Shade.DARK,
    Markup("<b>safe</b>"),
    Snippet(),
    ["<li>"],
    {"k": "<v>"},
]

SOURCE = """{% macro cell(v) %}<td>{{ v }}</td>{% endmacro -%}
{% macro wrap() %}<div>{{ caller() }}</div>{% endmacro -%}
{% set block %}<p>{{ value }}</p>{% endset -%}
{{ value }}|{{ cell(value) }}|{{ block }}|{% filter upper %}{{ value }}{% endfilter %}|
{%- call wrap() %}{{ value }}{% endcall %}|{{ value ~ "<x>" }}|{{ value | e }}|
{%- autoescape false %}{{ value }}{% endautoescape %}|{% for v in [value, value] %}{{ loop.index }}{{ v }}{% endfor %}"""  # noqa: E501


class FastPathOff(SuiteConfig):
    TEMPLATE_FAST_PATH = False


def test_the_switch_chooses_the_template_environment():
    assert type(create_app(FastPathOn).jinja_env) is LocalisedEnvironment
    plain = create_app(FastPathOff)
    assert type(plain.jinja_env) is PlainFlaskEnvironment
    assert "environment.html_text(" not in plain.jinja_env.compile("{{ value }}", "page.html", raw=True)


def test_html_text_is_the_text_of_markupsafe_escape():
    for value in VALUES:
        assert html_text(value) == str(escape(value)), value


def test_pages_render_exactly_as_with_jinjas_own_escaping(fast_path_app):
    app = fast_path_app
    jinja = Environment(autoescape=True)
    with app.app_context(), app.test_request_context("/"):
        ours = app.jinja_env.from_string(SOURCE)
        for value in VALUES:
            assert ours.render(value=value) == jinja.from_string(SOURCE).render(value=value), value
        # The app's templates really take the fast path (a Jinja that renames the hook would silently skip it).
        assert "environment.html_text(" in app.jinja_env.compile("{{ value }}", "page.html", raw=True)


def test_a_page_still_escapes_what_staff_typed(app, client, auth, prop):
    """End to end through a real page: a household member's name is shown as text, never as markup."""
    unit = builders.create_unit(builders.create_building(prop))
    resident = builders.create_resident(prop, unit)
    builders.create_resident(prop, unit, name='<b onclick="x()">李</b>', account=False)
    auth.login_resident(resident.user)
    html = client.get("/portal/").get_data(as_text=True)
    assert "<b onclick" not in html
    assert "&lt;b onclick=&#34;x()&#34;&gt;李&lt;/b&gt;" in html


def test_pgettext_of_a_variable_is_translated_when_the_page_renders(app):
    """Only constant pgettext calls are translated while compiling; the runtime one does the rest, both ways."""
    from flask import render_template_string

    with app.app_context(), app.test_request_context("/"):
        assert render_template_string('{{ pgettext("button", word) }}', word="Record") == "记录"
