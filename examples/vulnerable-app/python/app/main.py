"""The example service's routes."""
from fastapi import Depends, FastAPI

from app.api.deps import get_current_user
from app.core.security import create_access_token

app = FastAPI()


@app.post("/api/login")
def login(username: str) -> dict:
    return {"access_token": create_access_token(username), "token_type": "bearer"}


@app.get("/api/me")
def me(user: str = Depends(get_current_user)) -> dict:
    return {"user": user}
