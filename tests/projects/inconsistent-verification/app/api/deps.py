"""The central check every route should go through."""
import jwt

from app.core.config import settings


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
