//! Where a charge stands, and a payment provider's answer. The store records
//! them and the payment providers produce them, so they live below both.

/// Where a charge stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChargeStatus {
    Succeeded,
    Failed,
    /// The card holder must authenticate; confirming the charge completes it.
    RequiresAction,
}

impl ChargeStatus {
    /// As stored: `succeeded`, `failed`, `requires_action`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::RequiresAction => "requires_action",
        }
    }

    /// The stored text back; `None` for anything else.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "succeeded" => Some(Self::Succeeded),
            "failed" => Some(Self::Failed),
            "requires_action" => Some(Self::RequiresAction),
            _ => None,
        }
    }
}

/// The provider's answer to a charge or a confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeOutcome {
    pub status: ChargeStatus,
    /// Why it failed (`card_declined`, …) when it did.
    pub failure_code: Option<String>,
    /// The provider's id of this charge, used to confirm it.
    pub reference: String,
}
