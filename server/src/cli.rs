//! Operator commands on the server binary: serve (default), migrate, create a user,
//! reset a password.
use std::io::BufRead;
use std::sync::Arc;

use anyhow::{anyhow, bail};
use app::auth::CreateUserRequest;
use clap::{Parser, Subcommand};
use leptos::config::LeptosOptions;

use crate::clock::SystemClock;
use crate::config::Settings;
use crate::startup::{build_state, Application};

#[derive(Parser, Debug)]
#[command(name = "server", about = "RecyClique : serveur et commandes d'exploitation")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Starts the web server (the default).
    Serve,
    /// Applies the database migrations and exits.
    Migrate,
    /// Creates a user. The password comes from --password, RECYCLIQUE_NEW_PASSWORD or stdin.
    CreateUser {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Repeat for several: reception.access, caisse.access, admin.
        #[arg(long = "permission")]
        permissions: Vec<String>,
        #[arg(long, env = "RECYCLIQUE_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Generates realistic reception data (SQLite or PostgreSQL), for benchmarks and demos.
    GenerateData {
        /// Number of lines to create.
        #[arg(long)]
        lines: u64,
        /// Spread over this many days, up to today.
        #[arg(long, default_value_t = 365)]
        days: u32,
        /// Bénévoles to create beside the existing users.
        #[arg(long, default_value_t = 5)]
        users: u32,
        /// Cash sale items to create over the same days (default: a quarter of the
        /// lines), on two registers, by two cashiers created beside the users.
        #[arg(long)]
        sale_items: Option<u64>,
    },
    /// Sets a new password and closes the user's sessions.
    ResetPassword {
        #[arg(long)]
        username: String,
        #[arg(long, env = "RECYCLIQUE_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
}

fn password_or_stdin(p: Option<String>) -> anyhow::Result<String> {
    if let Some(p) = p {
        return Ok(p);
    }
    eprintln!("Mot de passe (une ligne sur l'entrée standard) :");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let line = line.trim_end_matches(['\r', '\n']).to_string();
    if line.is_empty() {
        bail!("aucun mot de passe fourni");
    }
    Ok(line)
}

pub async fn run(cli: Cli, settings: Settings, leptos_options: LeptosOptions) -> anyhow::Result<()> {
    crate::startup::keep_new_files_private();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => Application::build(settings, leptos_options, Arc::new(SystemClock)).await?.run_until_stopped().await?,
        Command::Migrate => {
            let state = build_state(settings, leptos_options, Arc::new(SystemClock)).await?;
            println!("Migrations appliquées ({}).", state.store.backend());
        }
        Command::CreateUser { username, display_name, permissions, password } => {
            let state = build_state(settings, leptos_options, Arc::new(SystemClock)).await?;
            let req = CreateUserRequest { username, display_name, password: password_or_stdin(password)?, permissions, active: Some(true) };
            let u = crate::auth::create_user_unchecked(&state, req).await.map_err(|e| anyhow!("{e}"))?;
            let perms: Vec<_> = u.permissions.iter().map(|p| p.as_str()).collect();
            println!("Utilisateur « {} » créé (permissions : {}).", u.username, perms.join(", "));
        }
        Command::GenerateData { lines, days, users, sale_items } => {
            let state = build_state(settings, leptos_options, Arc::new(SystemClock)).await?;
            // Seeding users into an empty base must not skip the initial administrator.
            if let crate::auth::InitialAdmin::Generated { username, password } =
                crate::auth::ensure_initial_admin(&state).await.map_err(|e| anyhow!("{e}"))?
            {
                println!("Administrateur initial créé : {username} / {password}");
            }
            // Bénévoles and two cashiers; existing ones are kept, so the command can run
            // again on the same base.
            let seeded = (1..=users).map(|i| ("benevole", "Bénévole", "reception.access", i)).chain((1..=2).map(|i| ("caissier", "Caissier", "caisse.access", i)));
            for (login, name, permission, i) in seeded {
                let req = CreateUserRequest {
                    username: format!("{login}{i:02}"),
                    display_name: Some(format!("{name} {i:02}")),
                    password: format!("{login}{i:02}-motdepasse"),
                    permissions: vec![permission.into()],
                    active: Some(true),
                };
                let _ = crate::auth::create_user_unchecked(&state, req).await;
            }
            let started = std::time::Instant::now();
            let g = crate::generate::generate(state.store.as_ref(), lines, days, state.clock.now()).await?;
            println!(
                "{} lignes, {} tickets, {} postes générés en {:.1} s ({}) ; poids : {} kg entrés, {} kg sortis.",
                g.lines,
                g.tickets,
                g.postes,
                started.elapsed().as_secs_f64(),
                state.store.backend(),
                g.entry_weight.to_comma_string(),
                g.exit_weight.to_comma_string()
            );
            let started = std::time::Instant::now();
            let store = state.store.as_ref();
            // Cashiers only (not the admin), in a fixed order on every backend.
            let mut cashiers: Vec<_> = store
                .list_users()
                .await?
                .into_iter()
                .filter(|u| u.active && u.permissions.contains(&app::auth::Permission::CaisseAccess))
                .map(|u| (u.username, u.id))
                .collect();
            cashiers.sort();
            let cashiers: Vec<_> = cashiers.into_iter().map(|(_, id)| id).collect();
            let mut categories: Vec<_> = store.list_categories().await?.into_iter().filter(|c| !c.archived).map(|c| c.id).collect();
            categories.sort();
            let c = crate::generate::cash::generate_cash(store, sale_items.unwrap_or(lines / 4), days, &cashiers, &categories, state.clock.now()).await?;
            store.analyze().await?;
            println!(
                "{} articles vendus, {} ventes, {} sessions de caisse générés en {:.1} s ; ventes : {} €, dons : {} €.",
                c.items,
                c.sales,
                c.sessions,
                started.elapsed().as_secs_f64(),
                c.total.to_comma_string(),
                c.donations.to_comma_string()
            );
        }
        Command::ResetPassword { username, password } => {
            let state = build_state(settings, leptos_options, Arc::new(SystemClock)).await?;
            let u = crate::auth::reset_password(&state, &username, &password_or_stdin(password)?).await.map_err(|e| anyhow!("{e}"))?;
            println!("Mot de passe de « {} » réinitialisé ; ses sessions ont été fermées.", u.username);
        }
    }
    Ok(())
}
