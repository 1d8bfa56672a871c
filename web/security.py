"""Response headers that keep pages from being framed, sniffed or running foreign scripts."""

#: Scripts, styles and everything else only from our own origin; no inline script at all.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def allow_form_posts_to(response, origin):
    """Let this page's forms lead to `origin` too (a pay button redirects to the provider's hosted page)."""
    if origin:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "form-action 'self'", f"form-action 'self' {origin}")
    return response


def set_security_headers(response):
    """An after_request hook adding CSP and the usual hardening headers."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    return response
