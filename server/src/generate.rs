//! Realistic reception data for benchmarks and demos: `N` lines over the last `days`
//! days up to today, on three postes a day, several bénévoles, the seeded categories,
//! all five destinations, some exits and some notes (a few of them formula-looking).
//! SQLite only: written with multi-row inserts in large transactions, so that a million
//! lines take seconds, not minutes.
use anyhow::{bail, Context};
use chrono::{DateTime, Duration, Utc};
use rand::{rngs::StdRng, Rng, SeedableRng};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};
use uuid::Uuid;

use app::reception::Destination;
use app::time::{paris_date, paris_midnight};

const LINES_PER_TICKET: u64 = 8;
const POSTES_PER_DAY: u64 = 3;
const NOTES: [&str; 6] = ["Bon état", "À réparer", "Carton complet", "=HYPERLINK(\"x\")", "Don d'un particulier", "-50% bientôt"];

pub struct Generated {
    pub postes: u64,
    pub tickets: u64,
    pub lines: u64,
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub async fn generate(pool: &SqlitePool, lines: u64, days: u32, now: DateTime<Utc>) -> anyhow::Result<Generated> {
    if lines == 0 || days == 0 {
        bail!("--lines et --days doivent être positifs");
    }
    let mut rng = StdRng::seed_from_u64(42);
    let users: Vec<String> = sqlx::query_scalar("SELECT id FROM users ORDER BY username").fetch_all(pool).await?;
    let categories: Vec<String> = sqlx::query_scalar("SELECT id FROM categories WHERE archived_at IS NULL").fetch_all(pool).await?;
    if users.is_empty() || categories.is_empty() {
        bail!("la base doit contenir au moins un utilisateur et une catégorie");
    }
    let today = paris_date(now);
    let tickets_total = lines.div_ceil(LINES_PER_TICKET);
    let tickets_per_day = tickets_total.div_ceil(u64::from(days));
    let (mut made_lines, mut made_tickets, mut made_postes) = (0u64, 0u64, 0u64);

    for d in (0..days).rev() {
        if made_lines >= lines {
            break;
        }
        let day = today - Duration::days(i64::from(d));
        let start = paris_midnight(day) + Duration::hours(9);
        let mut tx = pool.begin().await?;
        let mut postes = Vec::new();
        for p in 0..POSTES_PER_DAY {
            let id = Uuid::new_v4().to_string();
            let user = &users[(p as usize + d as usize) % users.len()];
            // Today's postes stay open, like a real morning.
            let closed = (d > 0).then(|| micros(start + Duration::hours(8)));
            sqlx::query("INSERT INTO postes (id, opened_by, opened_at, closed_at, closed_by, is_deferred, created_at) VALUES ($1, $2, $3, $4, $5, 0, $3)")
                .bind(&id)
                .bind(user)
                .bind(micros(start))
                .bind(closed)
                .bind(closed.map(|_| user.clone()))
                .execute(&mut *tx)
                .await?;
            postes.push((id, user.clone()));
            made_postes += 1;
        }
        let mut ticket_rows = Vec::new();
        let mut line_rows = Vec::new();
        for k in 0..tickets_per_day {
            if made_lines >= lines {
                break;
            }
            let (poste, user) = &postes[(k % POSTES_PER_DAY) as usize];
            let at = start + Duration::seconds((k * 8 * 3600 / tickets_per_day.max(1)) as i64);
            let tid = Uuid::new_v4().to_string();
            let open = d == 0 && k + 3 >= tickets_per_day;
            ticket_rows.push((tid.clone(), poste.clone(), user.clone(), micros(at), (!open).then(|| micros(at + Duration::minutes(10)))));
            made_tickets += 1;
            for j in 0..LINES_PER_TICKET.min(lines - made_lines) {
                let grams: i64 = match rng.gen_range(0..10) {
                    0..=5 => rng.gen_range(100..15_000),
                    6..=8 => rng.gen_range(15_000..120_000),
                    _ => rng.gen_range(1..100),
                };
                let dest = Destination::ALL[rng.gen_range(0..Destination::ALL.len())];
                let note = (rng.gen_range(0..5) == 0).then(|| NOTES[rng.gen_range(0..NOTES.len())]);
                let is_exit = rng.gen_range(0..12) == 0;
                let cat = &categories[rng.gen_range(0..categories.len())];
                line_rows.push((Uuid::new_v4().to_string(), tid.clone(), cat.clone(), grams, dest.as_str(), note, is_exit, micros(at + Duration::seconds(j as i64 * 30))));
                made_lines += 1;
            }
        }
        for chunk in ticket_rows.chunks(500) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("INSERT INTO tickets (id, poste_id, benevole_id, status, ticket_at, created_at, closed_at) ");
            q.push_values(chunk, |mut b, (id, poste, user, at, closed)| {
                b.push_bind(id).push_bind(poste).push_bind(user).push_bind(if closed.is_some() { "closed" } else { "opened" });
                b.push_bind(at).push_bind(at).push_bind(closed);
            });
            q.build().execute(&mut *tx).await.context("insert tickets")?;
        }
        for chunk in line_rows.chunks(500) {
            let mut q: QueryBuilder<Sqlite> =
                QueryBuilder::new("INSERT INTO lignes (id, ticket_id, category_id, poids_g, destination, notes, is_exit, created_at, updated_at) ");
            q.push_values(chunk, |mut b, (id, tid, cat, grams, dest, note, exit, at)| {
                b.push_bind(id).push_bind(tid).push_bind(cat).push_bind(grams).push_bind(*dest).push_bind(*note).push_bind(exit);
                b.push_bind(at).push_bind(at);
            });
            q.build().execute(&mut *tx).await.context("insert lines")?;
        }
        tx.commit().await?;
    }
    number_tickets(pool).await?;
    sqlx::query("ANALYZE").execute(pool).await?;
    Ok(Generated { postes: made_postes, tickets: made_tickets, lines: made_lines })
}

/// Gives the generated tickets their numbers, after those already given, in date order
/// within each Paris year (at New Year Paris is at UTC+1), and moves the counters on.
async fn number_tickets(pool: &sqlx::SqlitePool) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE tickets SET number_year = CAST(strftime('%Y', ticket_at / 1000000 + 3600, 'unixepoch') AS INTEGER) WHERE number_year IS NULL")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE tickets SET number_seq = r.n
         FROM (SELECT t.id, COALESCE((SELECT c.last FROM ticket_counters c WHERE c.year = t.number_year), 0)
                            + ROW_NUMBER() OVER (PARTITION BY t.number_year ORDER BY t.ticket_at, t.id) AS n
               FROM tickets t WHERE t.number_seq IS NULL) AS r
         WHERE r.id = tickets.id",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO ticket_counters (year, last) SELECT number_year, MAX(number_seq) FROM tickets GROUP BY number_year
         ON CONFLICT (year) DO UPDATE SET last = excluded.last",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
