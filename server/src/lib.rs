//! RecyClique's server: axum routes, storage, sessions, mail, and the Leptos SSR host.
pub mod auth;
mod backend;
pub mod cash;
pub mod cli;
pub mod clock;
pub mod config;
pub mod error;
pub mod export;
pub mod generate;
pub mod http;
pub mod mail;
pub mod reception;
pub mod reports;
pub mod rest;
pub mod startup;
pub mod state;
pub mod storage;
pub mod worker;
