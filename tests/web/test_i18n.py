"""Chinese by default, English on request: the switch, ?lang=, Accept-Language, the account's choice."""

import re

from babel.messages.pofile import read_po

from config import BASE_DIR
from domain.accounts.models import User
from domain.accounts.roles import Role
from extensions import db
from tests import builders


def test_chinese_is_the_default(client):
    html = client.get("/staff/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in html and "登录" in html


def test_lang_parameter_switches_and_sticks_for_the_session(client):
    assert "Sign in" in client.get("/staff/login?lang=en").get_data(as_text=True)
    assert 'lang="en"' in client.get("/portal/login").get_data(as_text=True)


def test_browser_language_is_followed(client):
    html = client.get("/portal/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="en"' in html
    html = client.get("/portal/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert 'lang="zh-CN"' in html


def test_switch_button_changes_language_goes_back_and_is_remembered_on_the_account(client, auth):
    user = builders.create_staff(Role.FRONTDESK)
    auth.login_staff(user)
    response = client.post("/lang", data={"lang": "en", "next": "/staff/units/?q=12"})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/units/?q=12"
    assert "Units" in client.get("/staff/units/").get_data(as_text=True)
    assert db.session.get(User, user.id).locale == "en"


def test_switch_never_redirects_off_site(client):
    response = client.post("/lang", data={"lang": "en", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_money_and_dates_follow_the_language(app):
    from datetime import date

    from flask_babel import refresh

    from web.filters import date_local, fen

    with app.test_request_context("/?lang=en"):
        assert fen(123456) == "CN¥1,234.56"
        assert date_local(date(2026, 3, 1)) == "Mar 1, 2026"
    with app.test_request_context("/"):
        refresh()  # the locale is cached per app context
        assert fen(123456) == "¥1,234.56"
        assert date_local(date(2026, 3, 1)) == "2026年3月1日"


def test_chinese_catalogue_is_complete_and_keeps_placeholders():
    with open(BASE_DIR / "translations/zh_Hans_CN/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle)
    with open(BASE_DIR / "translations/messages.pot", "rb") as handle:
        template = read_po(handle)
    missing = [
        (m.context, m.id)
        for m in template
        if m.id and (catalog.get(m.id, context=m.context) is None or not catalog.get(m.id, context=m.context).string)
    ]
    assert missing == [], f"untranslated: {missing[:10]}"
    import re

    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\(\w+\)s", ids[-1]))
        for string in strings:
            assert set(re.findall(r"%\(\w+\)s", string)) == wanted, message.id
        assert "fuzzy" not in message.flags, message.id


def test_chinese_catalogue_has_each_message_once():
    """Entries appended side by side on several branches merge by union: a message twice is silently the last one."""
    text = (BASE_DIR / "translations/zh_Hans_CN/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    keys = re.findall(r'(?m)^(?:msgctxt (".*")\n)?msgid ((?:".*"\n)+)', text)
    seen, twice = set(), []
    for key in keys:
        if key in seen and key[1] != '""\n':
            twice.append(key)
        seen.add(key)
    assert twice == [], f"twice in the catalogue: {twice[:10]}"


def test_constant_strings_are_translated_once_per_language_when_the_template_compiles(fast_path_app, monkeypatch):
    app = fast_path_app
    from flask import render_template_string
    from jinja2 import pass_context

    source = '{{ _("Home") }}|{{ _("Floor %(floor)s", floor="<3>") }}|{{ _("Home") + "<b>" }}|{{ x._("Home") }}'
    calls = []
    runtime = app.jinja_env.globals["gettext"]

    @pass_context
    def counting(context, string, **variables):
        calls.append(string)
        return runtime(context, string, **variables)

    monkeypatch.setitem(app.jinja_env.globals, "gettext", counting)

    class X:
        @staticmethod
        def _(text):
            return f"method:{text}"

    with app.app_context(), app.test_request_context("/?lang=en"):  # a fresh app context per request, as in use
        assert render_template_string(source, x=X()) == "Home|Floor &lt;3&gt;|Home&lt;b&gt;|method:Home"
    with app.app_context(), app.test_request_context("/"):
        assert render_template_string(source, x=X()) == "首页|&lt;3&gt; 层|首页&lt;b&gt;|method:Home"
    # Only the string with a placeholder went through gettext at render time, once per language.
    assert calls == ["Floor %(floor)s", "Floor %(floor)s"]


def test_dates_and_times_read_as_babel_writes_them_in_both_languages(app):
    """The filter's cached patterns give exactly flask_babel.format_datetime's text, in the property's zone."""
    import random
    from datetime import UTC, datetime, timedelta

    from flask_babel import format_datetime

    from web.filters import datetime_local

    rng = random.Random(7)
    moments = [datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(400_000_000)) for _ in range(200)]
    for query in ("/?lang=en", "/?lang=zh"):
        with app.app_context(), app.test_request_context(query):
            for fmt in ("short", "medium", "long"):
                assert [datetime_local(m, fmt) for m in moments] == [format_datetime(m, fmt) for m in moments]
    with app.app_context(), app.test_request_context("/?lang=zh"):
        assert datetime_local(datetime(2026, 3, 1, 16, 5, tzinfo=UTC), "short") == "2026/3/2 00:05"


# Words with two meanings ----------------------------------------------------------------------------------


def test_pgettext_in_a_template_is_translated_in_both_languages_when_the_template_compiles(fast_path_app, monkeypatch):
    app = fast_path_app
    from flask import render_template_string
    from jinja2 import pass_context

    source = (
        '{{ pgettext("button", "Record") }}|{{ _("Record") }}|{{ pgettext("button", "Void") }}|{{ _("Void") }}'
        '|{{ pgettext("collection", "Rate") }}|{{ pgettext("reading", "Current") }}|{{ _("Current") }}'
        '|{{ pgettext("button", "Not in the catalogue") }}'
    )
    calls = []
    runtime = app.jinja_env.globals["pgettext"]

    @pass_context
    def counting(context, *args, **variables):
        calls.append(args)
        return runtime(context, *args, **variables)

    monkeypatch.setitem(app.jinja_env.globals, "pgettext", counting)
    with app.app_context(), app.test_request_context("/"):
        assert render_template_string(source) == "记录|对象|作废|已作废|收费率|本期|当前|Not in the catalogue"
    with app.app_context(), app.test_request_context("/?lang=en"):
        assert render_template_string(source) == "Record|Record|Void|Void|Rate|Current|Current|Not in the catalogue"
    assert calls == []  # constants: translated when the template compiled, not per render


def test_make_messages_extracts_strings_with_a_context(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    makefile = (BASE_DIR / "Makefile").read_text()
    keywords = re.search(r"pybabel extract (.*?) -o ", makefile).group(1).split()
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "-q",
            "extract",
            *keywords,
            "-o",
            str(pot),
            "--no-location",
            "staff",
            "templates",
        ],
        cwd=BASE_DIR,
        check=True,
    )
    with open(pot, "rb") as handle:
        catalog = read_po(handle)
    assert catalog.get("Record", context="button") is not None  # templates' pgettext
    assert catalog.get("Record") is not None  # the noun, apart
    assert catalog.get("Tell from the number") is not None


def test_record_buttons_say_the_verb_not_the_noun(app, client, auth, prop):
    """The ticket intake, the engineer's work log and the renovation inspection: 记录, never 对象 (the audit log's
    column)."""
    from tests.web.test_renovations import permitted
    from tests.web.test_staff_tickets import claimed_by

    unit = builders.create_unit(number="1203")
    owner = builders.create_resident(prop, unit=unit, name="王芳")

    def buttons(url):
        html = client.get(url).get_data(as_text=True)
        return [re.sub(r"<[^>]+>", "", b).strip() for b in re.findall(r"<button[^>]*>(.*?)</button>", html, re.S)]

    application_id = permitted(client, auth, prop, unit, owner)
    auth.login_staff(builders.create_staff(Role.SECURITY))
    assert "记录" in buttons(f"/staff/renovations/{application_id}")
    auth.logout("staff")

    engineer = builders.create_staff(Role.ENGINEERING)
    ticket = claimed_by(prop, engineer, unit=unit, resident=owner)
    auth.login_staff(engineer)
    assert "记录" in buttons(f"/staff/tickets/{ticket.id}")
    # The timeline's first event is that the ticket was recorded (已登记), not a column of times (录入时间).
    timeline = client.get(f"/staff/tickets/{ticket.id}").get_data(as_text=True)
    assert "<strong>已登记</strong>" in timeline and "<strong>录入时间</strong>" not in timeline
    auth.logout("staff")

    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    assert "记录" in buttons("/staff/tickets/new")
    for url in (f"/staff/tickets/{ticket.id}", "/staff/tickets/new"):
        assert "对象" not in buttons(url)


#: Words that are a verb on a button and a noun or a state elsewhere ("Record" the action, "Record" the audited row).
TWO_MEANINGS = {
    "Record",
    "Open",
    "Close",
    "Closed",
    "Return",
    "Returned",
    "Check",
    "Issue",
    "Report",
    "Book",
    "Order",
    "Review",
    "Visit",
    "Claim",
    "Pass",
    "Notice",
    "Sign",
    "Lock",
    "Transfer",
    "Charge",
    "Refund",
    "Void",
    "Deposit",
    "Export",
    "Done",
    "Rate",
    "Log",
    "Plan",
    "Update",
    "Comment",
    "Callback",
}


def test_buttons_with_a_word_of_two_meanings_say_which_one():
    """On a button, such a word is pgettext("button", ...), so the catalogue gives the verb there."""
    found = []
    for path in (BASE_DIR / "templates").rglob("*.html"):
        for button in re.findall(r"<button[^>]*>.*?</button>|<summary[^>]*>.*?</summary>", path.read_text(), re.S):
            found += [(path.name, word) for word in re.findall(r'\b_\("([^"]+)"\)', button) if word in TWO_MEANINGS]
    assert found == [], "give these buttons pgettext('button', ...)"
