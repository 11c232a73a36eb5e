"""The project's own helper around the environment."""
import os


def env_or(name: str, fallback: str | None = None) -> str | None:
    return os.getenv(name, fallback)
