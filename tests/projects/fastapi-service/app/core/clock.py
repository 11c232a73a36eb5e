"""Expiry helpers."""
from datetime import datetime, timedelta, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def session_expiry() -> datetime:
    return utcnow() + timedelta(minutes=240)


def short_expiry() -> datetime:
    return utcnow() + timedelta(minutes=10)
