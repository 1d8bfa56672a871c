"""Response headers that keep pages from being framed, sniffed, cached or running foreign scripts."""

from flask import current_app, request, session

#: Scripts, styles and everything else only from our own origin; no inline script at all.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def allow_form_posts_to(response, origin):
    """Let this page's forms lead to `origin` too (a pay button redirects to the provider's hosted page)."""
    if origin:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "form-action 'self'", f"form-action 'self' {origin}"
        )
    return response


def set_security_headers(response):
    """An after_request hook adding CSP and the usual hardening headers.

    Every page of a signed-in session is `no-store` (a shared or back-buttoned browser must not show it after
    sign-out), whatever the view set; other signed-in answers without a policy of their own get it too (a photo
    keeps its `private` caching); static files are not touched. In production, HSTS keeps browsers on HTTPS.
    """
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if (
        request.endpoint != "static"
        and "_user_id" in session
        and (response.mimetype == "text/html" or "Cache-Control" not in headers)
    ):
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    hsts = current_app.config["HSTS_SECONDS"]
    if hsts:
        headers.setdefault("Strict-Transport-Security", f"max-age={hsts}; includeSubDomains")
    return response
