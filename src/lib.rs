//! convene: plan face-to-face gatherings of a community of practice and evidence the
//! value they create, with the Wenger-Trayner value-creation framework.

/// Every binary, test and benchmark that links the library allocates with mimalloc (see
/// Cargo.toml): what is measured is what runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Sense-making: the value-creation matrix and other pure analyses.
pub mod analysis;
/// The command line: one file per command group (serve, user, token, plan, export, import, ...).
pub mod cli;
/// Settings: defaults → convene.toml → CONVENE_* environment → flags.
pub mod config;
/// Demo data: a community written by us, seeded once.
pub mod demo;
/// The product's vocabulary as pure, validated types.
pub mod domain;
/// Message catalogs (Fluent) and language choice.
pub mod i18n;
/// The JSON exchange format of a whole community (export and import).
pub mod interop;
/// Size limits on requests and the bounded pool for CPU-heavy work.
pub mod limits;
/// The mail sender: the outbox to an SMTP server, exactly once.
pub mod mail;
/// The gathering planner: places, travel model, host selection, scenarios, maps (pure).
pub mod planner;
/// Random tokens and password hashes.
pub mod secret;
/// Every operation a person can perform, with who may: pages, API, CLI and demo call it.
pub mod service;
/// Persistence behind one `Store` trait, SQLite and PostgreSQL.
pub mod store;
/// The web app: pages, the JSON API, sessions.
pub mod web;
