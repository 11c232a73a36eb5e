//! The example axum service's routes.

mod auth;

use axum::{
    Router,
    extract::{Json, Query},
    http::HeaderMap,
    routing::get,
};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use serde::Deserialize;

const BILLING_API: &str = "http://billing.example.com/api";

#[derive(Deserialize)]
struct EmbedParams {
    access_token: String,
}

async fn me(headers: HeaderMap) -> Json<Option<String>> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    Json(auth::verify(token).map(|claims| claims.sub))
}

async fn login(jar: CookieJar) -> CookieJar {
    let token = auth::issue("alice", "alice@example.com").unwrap_or_default();
    tracing::info!(token = %token, "issued a token"); // TOK403
    jar.add(Cookie::build(("access_token", token)).path("/")) // TOK404
}

async fn embed(Query(params): Query<EmbedParams>) -> Json<Option<String>> { // TOK402
    Json(auth::verify(&params.access_token).map(|claims| claims.sub))
}

async fn invoices(headers: HeaderMap) -> String {
    let token = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let client = reqwest::Client::new();
    let by_url = format!("{BILLING_API}/invoices?access_token={token}"); // TOK401
    let by_header = client.get("http://billing.example.com/api/invoices").bearer_auth(&token); // TOK405
    let _ = by_header;
    by_url
}

#[tokio::main]
async fn main() {
    let app = Router::new()
        .route("/api/me", get(me))
        .route("/api/login", get(login))
        .route("/api/embed", get(embed))
        .route("/api/invoices", get(invoices));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await.unwrap();
    axum::serve(listener, app).await.unwrap();
}
