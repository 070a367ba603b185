//! Pure domain types and rules: no I/O here.

pub mod charge;
pub mod country;
pub mod currency;
pub mod invoice;
pub mod money;
pub mod month;
pub mod mrr;
pub mod pricing;
pub mod proration;
pub mod recurrence;
pub mod revenue;
pub mod subscription;
pub mod tax;
pub mod vat;
