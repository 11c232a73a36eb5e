"""Settings for the example service. The values here are fake."""
import os
import secrets

PROJECT_NAME = "vulnerable-app"
ALGORITHM = "HS256"
ACCESS_TOKEN_EXPIRE_MINUTES = 60 * 24 * 8
DATABASE_URL = os.getenv("DATABASE_URL", "sqlite:///./app.db")

# "So the app starts without any setup."
JWT_SECRET = os.getenv("JWT_SECRET", "dev-secret-not-real-0000")  # SEC302
# Regenerated at every start: 16 bytes is too short for HS256.
REFRESH_SECRET = secrets.token_hex(16)  # SEC304

BILLING_API = "http://billing.example.com/api"
