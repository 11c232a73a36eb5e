"""Token helpers, with the mistakes authlint exists to catch."""
from datetime import datetime, timedelta, timezone

import jwt

from app.core.config import ACCESS_TOKEN_EXPIRE_MINUTES, ALGORITHM

# Fake key for the example. A real one belongs in the environment.
SIGNING_KEY = "example-signing-key-not-real-1234"  # SEC303


def create_access_token(subject: str, email: str) -> str:
    expire = datetime.now(timezone.utc) + timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES)
    payload = {"sub": subject, "email": email, "exp": expire}
    return jwt.encode(payload, SIGNING_KEY, algorithm=ALGORITHM)  # SEC301, JWT204, JWT205


def decode_access_token(token: str) -> dict:
    return jwt.decode(token, SIGNING_KEY)  # JWT101, SEC301 (its own token, always signed with exp: no JWT202)


def read_claims_for_logging(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})  # JWT105


def create_debug_token(subject: str) -> str:
    return jwt.encode({"sub": subject}, None, algorithm="none")  # JWT102, JWT203
