"""Routes."""
from app.api.deps import get_current_user
from app.api.exports import export_for


def me(token: str) -> dict:
    return {"user": get_current_user(token)}


def export(token: str) -> dict:
    return {"user": export_for(token)}
