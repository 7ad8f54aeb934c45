//! Integration tests: the real application on port 0, with a fresh database per test,
//! run once against SQLite and once against PostgreSQL (see `both_backends!`).
mod helpers;
mod smtp;

mod auth;
mod cli;
mod generate;
mod mail;
mod reception;
mod reception_exports;
mod snapshot;
mod users;
