use clap::Parser;
use leptos::config::get_configuration;
use server::{cli, config::Settings};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
        .init();
    let cli = cli::Cli::parse();
    let settings = Settings::from_env()?;
    let leptos_options = get_configuration(None)?.leptos_options;
    cli::run(cli, settings, leptos_options).await
}
