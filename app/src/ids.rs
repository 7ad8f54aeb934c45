//! Typed ids: each entity's id is its own type, so that a ticket id cannot be passed
//! where a poste id is expected. They are plain UUIDs on the wire (`serde(transparent)`)
//! and in the databases.
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Declares one id newtype with the conversions every id needs.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map($name)
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                $name(u)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }
    };
}

id_type!(
    /// A user (bénévole, cashier or admin).
    UserId
);
id_type!(
    /// A reception station (poste) opened by a user.
    PosteId
);
id_type!(
    /// A deposit ticket.
    TicketId
);
id_type!(
    /// A weighed line of a ticket.
    LigneId
);
id_type!(
    /// A category of the shared tree.
    CategoryId
);
id_type!(
    /// A site (a shop of the ressourcerie).
    SiteId
);
id_type!(
    /// A till (caisse) of a site.
    RegisterId
);
id_type!(
    /// A till session, from opening to close.
    CashSessionId
);
id_type!(
    /// A sale of a till session.
    SaleId
);
id_type!(
    /// A scheduled e-mail report.
    ScheduledReportId
);
id_type!(
    /// One run of a scheduled report (scheduled, caught up, sent now or retried): one
    /// mail delivery.
    ReportRunId
);
id_type!(
    /// A row of a scheduled report's log (one attempt of a run, or a missed run).
    ReportLogId
);
id_type!(
    /// A recorded mail delivery.
    DeliveryId
);
