//! Realistic reception data for benchmarks and demos: `N` lines over the last `days`
//! days up to today, on three postes a day, several bénévoles, the seeded categories,
//! all five destinations, some exits and some notes (a few of them formula-looking).
//! Written through [`ReceptionStore::insert_history`] in batches (multi-row inserts in
//! one transaction each), so it runs on every backend and a million lines take seconds
//! on SQLite. The weights, destinations, notes and categories come from a fixed seed;
//! the ids are random, so the command can run again on the same database.
pub mod cash;

use std::collections::HashSet;

use anyhow::bail;
use chrono::{DateTime, Duration, Utc};
use rand::{rngs::StdRng, Rng, SeedableRng};
use uuid::Uuid;

use app::ids::{CategoryId, LigneId, PosteId, TicketId, UserId};
use app::reception::Destination;
use app::time::{paris_date, paris_midnight};
use app::weight::Weight;

use crate::storage::reception::NewLigne;
use crate::storage::{PastPoste, PastTicket, ReceptionHistory, Store};

const LINES_PER_TICKET: u64 = 8;
const POSTES_PER_DAY: u64 = 3;
/// Lines written per transaction.
const FLUSH_LINES: usize = 100_000;
const NOTES: [&str; 6] = ["Bon état", "À réparer", "Carton complet", "=HYPERLINK(\"x\")", "Don d'un particulier", "-50% bientôt"];

/// What was written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Generated {
    pub postes: u64,
    pub tickets: u64,
    pub lines: u64,
    /// Total weight of the lines that are entries (not exits).
    pub entry_weight: Weight,
    /// Total weight of the exit lines.
    pub exit_weight: Weight,
}

/// Writes `lines` lines over the `days` Paris days ending with the day of `now`: the
/// tickets are spread evenly over the days, eight lines each, on three postes a day
/// (postes are rotated over the active users). The postes of the past days are
/// closed; today's stay open (unless their bénévole already has an open poste), with
/// their last tickets open too.
pub async fn generate(store: &dyn Store, lines: u64, days: u32, now: DateTime<Utc>) -> anyhow::Result<Generated> {
    if lines == 0 || days == 0 {
        bail!("--lines et --days doivent être positifs");
    }
    // Sorted here, not by the database, whose collations differ: the same choices on
    // every backend.
    let mut users: Vec<_> = store.list_users().await?.into_iter().filter(|u| u.active).map(|u| (u.username, u.id)).collect();
    users.sort();
    let users: Vec<UserId> = users.into_iter().map(|(_, id)| id).collect();
    let mut categories: Vec<CategoryId> = store.list_categories().await?.into_iter().filter(|c| !c.archived).map(|c| c.id).collect();
    categories.sort();
    if users.is_empty() || categories.is_empty() {
        bail!("la base doit contenir au moins un utilisateur actif et une catégorie");
    }
    // One open poste per user: those who already have one keep theirs.
    let mut has_open_poste = HashSet::new();
    for &u in &users {
        if store.current_poste(u).await?.is_some() {
            has_open_poste.insert(u);
        }
    }

    let mut rng = StdRng::seed_from_u64(42);
    let today = paris_date(now);
    let tickets_total = lines.div_ceil(LINES_PER_TICKET);
    let days = u64::from(days);
    let (mut g, mut entry_g, mut exit_g) = (Generated::default(), 0i64, 0i64);
    let mut batch = ReceptionHistory::default();

    for i in 0..days {
        let days_ago = days - 1 - i;
        let day = today - Duration::days(days_ago as i64);
        let start = paris_midnight(day) + Duration::hours(9);
        let mut postes = Vec::new();
        for p in 0..POSTES_PER_DAY {
            let user = users[((p + days_ago) % users.len() as u64) as usize];
            // Today's postes stay open, like a real morning.
            let open = days_ago == 0 && has_open_poste.insert(user);
            let id = PosteId(Uuid::new_v4());
            batch.postes.push(PastPoste { id, opened_by: user, opened_at: start, closed_at: (!open).then(|| start + Duration::hours(8)), is_deferred: false });
            postes.push((id, user, open));
            g.postes += 1;
        }
        // Day i holds the tickets numbered total*i/days up to total*(i+1)/days.
        let day_tickets = tickets_total * (i + 1) / days - tickets_total * i / days;
        for k in 0..day_tickets {
            let (poste, user, poste_open) = postes[(k % POSTES_PER_DAY) as usize];
            let at = start + Duration::seconds((k * 8 * 3600 / day_tickets) as i64);
            let ticket = TicketId(Uuid::new_v4());
            let open = poste_open && k + 3 >= day_tickets;
            batch.tickets.push(PastTicket { id: ticket, poste_id: poste, benevole_id: user, ticket_at: at, closed_at: (!open).then(|| at + Duration::minutes(10)) });
            g.tickets += 1;
            for j in 0..LINES_PER_TICKET.min(lines - g.lines) {
                let grams: i64 = match rng.gen_range(0..10) {
                    0..=5 => rng.gen_range(100..15_000),
                    6..=8 => rng.gen_range(15_000..120_000),
                    _ => rng.gen_range(1..100),
                };
                let destination = Destination::ALL[rng.gen_range(0..Destination::ALL.len())];
                let notes = (rng.gen_range(0..5) == 0).then(|| NOTES[rng.gen_range(0..NOTES.len())].to_string());
                let is_exit = rng.gen_range(0..12) == 0;
                let category_id = categories[rng.gen_range(0..categories.len())];
                *(if is_exit { &mut exit_g } else { &mut entry_g }) += grams;
                batch.lignes.push(NewLigne {
                    id: LigneId(Uuid::new_v4()),
                    ticket_id: ticket,
                    category_id,
                    poids: Weight::from_grams(grams),
                    destination,
                    notes,
                    is_exit,
                    now: at + Duration::seconds(j as i64 * 30),
                });
                g.lines += 1;
            }
            if batch.lignes.len() >= FLUSH_LINES {
                store.insert_history(std::mem::take(&mut batch)).await?;
            }
        }
    }
    store.insert_history(batch).await?;
    store.analyze().await?;
    g.entry_weight = Weight::from_grams(entry_g);
    g.exit_weight = Weight::from_grams(exit_g);
    Ok(g)
}
