"""A route that decodes for itself."""
import os

import jwt

from app.core.config import settings

# Another module-level `KEY`, of another variable: not the service key.
KEY = os.environ["REPORTS_TOKEN_SECRET"]


def export_for(token: str) -> str:
    claims = jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"])  # expect: JWT206
    return claims["sub"]


def webhook_sender(token: str) -> str:
    # One more algorithm of the family with the same key lets no one else in.
    claims = jwt.decode(  # ok
        token,
        settings.SECRET_KEY,
        algorithms=["HS256", "HS512"],
        audience=settings.AUDIENCE,
        issuer=settings.ISSUER,
    )
    return claims["sub"]


def nightly_job(token: str) -> str:
    claims = jwt.decode(  # expect: JWT206
        token,
        settings.SECRET_KEY,
        algorithms=["HS256"],
        audience=settings.AUDIENCE,
        issuer=settings.ISSUER,
        leeway=120,
    )
    return claims["sub"]


def report_download(token: str) -> str:
    claims = jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"], audience=settings.AUDIENCE)  # expect: JWT206
    return claims["sub"]


def partner_callback(token: str) -> str:
    # Another key: nothing to compare with.
    claims = jwt.decode(  # ok
        token,
        settings.PARTNER_KEY,
        algorithms=["HS256"],
        audience="partners",
        issuer="https://partners.example.com",
        options={"require": ["exp"]},
    )
    return claims["sub"]


def decode_with(token: str, key: str) -> dict:
    # A key the caller passes: which tokens it accepts cannot be told.
    return jwt.decode(token, key, algorithms=["HS256"])  # ok


def service_export(token: str) -> str:
    # The service key, read where it is used instead of imported: the same
    # key as `app.core.keys.KEY`, checked less than `get_service` does.
    claims = jwt.decode(token, os.environ["SERVICE_TOKEN_SECRET"], algorithms=["HS256"])  # expect: JWT206
    return claims["sub"]


def reports_feed(token: str) -> str:
    # Named like the service key, but another variable's: nothing to compare
    # with, and nothing here signs with it (someone else's token).
    claims = jwt.decode(token, KEY, algorithms=["HS256"])  # expect: JWT202
    return claims["sub"]
