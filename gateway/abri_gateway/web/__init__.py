"""The web front: pages the gateway serves to browsers as their backend-for-frontend.

Server-rendered Jinja2 templates styled with the French state design system (DSFR, served from the
project), a little progressive enhancement (htmx, one small script of ours), in four languages. The
pages call the services with the signed-in session's access token; tokens never reach the browser.
See ``docs/web.md``.
"""
