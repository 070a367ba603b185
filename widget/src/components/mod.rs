//! The widget's components: one flow per custom element, built from small parts.

pub mod address;
pub mod card_form;
pub mod checkout;
pub mod field;
pub mod portal;
pub mod pricing;
pub mod signature;
pub mod status;
pub mod summary;
