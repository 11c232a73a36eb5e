"""Verification helpers with their options built in steps."""
import jwt

from app.core.config import settings


def peek_for_debugging(token: str) -> dict:
    opts = {"verify_signature": True, "require": ["exp"]}
    opts = {"verify_signature": False}
    return jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"], options=opts)  # expect: JWT105


def verify(token: str) -> dict:
    kwargs = {"algorithms": ["HS256"], "audience": "api", "issuer": "app", "options": {"require": ["exp"]}}
    return jwt.decode(token, settings.SECRET_KEY, **kwargs)


def verify_without_allowlist(token: str) -> dict:
    kwargs = {"audience": "api", "issuer": "app", "options": {"require": ["exp"]}}
    return jwt.decode(token, settings.SECRET_KEY, **kwargs)  # expect: JWT101
