"""Security headers on every response.

The Content-Security-Policy allows scripts and styles only from our own origin: no inline script, no eval
(htmx is configured for that in layout.html: no eval, no script tags from responses, no injected styles).
"""
from __future__ import annotations

from flask import Flask, Response, current_app, g, request

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("HTTPS"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if _signed_in() and request.endpoint not in SHARED_ASSETS:
        # A plan's internal edition or a colleague's comment must not stay in a shared computer's cache.
        headers.setdefault("Cache-Control", "private, no-store")
    return response


# Our own CSS, JS and images are the same for everyone: the browser may keep them.
SHARED_ASSETS = ("static", "assets.packaged")


def _signed_in() -> bool:
    """Whether this request was made by a signed-in person, without loading them here (an error page for an
    unreachable database must not query it)."""
    user = g.get("_login_user")
    return user is not None and user.is_authenticated


def register(app: Flask) -> None:
    app.after_request(add_security_headers)
