mod auth;
mod config;
mod handlers;

fn main() {
    let _ = handlers::login("alice", false);
}
