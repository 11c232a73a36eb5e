"""The service-to-service key, under a name that says nothing of it."""
import os

KEY = os.environ["SERVICE_TOKEN_SECRET"]
