"""Tokens from partner systems, each signed with its own key."""
import jwt

PARTNER_PUBLIC_KEY = open("keys/partner.pem").read()
AUDIENCE = "vulnerable-app"
ISSUER = "https://partners.example.com"
REQUIRE_EXP = {"require": ["exp"]}


def verify_partner_token(token: str) -> dict:
    header = jwt.get_unverified_header(token)
    key = open(f"keys/{header['kid']}.pem").read()  # JWT106
    return jwt.decode(  # JWT103
        token, key, algorithms=[header["alg"]], audience=AUDIENCE, issuer=ISSUER, options=REQUIRE_EXP
    )


def verify_legacy_partner_token(token: str) -> dict:
    return jwt.decode(  # JWT104
        token, PARTNER_PUBLIC_KEY, algorithms=["RS256", "HS256"], audience=AUDIENCE, issuer=ISSUER, options=REQUIRE_EXP
    )


def verify_batch_token(token: str) -> dict:
    # Batch jobs run for days; their tokens "expire" too early.
    return jwt.decode(  # JWT201
        token,
        PARTNER_PUBLIC_KEY,
        algorithms=["RS256"],
        audience=AUDIENCE,
        issuer=ISSUER,
        options={"verify_exp": False, "require": ["exp"]},
    )


def verify_reporting_token(token: str) -> dict:
    # The reporting job's clock drifts, so it gets two minutes more than the others.
    return jwt.decode(  # JWT206
        token, PARTNER_PUBLIC_KEY, algorithms=["RS256"], audience=AUDIENCE, issuer=ISSUER, options=REQUIRE_EXP, leeway=120
    )
