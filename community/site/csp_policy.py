"""The site's Content-Security-Policy settings (django-csp 4), read by settings.py.

``community/site/csp.py`` applies them; the rules are in docs/security.md.
"""

from csp import constants as csp_constants

# Content-Security-Policy (django-csp 4, community/site/csp.py; rules in docs/security.md).
# Member-facing pages: only scripts carrying this response's nonce run ('strict-dynamic'
# lets them load others); styles from our files or a nonced <style> (the brand theme).
CSP_REPORT_PATH = "/csp-report/"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp_constants.SELF],
        "script-src": [csp_constants.NONCE, csp_constants.STRICT_DYNAMIC],
        "style-src": [csp_constants.SELF, csp_constants.NONCE],
        "img-src": [csp_constants.SELF, "data:"],
        "connect-src": [csp_constants.SELF],  # fetch and the /ws/ socket (same origin)
        # Videos in articles (cms.blocks.VideoBlock): the players of YouTube and Vimeo.
        "frame-src": [
            "https://www.youtube.com",
            "https://www.youtube-nocookie.com",
            "https://player.vimeo.com",
        ],
        "object-src": [csp_constants.NONE],
        "base-uri": [csp_constants.SELF],
        "frame-ancestors": [csp_constants.NONE],
        "report-uri": [CSP_REPORT_PATH],
    },
}
# The Django admin (/admin/) and Wagtail's (/cms/) ship inline scripts, styles and
# handlers: their own policy allows inline code but still only from our origin, no
# plugins, no foreign <base>, framed only by our own pages (Wagtail's preview).
CSP_ADMIN_PREFIXES = ("/admin/", "/cms/")
CSP_ADMIN_DIRECTIVES = {
    "default-src": [csp_constants.SELF],
    "script-src": [csp_constants.SELF, csp_constants.UNSAFE_INLINE],
    "style-src": [csp_constants.SELF, csp_constants.UNSAFE_INLINE],
    "img-src": [csp_constants.SELF, "data:", "blob:"],
    "font-src": [csp_constants.SELF, "data:"],
    "connect-src": [csp_constants.SELF],  # so no update check or other call leaves the site
    "frame-src": [csp_constants.SELF],
    "object-src": [csp_constants.NONE],
    "base-uri": [csp_constants.SELF],
    "frame-ancestors": [csp_constants.SELF],
    "form-action": [csp_constants.SELF],
    "report-uri": [CSP_REPORT_PATH],
}
