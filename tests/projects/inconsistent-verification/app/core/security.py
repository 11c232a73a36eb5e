"""Issuing the service's own session tokens."""
from datetime import datetime, timedelta, timezone

import jwt

from app.core.config import settings
from app.core.keys import KEY


def create_access_token(subject: str) -> str:
    payload = {
        "sub": subject,
        "aud": settings.AUDIENCE,
        "iss": settings.ISSUER,
        "exp": datetime.now(timezone.utc) + timedelta(minutes=15),
    }
    return jwt.encode(payload, settings.SECRET_KEY, algorithm="HS256")


def create_service_token(service: str) -> str:
    payload = {
        "sub": service,
        "aud": "services",
        "iss": settings.ISSUER,
        "exp": datetime.now(timezone.utc) + timedelta(minutes=5),
    }
    return jwt.encode(payload, KEY, algorithm="HS256")
