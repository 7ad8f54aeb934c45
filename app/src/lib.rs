//! RecyClique's shared crate: domain types both sides use, server functions, and the
//! Leptos components (rendered on the server, hydrated in the browser).
#![recursion_limit = "256"]

pub mod api;
pub mod auth;
pub mod cash;
pub mod cash_api;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod download;
pub mod error;
pub mod filter;
pub mod format;
pub mod ids;
pub mod mail;
pub mod money;
pub mod paging;
pub mod reception;
pub mod reception_api;
pub mod schedule;
pub mod text;
pub mod scheduled_api;
pub mod time;
pub mod weight;
mod load;
mod pages;
mod shell;

pub use shell::{shell, App};
