//! `sqlx::migrate!` embeds the migrations when the library compiles: a migration added or
//! changed must rebuild it, even when no Rust file changed.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
