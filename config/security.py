"""Security headers for every response, chiefly the Content-Security-Policy.

Pages load scripts, styles, images and fonts from our own origin only, with
no inline scripts or styles ('unsafe-inline' is never allowed), so injected
markup cannot run. Views that need something else (the API's browsable docs)
may set their own Content-Security-Policy header, which is left untouched.
"""

from django.conf import settings

DEFAULT_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

OTHER_HEADERS = {
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy (settings.CONTENT_SECURITY_POLICY,
    default above) and the other headers unless a view already set them."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        # A 304 updates the headers of the copy the reader or a proxy holds
        # (RFC 9111 4.3.4): the policy that copy came with stands. The
        # default here would replace a view's own (the chart embed page's
        # frame-ancestors *, the API docs' script sources).
        if self.policy and response.status_code != 304 and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        for name, value in OTHER_HEADERS.items():
            if name not in response:
                response[name] = value
        return response
