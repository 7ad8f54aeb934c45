use app::auth::{Permission, UserView};
use app::text::clean_text;
use app::cash::{PaymentMethod, Sale, SaleInput};
use app::error::AppError;
use app::ids::{CashSessionId, SaleId};
use app::money::Cents;
use app::reception::Category;
use uuid::Uuid;

use super::visible_session;
use crate::auth::require;
use crate::state::AppState;
use crate::storage::cash::{NewSale, NewSaleItem};

const MAX_ITEMS: usize = 200;
const MAX_QUANTITY: i64 = 10_000;
/// 100 000 € for one item, 10 000 € of donation: above, a typing mistake.
const MAX_UNIT_PRICE: i64 = 10_000_000;
const MAX_DONATION: i64 = 1_000_000;

fn closed() -> AppError {
    AppError::Conflict("Cette session de caisse est fermée : ses ventes ne peuvent plus changer.".into())
}

/// The category tree for the till's item entry: cashiers choose categories without
/// needing reception access. Archived ones are included (flagged) so that the tree's
/// names stay whole; the till offers only the others, and a sale refuses them.
pub async fn sale_categories(state: &AppState, actor: &UserView) -> Result<Vec<Category>, AppError> {
    require(actor, Permission::CaisseAccess)?;
    Ok(state.store.list_categories().await?)
}

/// Records a sale: its items, its payments (which must add up exactly to the items
/// total plus the donation) and the session's running totals, all or nothing.
pub async fn add_sale(state: &AppState, actor: &UserView, session_id: CashSessionId, input: SaleInput) -> Result<Sale, AppError> {
    let session = visible_session(state, actor, session_id).await?;
    if session.closed_at.is_some() {
        return Err(closed());
    }
    if input.items.is_empty() {
        return Err(AppError::field("items", "Une vente doit comporter au moins un article."));
    }
    if input.items.len() > MAX_ITEMS {
        return Err(AppError::field("items", format!("Une vente comporte au plus {MAX_ITEMS} lignes.")));
    }
    let mut items = Vec::with_capacity(input.items.len());
    for (n, i) in input.items.iter().enumerate() {
        let line = n + 1;
        if !(1..=MAX_QUANTITY).contains(&i.quantity) {
            return Err(AppError::field("items", format!("Article {line} : la quantité doit être comprise entre 1 et {MAX_QUANTITY}.")));
        }
        if !(0..=MAX_UNIT_PRICE).contains(&i.unit_price_cents.0) {
            return Err(AppError::field("items", format!("Article {line} : le prix unitaire doit être compris entre 0 et 100 000 €.")));
        }
        match state.store.category(i.category_id).await? {
            None => return Err(AppError::field("items", format!("Article {line} : catégorie introuvable."))),
            Some(c) if c.archived => return Err(AppError::field("items", format!("Article {line} : la catégorie « {} » est archivée.", c.name))),
            Some(_) => {}
        }
        items.push(NewSaleItem { category_id: i.category_id, quantity: i.quantity, weight: i.weight_kg, unit_price: i.unit_price_cents });
    }
    let donation = input.donation_cents.unwrap_or_default();
    if !(0..=MAX_DONATION).contains(&donation.0) {
        return Err(AppError::field("donation_cents", "Le don doit être compris entre 0 et 10 000 €."));
    }
    if input.payments.is_empty() || input.payments.len() > PaymentMethod::ALL.len() * 2 {
        return Err(AppError::field("payments", "Indiquez le paiement de la vente (un à huit moyens)."));
    }
    if input.payments.iter().any(|p| p.amount_cents.0 <= 0) {
        return Err(AppError::field("payments", "Chaque paiement doit être un montant positif."));
    }
    let due = Cents(items.iter().map(|i| i.line_total().0).sum::<i64>() + donation.0);
    let paid = Cents(input.payments.iter().map(|p| p.amount_cents.0).sum());
    if paid != due {
        return Err(AppError::field("payments", format!("Les paiements ({paid}) doivent égaler exactement le total de la vente et du don ({due}).")));
    }
    let sale = NewSale {
        id: SaleId(Uuid::new_v4()),
        session_id,
        items,
        payments: input.payments.clone(),
        donation,
        note: clean_text(input.note.as_deref(), "note")?,
        created_by: actor.id,
        now: state.clock.now(),
    };
    if !state.store.insert_sale(&sale).await? {
        return Err(closed());
    }
    state.store.sale(sale.id).await?.ok_or_else(AppError::internal)
}
