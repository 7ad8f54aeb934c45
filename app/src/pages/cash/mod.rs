//! Cash pages: the till (`/caisse`), the sites and registers (`/admin/sites`), the
//! session audit (`/admin/sessions`) and a session's detail (`/admin/sessions/:id`).
mod audit;
mod detail;
pub(crate) mod filter_form;
mod reconciliation;
mod sale;
mod sites;
mod till;

pub use audit::AdminSessions;
pub use detail::SessionDetailPage;
pub use sites::AdminSites;
pub use till::Till;

/// Lower case without French accents, so that « electro » finds « Électroménager ».
pub(crate) fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'á' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' => 'i',
            'ô' | 'ö' | 'ó' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ç' => 'c',
            'œ' => 'o',
            other => other,
        })
        .collect()
}

/// The payment methods of a sale, in words and always in the same order (cash, card,
/// cheque, gratuit): « Espèces 5,00 € + Carte 10,00 € ».
pub(crate) fn payments_label(payments: &[crate::cash::Payment]) -> String {
    let mut sorted = payments.to_vec();
    sorted.sort_by_key(|p| p.method);
    sorted.iter().map(|p| format!("{} {}", p.method.label(), p.amount_cents)).collect::<Vec<_>>().join(" + ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn folding_ignores_case_and_accents() {
        assert_eq!(super::fold("Électroménager (DEEE)"), "electromenager (deee)");
        assert!(super::fold("Vaisselle et cuisine").contains(&super::fold("CUIS")));
    }
}
