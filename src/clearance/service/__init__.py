"""The review service (``clearance serve``): a JSON API and a server-rendered UI over the review
queue, with API tokens and session cookies, problem+json errors, background batch screening and
webhook delivery. Build it with :func:`create_app`; ``docs/api.md`` describes the API."""

from clearance.service.app import create_app

__all__ = ["create_app"]
