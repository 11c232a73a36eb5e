//! The example axum service's routes.

mod auth;

use axum::{Router, extract::Json, http::HeaderMap, routing::get};

async fn me(headers: HeaderMap) -> Json<Option<String>> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    Json(auth::verify(token).map(|claims| claims.sub))
}

#[tokio::main]
async fn main() {
    let app = Router::new().route("/api/me", get(me));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await.unwrap();
    axum::serve(listener, app).await.unwrap();
}
