//! Pure domain types and rules: no I/O here.

pub mod country;
pub mod currency;
pub mod money;
pub mod tax;
