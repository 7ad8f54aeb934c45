//! Which slice of a list a page shows, for any domain's list. Kept apart from the
//! domain filters (which rows, e.g. [`crate::reception::ReceptionFilter`]): exports and
//! scheduled reports take the filter and never see paging.
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawPageRequest")]
pub struct PageRequest {
    /// 1-based.
    pub page: u32,
    pub page_size: u32,
}

#[derive(Deserialize)]
struct RawPageRequest {
    page: u32,
    page_size: u32,
}

impl TryFrom<RawPageRequest> for PageRequest {
    type Error = AppError;
    fn try_from(r: RawPageRequest) -> Result<Self, AppError> {
        PageRequest::new(r.page, r.page_size)
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest { page: 1, page_size: Self::DEFAULT_SIZE }
    }
}

impl PageRequest {
    pub const DEFAULT_SIZE: u32 = 50;
    pub const MAX_SIZE: u32 = 500;
    /// Its query parameters, which a filter parsing the same query string skips.
    pub const FIELDS: [&'static str; 2] = ["page", "page_size"];

    pub fn new(page: u32, page_size: u32) -> Result<Self, AppError> {
        if page == 0 {
            return Err(AppError::field("page", "page : la première page est la page 1."));
        }
        if page_size == 0 || page_size > Self::MAX_SIZE {
            return Err(AppError::field("page_size", format!("page_size doit être compris entre 1 et {}.", Self::MAX_SIZE)));
        }
        Ok(PageRequest { page, page_size })
    }

    /// From a query string's pairs: `page` and `page_size`, other names ignored.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, AppError> {
        let (mut page, mut size) = (1, Self::DEFAULT_SIZE);
        for (k, v) in pairs {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            let number = |name: &str| {
                v.parse::<u32>().map_err(|_| AppError::field(name, format!("{name} doit être un nombre entier positif, pas « {} ».", crate::error::truncate(v))))
            };
            match k {
                "page" => page = number("page")?,
                "page_size" => size = number("page_size")?,
                _ => {}
            }
        }
        Self::new(page, size)
    }

    /// Rows skipped before this page.
    pub fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.page_size)
    }
}

/// One page of a list with the count of the whole list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

impl<T> Page<T> {
    /// Rows before this page.
    fn first_index(&self) -> i64 {
        i64::from(self.page.saturating_sub(1)) * i64::from(self.page_size)
    }
    pub fn has_previous(&self) -> bool {
        self.page > 1
    }
    pub fn has_next(&self) -> bool {
        self.first_index() + (self.items.len() as i64) < self.total
    }
    /// `1-50 sur 2 500`, as shown above the list.
    pub fn range_label(&self) -> String {
        let total = crate::format::thousands(self.total);
        if self.items.is_empty() {
            return format!("0 sur {total}");
        }
        let first = self.first_index() + 1;
        let last = self.first_index() + self.items.len() as i64;
        format!("{}-{} sur {total}", crate::format::thousands(first), crate::format::thousands(last))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_requests_are_checked_and_name_their_field() {
        assert_eq!(PageRequest::from_pairs([("page", "2"), ("page_size", "500"), ("status", "closed")]).unwrap(), PageRequest { page: 2, page_size: 500 });
        assert_eq!(PageRequest::from_pairs([]).unwrap(), PageRequest::default());
        let field = |r: Result<PageRequest, AppError>| r.unwrap_err().field_name().map(str::to_string);
        assert_eq!(field(PageRequest::from_pairs([("page_size", "501")])).as_deref(), Some("page_size"));
        assert_eq!(field(PageRequest::from_pairs([("page_size", "0")])).as_deref(), Some("page_size"));
        assert_eq!(field(PageRequest::from_pairs([("page", "0")])).as_deref(), Some("page"));
        assert_eq!(field(PageRequest::from_pairs([("page", "-1")])).as_deref(), Some("page"));
        assert!(serde_json::from_str::<PageRequest>(r#"{"page":1,"page_size":600}"#).is_err());
        assert_eq!(PageRequest { page: 3, page_size: 50 }.offset(), 100);
    }

    #[test]
    fn the_range_label_counts_from_one() {
        let page = |page, n: usize, total| Page { items: vec![(); n], total, page, page_size: 50 };
        assert_eq!(page(1, 50, 2500).range_label(), "1-50 sur 2\u{202f}500");
        assert_eq!(page(50, 50, 2500).range_label(), "2\u{202f}451-2\u{202f}500 sur 2\u{202f}500");
        assert!(page(1, 50, 2500).has_next() && !page(1, 50, 2500).has_previous());
        assert!(!page(50, 50, 2500).has_next() && page(50, 50, 2500).has_previous());
        assert_eq!(page(1, 0, 0).range_label(), "0 sur 0");
    }
}
