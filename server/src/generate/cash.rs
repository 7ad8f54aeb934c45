//! Realistic cash data: a site with two registers, a session a day on each over the
//! last `days` Paris days (today included), sales of one to five items, payments
//! mostly in cash or by card, some by cheque, a few split or given away, donations
//! now and then, and closes that are mostly balanced, sometimes a few cents off, and
//! now and then off by more with a comment. Every figure of a session (running totals,
//! expected amounts, variance) is computed here as the service would, so the audit's
//! totals agree with its items. Written through [`CashStore::insert_cash_history`].
use anyhow::bail;
use chrono::{DateTime, Duration, Utc};
use rand::{rngs::StdRng, Rng, SeedableRng};
use uuid::Uuid;

use app::cash::{Payment, PaymentMethod, Site};
use app::ids::{CashSessionId, CategoryId, RegisterId, SaleId, SiteId, UserId};
use app::money::Cents;
use app::time::{paris_date, paris_midnight};
use app::weight::Weight;

use crate::storage::cash::{CashHistory, NewSaleItem, PastSale, PastSession};
use crate::storage::{StoreError, Store};

const SITE: &str = "Boutique";
const REGISTERS: [&str; 2] = ["Caisse 1", "Caisse 2"];
/// Sale items written per transaction.
const FLUSH_ITEMS: usize = 100_000;

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GeneratedCash {
    pub sessions: u64,
    pub sales: u64,
    pub items: u64,
    /// Sum of the sales totals (items, donations excluded).
    pub total: Cents,
    pub donations: Cents,
}

/// The site and registers the data goes to, created when missing (by name), so the
/// command can run again on the same database.
async fn registers(store: &dyn Store, now: DateTime<Utc>) -> anyhow::Result<Vec<RegisterId>> {
    let site = match store.list_sites().await?.into_iter().find(|s| s.name == SITE) {
        Some(s) => s.id,
        None => {
            let site = Site { id: SiteId(Uuid::new_v4()), name: SITE.into(), created_at: now };
            store.insert_site(&site).await?;
            site.id
        }
    };
    let mut out = Vec::new();
    for name in REGISTERS {
        let existing = store.list_registers().await?.into_iter().find(|r| r.site_id == site && r.name == name);
        out.push(match existing {
            Some(r) => r.id,
            None => {
                let id = RegisterId(Uuid::new_v4());
                match store.insert_register(id, site, name, now).await {
                    Ok(()) => id,
                    Err(StoreError::Conflict(_)) => bail!("la caisse « {name} » existe déjà sous un autre nom de site"),
                    Err(e) => return Err(e.into()),
                }
            }
        });
    }
    Ok(out)
}

/// How a sale of `due` cents (items and donation) is paid.
fn payments(rng: &mut StdRng, due: i64) -> Vec<Payment> {
    let pay = |method, cents: i64| Payment { method, amount_cents: Cents(cents) };
    match rng.gen_range(0..100) {
        0..=54 => vec![pay(PaymentMethod::Cash, due)],
        55..=81 => vec![pay(PaymentMethod::Card, due)],
        82..=89 => vec![pay(PaymentMethod::Check, due)],
        90..=91 => vec![pay(PaymentMethod::Free, due)],
        _ if due >= 2 => {
            let cash = rng.gen_range(1..due);
            vec![pay(PaymentMethod::Cash, cash), pay(PaymentMethod::Card, due - cash)]
        }
        _ => vec![pay(PaymentMethod::Cash, due)],
    }
}

/// Writes about `items` sale items over the `days` Paris days ending with the day of
/// `now`, on the operators `operators` (rotated), with the `categories` given. Every
/// session is closed (today's at the end of the afternoon, as if the day were over).
pub async fn generate_cash(store: &dyn Store, items: u64, days: u32, operators: &[UserId], categories: &[CategoryId], now: DateTime<Utc>) -> anyhow::Result<GeneratedCash> {
    if items == 0 {
        return Ok(GeneratedCash::default());
    }
    if days == 0 || operators.is_empty() || categories.is_empty() {
        bail!("il faut au moins un jour, un utilisateur actif et une catégorie");
    }
    let registers = registers(store, now).await?;
    let mut rng = StdRng::seed_from_u64(7);
    let today = paris_date(now);
    let days = u64::from(days);
    let sessions_total = days * registers.len() as u64;
    let mut g = GeneratedCash::default();
    let mut batch = CashHistory::default();

    for i in 0..sessions_total {
        let (day_index, r) = (i / registers.len() as u64, (i % registers.len() as u64) as usize);
        let day = today - Duration::days((days - 1 - day_index) as i64);
        let opened_at = paris_midnight(day) + Duration::hours(10) + Duration::minutes(r as i64 * 5);
        let closed_at = opened_at + Duration::hours(8);
        // Session i holds the items numbered items*i/total up to items*(i+1)/total.
        let mut left = items * (i + 1) / sessions_total - items * i / sessions_total;
        if left == 0 {
            continue;
        }
        let operator = operators[(i as usize / registers.len() + r) % operators.len()];
        let session_id = CashSessionId(Uuid::new_v4());
        let mut s = PastSession {
            id: session_id,
            register_id: registers[r],
            operator_id: operator,
            opened_at,
            closed_at,
            opening_float: Cents(rng.gen_range(5..=15) * 1000),
            sales_count: 0,
            items_count: 0,
            total: Cents(0),
            donation: Cents(0),
            by_method: [Cents(0); 4],
            weight_g: 0,
            counted_cash: Cents(0),
            cash_variance: Cents(0),
            comment: None,
        };
        let sales_planned = left.div_ceil(3).max(1);
        let mut k = 0;
        while left > 0 {
            let n = rng.gen_range(1..=5).min(left);
            left -= n;
            let sale_items: Vec<NewSaleItem> = (0..n)
                .map(|_| NewSaleItem {
                    category_id: categories[rng.gen_range(0..categories.len())],
                    quantity: if rng.gen_range(0..5) == 0 { rng.gen_range(2..=4) } else { 1 },
                    weight: (rng.gen_range(0..2) == 0).then(|| Weight::from_grams(rng.gen_range(100..20_000))),
                    unit_price: Cents(rng.gen_range(1..=60) * 50),
                })
                .collect();
            let total: i64 = sale_items.iter().map(|x| x.line_total().0).sum();
            let donation = if rng.gen_range(0..10) == 0 { rng.gen_range(1..=10) * 50 } else { 0 };
            let pays = payments(&mut rng, total + donation);
            for pay in &pays {
                let m = PaymentMethod::ALL.iter().position(|x| *x == pay.method).expect("a known method");
                s.by_method[m].0 += pay.amount_cents.0;
            }
            s.sales_count += 1;
            s.items_count += sale_items.iter().map(|x| x.quantity).sum::<i64>();
            s.total.0 += total;
            s.donation.0 += donation;
            s.weight_g += sale_items.iter().filter_map(|x| x.weight.map(|w| w.grams() * x.quantity)).sum::<i64>();
            g.items += sale_items.len() as u64;
            let sold_at = opened_at + Duration::seconds((k * 8 * 3600 / sales_planned) as i64 + 60);
            k += 1;
            batch.sales.push(PastSale { id: SaleId(Uuid::new_v4()), session_id, sold_at, items: sale_items, payments: pays, donation: Cents(donation), created_by: operator });
        }
        // Mostly balanced; sometimes a few cents off (within the tolerance); now and
        // then off by more, explained.
        let expected_cash = s.opening_float.0 + s.by_method[0].0;
        let variance = match rng.gen_range(0..20) {
            0 => rng.gen_range(-2000..=-100),
            1 => rng.gen_range(100..=1000),
            2..=3 => rng.gen_range(-5..=5),
            _ => 0,
        };
        s.cash_variance = Cents(variance);
        s.counted_cash = Cents(expected_cash + variance);
        if variance.abs() > 5 {
            s.comment = Some(if variance < 0 { "Erreur de rendu de monnaie" } else { "Pièces trouvées sous le tiroir" }.to_string());
        }
        g.sessions += 1;
        g.sales += s.sales_count as u64;
        g.total.0 += s.total.0;
        g.donations.0 += s.donation.0;
        batch.sessions.push(s);
        if batch.items() >= FLUSH_ITEMS {
            store.insert_cash_history(std::mem::take(&mut batch)).await?;
        }
    }
    store.insert_cash_history(batch).await?;
    Ok(g)
}
