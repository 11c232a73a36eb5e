"""Login routes: they choose the lifetimes the security module encodes."""
from datetime import timedelta

from app.core import security
from app.core.config import settings


def login(user):
    access_token_expires = timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES)
    return {"access": security.create_access_token(user.id, expires_delta=access_token_expires)}  # expect: JWT204


def remember_me(user):
    token_lifetime = timedelta(hours=settings.REMEMBER_ME_HOURS)
    return {"access": security.create_access_token(user.id, token_lifetime)}  # expect: JWT204


def quick_login(user):
    return {"access": security.create_access_token(user.id)}


def short_login(user):
    expires = timedelta(minutes=settings.SHORT_TOKEN_EXPIRE_MINUTES)
    return {"access": security.create_access_token(user.id, expires_delta=expires)}
