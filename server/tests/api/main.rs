//! Integration tests: the real application on port 0, with a fresh database per test,
//! run once against SQLite and once against PostgreSQL (see `both_backends!`).
mod helpers;
mod export_files;
mod smtp;

mod auth;
mod cash;
mod cash_pages;
mod bounded_tables;
mod cli;
mod deliveries;
mod generate;
mod login_limits;
mod mail;
mod reception;
mod reception_categories;
mod reception_desk;
mod reception_dashboard;
mod reception_exports;
mod reception_tickets;
mod scheduled_badge;
mod scheduled_reports;
mod security;
mod snapshot;
mod users;
mod worker;
