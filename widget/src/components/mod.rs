//! The widget's components: one flow per custom element, built from small parts.

pub mod address;
pub mod card_form;
#[cfg(feature = "checkout")]
pub mod checkout;
pub mod field;
#[cfg(feature = "portal")]
pub mod portal;
#[cfg(feature = "checkout")]
pub mod pricing;
#[cfg(feature = "checkout")]
pub mod signature;
pub mod status;
#[cfg(feature = "checkout")]
pub mod summary;
