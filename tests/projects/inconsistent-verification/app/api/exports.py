"""A route that decodes for itself."""
import jwt

from app.core.config import settings


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
