"""Token issuing and checking."""
from datetime import timedelta

import jwt

from app.core.clock import session_expiry, short_expiry, utcnow
from app.core.config import settings
from app.core.env import env_or

SIGNING_KEY = env_or("JWT_SIGNING_KEY", "fixture-secret-not-real-9001")  # expect: SEC302
VERIFY_KEY = env_or("JWT_VERIFY_KEY")


def create_access_token(subject: str, expires_delta: timedelta | None = None) -> str:
    expire = utcnow() + (expires_delta or timedelta(minutes=15))
    payload = {"exp": expire, "sub": subject}
    return jwt.encode(payload, settings.SECRET_KEY, algorithm=settings.ALGORITHM)


def create_session_token(subject: str) -> str:
    return jwt.encode({"exp": session_expiry(), "sub": subject}, settings.SECRET_KEY, algorithm="HS256")  # expect: JWT204


def create_download_token(subject: str) -> str:
    return jwt.encode({"exp": short_expiry(), "sub": subject}, settings.SECRET_KEY, algorithm="HS256")


def decode_token(token: str, lenient: bool = False) -> dict:
    options = {"require": ["exp"]}
    if lenient:
        options["verify_exp"] = False
    return jwt.decode(
        token, settings.SECRET_KEY, algorithms=["HS256"], audience="api", issuer="app", options=options
    )


def create_service_token(service: str) -> str:
    payload = {"sub": service}
    payload["scope"] = "internal"
    return jwt.encode(payload, settings.SECRET_KEY, algorithm="HS256")  # expect: JWT203
