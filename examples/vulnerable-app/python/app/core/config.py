"""Settings for the example service. The values here are fake."""
import os

PROJECT_NAME = "vulnerable-app"
ALGORITHM = "HS256"
ACCESS_TOKEN_EXPIRE_MINUTES = 60 * 24 * 8
DATABASE_URL = os.getenv("DATABASE_URL", "sqlite:///./app.db")
