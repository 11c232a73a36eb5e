"""Request dependencies: who is calling?"""
from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt

from app.core import config

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/login")

# Accepting "none" was meant to be temporary, for a test client.
ACCEPTED_ALGORITHMS = ["HS256", "none"]


def get_current_user(token: str = Depends(oauth2_scheme)) -> str:
    try:
        payload = jwt.decode(token, config.SECRET_KEY, algorithms=ACCEPTED_ALGORITHMS)  # JWT102
    except JWTError:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="invalid token")
    return payload["sub"]
