//! The demo catalog as the story reads it back from the API: the three plans,
//! their monthly and yearly prices, the storage add-on and the salespeople.

use renewly_types::{Interval, List, Plan, Price, User};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::tools::demo::client::Api;

/// Plan positions in [`Catalog::tiers`], cheapest first.
pub(super) const STARTER: usize = 0;
pub(super) const PRO: usize = 1;
pub(super) const BUSINESS: usize = 2;
const TIER_NAMES: [&str; 3] = ["Starter", "Pro", "Business"];

/// The salesperson the history adds to the catalog's two.
const THIRD_SALESPERSON: (&str, &str) = ("Chloé Dubois", "chloe@northwind.example");

/// A price id and its amount per unit.
pub(super) type PriceRef = (String, Decimal);

/// One plan of the catalog.
#[derive(Debug, Clone)]
pub(super) struct Tier {
    pub plan: String,
    monthly: PriceRef,
    yearly: PriceRef,
    /// The plan's close reasons, in its order.
    pub reasons: Vec<String>,
    pub signature: bool,
    pub pausable: bool,
    /// Whether the storage add-on can be added.
    pub addons: bool,
}

impl Tier {
    /// The monthly or the yearly price.
    pub fn price(&self, yearly: bool) -> &PriceRef {
        if yearly { &self.yearly } else { &self.monthly }
    }
}

/// The catalog the story sells.
#[derive(Debug, Clone)]
pub(super) struct Catalog {
    /// Starter, Pro and Business.
    pub tiers: Vec<Tier>,
    /// Extra storage, monthly and yearly.
    storage: (PriceRef, PriceRef),
}

/// What a subscription holds: a plan, its billing interval, seats and storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Shape {
    pub tier: usize,
    pub yearly: bool,
    pub seats: u32,
    pub storage: u32,
}

impl Shape {
    /// The subscription's lines as `items` of the API.
    pub fn items(&self, catalog: &Catalog) -> Vec<Value> {
        let main =
            json!({"price": catalog.tiers[self.tier].price(self.yearly).0, "quantity": self.seats});
        std::iter::once(main)
            .chain(self.addon_items(catalog))
            .collect()
    }

    /// The storage line, when there is one.
    pub fn addon_items(&self, catalog: &Catalog) -> Option<Value> {
        (self.storage > 0).then(
            || json!({"price": catalog.storage_price(self.yearly).0, "quantity": self.storage}),
        )
    }
}

impl Catalog {
    /// Reads the demo catalog of the merchant behind `api`.
    pub async fn load(api: &Api) -> anyhow::Result<Self> {
        let plans: List<Plan> = api.get_as("/v1/plans?limit=100").await?;
        let mut tiers = Vec::new();
        let mut storage = None;
        for name in TIER_NAMES {
            let plan = plans
                .data
                .iter()
                .find(|p| p.name == name && p.active)
                .ok_or_else(|| {
                    anyhow::anyhow!("the demo history needs the demo catalog: no plan '{name}'")
                })?;
            let (monthly, yearly) = month_and_year(api, &plan.prices).await?.ok_or_else(|| {
                anyhow::anyhow!("plan '{name}' needs a monthly and a yearly price")
            })?;
            if storage.is_none() && !plan.addons.is_empty() {
                storage = month_and_year(api, &plan.addons).await?;
            }
            tiers.push(Tier {
                plan: plan.id.clone(),
                monthly,
                yearly,
                reasons: plan.close_reasons.iter().map(|r| r.name.clone()).collect(),
                signature: plan.require_signature,
                pausable: plan.customer_rights.can_pause,
                addons: !plan.addons.is_empty(),
            });
        }
        let storage = storage.ok_or_else(|| {
            anyhow::anyhow!("the demo history needs a monthly and a yearly add-on price")
        })?;
        Ok(Self { tiers, storage })
    }

    /// The storage add-on's monthly or yearly price.
    pub fn storage_price(&self, yearly: bool) -> &PriceRef {
        if yearly {
            &self.storage.1
        } else {
            &self.storage.0
        }
    }

    /// What a subscription of this shape costs per period before tax.
    pub fn amount(&self, shape: Shape) -> Decimal {
        let main = self.tiers[shape.tier].price(shape.yearly).1 * Decimal::from(shape.seats);
        main + self.storage_price(shape.yearly).1 * Decimal::from(shape.storage)
    }
}

/// The monthly and the yearly price among `ids`.
async fn month_and_year(api: &Api, ids: &[String]) -> anyhow::Result<Option<(PriceRef, PriceRef)>> {
    let (mut monthly, mut yearly) = (None, None);
    for id in ids {
        let price: Price = api.get_as(&format!("/v1/prices/{id}")).await?;
        match price.recurring {
            Some(r) if r.interval_count == 1 && r.interval == Interval::Month => {
                monthly = Some((price.id, price.unit_amount));
            }
            Some(r) if r.interval_count == 1 && r.interval == Interval::Year => {
                yearly = Some((price.id, price.unit_amount));
            }
            Some(_) | None => {}
        }
    }
    Ok(monthly.zip(yearly))
}

/// The merchant's active users (the salespeople), oldest first, after adding a
/// third one to the catalog's two.
pub(super) async fn salespeople(api: &Api) -> anyhow::Result<Vec<String>> {
    let users: List<User> = api.get_as("/v1/users?limit=100").await?;
    let mut ids: Vec<String> = users
        .data
        .iter()
        .filter(|u| u.active)
        .map(|u| u.id.clone())
        .collect();
    if !users.data.iter().any(|u| u.email == THIRD_SALESPERSON.1) {
        let (name, email) = THIRD_SALESPERSON;
        ids.push(
            api.id("/v1/users", json!({"name": name, "email": email}))
                .await?,
        );
    }
    ids.sort();
    Ok(ids)
}
