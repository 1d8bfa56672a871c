"""The app plus one empty page in each signed-in area, served by the register benchmark as its floor.

An empty page does what every signed-in page does before its own content: read the session cookie, load
the signed-in user, run the area's checks and render the area's layout (menu, language switch, CSRF token).
No page of that area can be faster, so its ratio to /healthz is the ceiling of every page's ratio. It is
only ever served by the benchmark (gunicorn 'bench.empty_pages:create_app()'); the app itself has no such
page.
"""

from flask import render_template
from jinja2 import ChoiceLoader, DictLoader

from app import create_app as create_real_app

#: The paths of the empty pages (under each area's blueprint, so its checks and layout apply).
PORTAL_EMPTY = "/portal/bench-empty"
STAFF_EMPTY = "/staff/bench-empty"

_TEMPLATES = {
    "bench/empty_portal.html": '{% extends "layouts/portal.html" %}{% block content %}{% endblock %}',
    "bench/empty_staff.html": '{% extends "layouts/staff.html" %}{% block content %}{% endblock %}',
}


def create_app():
    """The real app, with the two empty pages added."""
    app = create_real_app()
    app.jinja_env.loader = ChoiceLoader([DictLoader(_TEMPLATES), app.jinja_env.loader])
    app.add_url_rule(PORTAL_EMPTY, "portal.bench_empty", lambda: render_template("bench/empty_portal.html"))
    app.add_url_rule(STAFF_EMPTY, "staff.bench_empty", lambda: render_template("bench/empty_staff.html"))
    return app
