"""The example service's routes."""
import logging

import requests
from fastapi import Depends, FastAPI, Query, Response

from app.api.deps import get_current_user
from app.core.config import BILLING_API
from app.core.security import create_access_token

app = FastAPI()
logger = logging.getLogger(__name__)


@app.post("/api/login")
def login(username: str, response: Response) -> dict:
    token = create_access_token(username, f"{username}@example.com")
    logger.info("issued %s for %s", token, username)  # TOK403
    response.set_cookie("access_token", token)  # TOK404
    return {"access_token": token, "token_type": "bearer"}


@app.get("/api/me")
def me(user: str = Depends(get_current_user)) -> dict:
    return {"user": user}


@app.get("/api/embed")
def embed(access_token: str = Query(...)) -> dict:  # TOK402
    return {"user": access_token[:8]}


@app.get("/api/invoices")
def invoices(token: str) -> list:
    by_url = requests.get(f"{BILLING_API}/invoices?access_token={token}")  # TOK401
    by_header = requests.get(  # TOK405
        "http://billing.example.com/api/invoices", headers={"Authorization": f"Bearer {token}"}
    )
    return by_url.json() + by_header.json()
