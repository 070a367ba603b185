//! Customers, merchant users and payment methods.
