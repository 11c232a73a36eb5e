"""Settings, from the environment."""
import os


class Settings:
    SECRET_KEY = os.environ["SECRET_KEY"]
    PARTNER_KEY = os.environ["PARTNER_KEY"]
    AUDIENCE = "api"
    ISSUER = "https://auth.example.com"


settings = Settings()
