"""The one place that touches htmx-flask: page-or-fragment rendering and HX-* responses."""

from flask import redirect, render_template, request
from htmx_flask import Htmx
from htmx_flask import make_response as htmx_response

htmx = Htmx()


def is_fragment_request():
    """Whether to answer with a fragment: an htmx request that is not a history restore."""
    hx = getattr(request, "htmx", None)
    return bool(hx) and not hx.history_restore_request


def render_page(page_template, fragment_template=None, *, status=200, trigger=None, **context):
    """Render the page, or only its fragment (a _partial the page includes) for htmx requests.

    Always sets `Vary: HX-Request` so that caches keep the two answers apart.
    """
    template = fragment_template if fragment_template and is_fragment_request() else page_template
    body = render_template(template, **context)
    response = htmx_response(body, status, trigger=trigger) if trigger else htmx_response(body, status)
    response.vary.add("HX-Request")
    return response


def client_redirect(url):
    """Leave the page: HX-Redirect for htmx requests (never swap a page into a fragment), else 303."""
    if request.headers.get("HX-Request") == "true":
        response = htmx_response("", 200, redirect=url)
        response.vary.add("HX-Request")
        return response
    return redirect(url, code=303)
