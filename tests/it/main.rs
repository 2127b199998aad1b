//! convene's one integration-test binary: the store contract on both backends, the web
//! app over real HTTP, the command line, and a real headless browser.

mod api;
mod browser;
mod cli;
mod connect;
mod field;
mod helpers;
mod lifecycle;
mod mail;
mod pages;
mod planner;
mod proposals;
mod reach;
mod report;
mod security;
mod service;
mod store_contract;
mod waves;
