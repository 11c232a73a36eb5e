"""Settings, read once."""
import os
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    SECRET_KEY: str = os.environ.get("SECRET_KEY", "")  # expect: SEC302
    ACCESS_TOKEN_EXPIRE_MINUTES: int = 60 * 24 * 8
    SHORT_TOKEN_EXPIRE_MINUTES: int = 15
    REMEMBER_ME_HOURS: int = Field(default=24 * 14)
    ALGORITHM: str = "HS256"


@lru_cache
def get_settings() -> Settings:
    return Settings()


settings = get_settings()
