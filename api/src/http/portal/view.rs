//! What the portal shows: the overview, and a subscription as its customer sees
//! it (product names, the amount per period with tax, the card, the plan's
//! prices, add-ons, rights and close reasons).

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use renewly_types::{
    ChangeRight, Customer, Merchant, PaymentMethod, Plan, PortalAmount, PortalCustomer, PortalItem,
    PortalMerchant, PortalOverview, PortalPlan, PortalScheduledChange, PortalSubscription, Price,
    Problem, Product, Recurring, SubscriptionStatus, TaxBehavior,
};

use super::Portal;
use crate::billing::change::PendingChange;
use crate::billing::present::document_amount;
use crate::billing::pricing::TaxContext;
use crate::db::Db;
use crate::domain::invoice::{LineInput, totals};
use crate::error::{ApiError, ApiResult};
use crate::http::AppState;
use crate::store::billing::{self as bstore, ItemRow, SubscriptionRow};
use crate::store::{
    Scope, catalog, customers, merchants, payment_methods, plans, portal as pstore, prices,
};

/// Most subscriptions the overview lists.
const MAX_SUBSCRIPTIONS: i64 = 100;

/// The portal's first screen: the customer, the merchant and every subscription.
#[utoipa::path(get, path = "/v1/portal/{token}", tag = "portal",
    params(("token" = String, Path, description = "The portal token")),
    responses((status = 200, body = PortalOverview), (status = 401, body = Problem)))]
pub async fn get_portal(
    State(state): State<AppState>,
    portal: Portal,
) -> ApiResult<Json<PortalOverview>> {
    let mut ctx = Context::load(&state.db, &portal).await?;
    let mut rows = Vec::new();
    for customer in &portal.customers {
        rows.extend(
            pstore::subscriptions(&state.db, &portal.scope, customer, MAX_SUBSCRIPTIONS).await?,
        );
    }
    rows.sort_by(|a, b| b.id.cmp(&a.id));
    rows.truncate(usize::try_from(MAX_SUBSCRIPTIONS).unwrap_or(0));
    let mut subscriptions = Vec::with_capacity(rows.len());
    for row in &rows {
        subscriptions.push(ctx.subscription(&state.db, row).await?);
    }
    Ok(Json(PortalOverview {
        object: "portal".to_owned(),
        livemode: portal.scope.livemode,
        merchant: PortalMerchant {
            name: ctx.merchant.name.clone(),
            country: ctx.merchant.country.clone(),
        },
        customer: ctx.customer_view(&state.db).await?,
        subscriptions,
        expires_at: portal.expires_at.clone(),
    }))
}

/// What building portal views needs, loaded once per request, with the catalog
/// objects looked up so far.
pub struct Context {
    pub scope: Scope,
    pub merchant: Merchant,
    pub customer: Customer,
    /// The other customers of a magic-link session, as their subscriptions need them.
    others: HashMap<String, Customer>,
    products: HashMap<String, Option<Product>>,
    plans: HashMap<String, Option<Plan>>,
    published: Option<Vec<Plan>>,
}

impl Context {
    /// The merchant and customer of a portal session.
    pub async fn load(db: &Db, portal: &Portal) -> Result<Self, ApiError> {
        let merchant = merchants::get_merchant(db, &portal.scope)
            .await?
            .ok_or_else(|| ApiError::not_found("merchant", portal.scope.merchant_id.clone()))?;
        let customer = customers::get_customer(db, &portal.scope, &portal.customer_id)
            .await?
            .ok_or_else(|| ApiError::not_found("customer", portal.customer_id.clone()))?;
        Ok(Self {
            scope: portal.scope.clone(),
            merchant,
            customer,
            others: HashMap::new(),
            products: HashMap::new(),
            plans: HashMap::new(),
            published: None,
        })
    }

    /// The customer's details with the default card.
    pub async fn customer_view(&self, db: &Db) -> Result<PortalCustomer, ApiError> {
        let c = &self.customer;
        let default_payment_method = match &c.default_payment_method {
            Some(pm) => payment_methods::get(db, &self.scope, &c.id, pm, Some(pm)).await?,
            None => None,
        };
        Ok(PortalCustomer {
            id: c.id.clone(),
            object: "customer".to_owned(),
            email: c.email.clone(),
            name: c.name.clone(),
            company: c.company.clone(),
            vat_number: c.vat_number.clone(),
            address: c.address.clone(),
            locale: c.locale.clone(),
            default_payment_method,
            pending_email: pstore::pending_email(db, &self.scope, &c.id).await?,
        })
    }

    /// The customer a subscription of this session belongs to.
    async fn customer_of(&mut self, db: &Db, id: &str) -> Result<Customer, ApiError> {
        if id == self.customer.id {
            return Ok(self.customer.clone());
        }
        if let Some(c) = self.others.get(id) {
            return Ok(c.clone());
        }
        let c = customers::get_customer(db, &self.scope, id)
            .await?
            .ok_or_else(|| ApiError::not_found("customer", id))?;
        self.others.insert(id.to_owned(), c.clone());
        Ok(c)
    }

    async fn product(&mut self, db: &Db, id: &str) -> Result<Option<Product>, ApiError> {
        if let Some(p) = self.products.get(id) {
            return Ok(p.clone());
        }
        let p = catalog::get_product(db, &self.scope, id).await?;
        self.products.insert(id.to_owned(), p.clone());
        Ok(p)
    }

    async fn plan(&mut self, db: &Db, id: &str) -> Result<Option<Plan>, ApiError> {
        if let Some(p) = self.plans.get(id) {
            return Ok(p.clone());
        }
        let p = plans::get_plan(db, &self.scope, id).await?;
        self.plans.insert(id.to_owned(), p.clone());
        Ok(p)
    }

    /// The plan's recurring prices and add-ons on `recurring` in `currency`,
    /// with their products.
    async fn portal_plan(
        &mut self,
        db: &Db,
        plan: &Plan,
        recurring: Recurring,
        currency: &str,
    ) -> Result<PortalPlan, ApiError> {
        let ids: Vec<String> = plan.prices.iter().chain(&plan.addons).cloned().collect();
        let found = prices::get_prices(db, &self.scope, &ids).await?;
        let fits = |p: &&Price| {
            p.active && p.recurring == Some(recurring) && p.currency.eq_ignore_ascii_case(currency)
        };
        let pick = |ids: &[String]| -> Vec<Price> {
            ids.iter()
                .filter_map(|id| found.get(id))
                .filter(fits)
                .cloned()
                .collect()
        };
        let offered = pick(&plan.prices);
        let addons = pick(&plan.addons);
        let mut products: Vec<Product> = Vec::new();
        for price in offered.iter().chain(&addons) {
            if products.iter().any(|p| p.id == price.product) {
                continue;
            }
            if let Some(p) = self.product(db, &price.product).await? {
                products.push(p);
            }
        }
        Ok(PortalPlan {
            id: plan.id.clone(),
            name: plan.name.clone(),
            description: plan.description.clone(),
            currency: plan.currency.clone(),
            prices: offered,
            addons,
            products,
            close_reasons: plan.close_reasons.clone(),
        })
    }

    async fn items(
        &mut self,
        db: &Db,
        row: &SubscriptionRow,
        items: &[ItemRow],
    ) -> Result<Vec<PortalItem>, ApiError> {
        let cur = row.currency();
        let mut out = Vec::with_capacity(items.len());
        for i in items {
            let product_name = match self.product(db, &i.product_id).await? {
                Some(p) => p.name,
                None => i.description.clone(),
            };
            out.push(PortalItem {
                id: i.id.clone(),
                price: i.price_id.clone(),
                product: i.product_id.clone(),
                product_name,
                description: i.description.clone(),
                quantity: u32::try_from(i.quantity).unwrap_or(0),
                unit_amount: document_amount(i.unit_amount(), &cur),
                discount: document_amount(i.discount(), &cur),
                addon: i.addon,
            });
        }
        Ok(out)
    }

    /// The recurring lines of one period, taxed for the customer as they are now.
    async fn period_amount(
        &self,
        db: &Db,
        customer: &Customer,
        row: &SubscriptionRow,
        items: &[ItemRow],
    ) -> Result<PortalAmount, ApiError> {
        let cur = row.currency();
        let mut tax = TaxContext::new(&self.merchant, customer);
        let mut inputs = Vec::new();
        for i in items.iter().filter(|i| i.recurring) {
            inputs.push(LineInput {
                kind: "recurring",
                description: i.description.clone(),
                price: Some(i.price_id.clone()),
                period: None,
                quantity: u32::try_from(i.quantity).unwrap_or(0),
                unit_amount: i.unit_amount(),
                unit_discount: i.discount(),
                tax_behavior: if i.tax_behavior == "inclusive" {
                    TaxBehavior::Inclusive
                } else {
                    TaxBehavior::Exclusive
                },
                tax: tax.choice(db, &self.scope, &i.tax_category).await?,
            });
        }
        let worked = totals(&inputs, &cur);
        Ok(PortalAmount {
            currency: row.currency.clone(),
            subtotal: document_amount(worked.subtotal, &cur),
            tax: document_amount(worked.tax, &cur),
            total: document_amount(worked.total, &cur),
        })
    }

    /// Published plans other than `current` that offer a price on the same
    /// schedule and in the same currency.
    async fn other_plans(
        &mut self,
        db: &Db,
        current: &str,
        recurring: Recurring,
        currency: &str,
    ) -> Result<Vec<PortalPlan>, ApiError> {
        if self.published.is_none() {
            self.published = Some(plans::list_published_plans(db, &self.scope).await?);
        }
        let candidates: Vec<Plan> = self
            .published
            .iter()
            .flatten()
            .filter(|p| p.active && p.id != current && p.currency.eq_ignore_ascii_case(currency))
            .cloned()
            .collect();
        let mut out = Vec::new();
        for plan in &candidates {
            let view = self.portal_plan(db, plan, recurring, currency).await?;
            if !view.prices.is_empty() {
                out.push(view);
            }
        }
        Ok(out)
    }

    /// A subscription of this customer as the portal shows it.
    pub async fn subscription(
        &mut self,
        db: &Db,
        row: &SubscriptionRow,
    ) -> Result<PortalSubscription, ApiError> {
        let items = bstore::items(db, &row.id).await?;
        let recurring = row.recurring();
        let plan = self.plan(db, &row.plan_id).await?;
        let (plan_view, rights) = match &plan {
            Some(p) => (
                self.portal_plan(db, p, recurring, &row.currency).await?,
                p.customer_rights,
            ),
            None => (
                PortalPlan {
                    id: row.plan_id.clone(),
                    name: row.plan_id.clone(),
                    description: None,
                    currency: row.currency.clone(),
                    prices: Vec::new(),
                    addons: Vec::new(),
                    products: Vec::new(),
                    close_reasons: Vec::new(),
                },
                renewly_types::CustomerRights {
                    change: ChangeRight::None,
                    can_close: false,
                    can_pause: false,
                    can_change_quantity: false,
                },
            ),
        };
        let status = SubscriptionStatus::parse(&row.status).unwrap_or(SubscriptionStatus::Draft);
        let changeable = matches!(
            status,
            SubscriptionStatus::Active | SubscriptionStatus::PastDue
        );
        let other_plans = if changeable && rights.change != ChangeRight::None {
            self.other_plans(db, &row.plan_id, recurring, &row.currency)
                .await?
        } else {
            Vec::new()
        };
        let customer = self.customer_of(db, &row.customer_id).await?;
        let payment_method = self.payment_method(db, &customer, row).await?;
        let scheduled_change = self.scheduled_change(db, row).await?;
        Ok(PortalSubscription {
            id: row.id.clone(),
            object: "subscription".to_owned(),
            livemode: row.livemode,
            status,
            plan: plan_view,
            rights,
            currency: row.currency.clone(),
            recurring,
            items: self.items(db, row, &items).await?,
            start_date: row.start_date.clone(),
            current_period_start: row.current_period_start.clone(),
            current_period_end: row.current_period_end.clone(),
            next_invoice_date: row.next_invoice_date.clone(),
            trial_end: row.trial_end.clone(),
            amount_per_period: self.period_amount(db, &customer, row, &items).await?,
            payment_mode: row.payment_mode.clone(),
            payment_method,
            cancel_at: row.cancel_at.clone(),
            close_reason: row.close_reason.clone(),
            closed_at: row.closed_at.clone(),
            paused_at: row.paused_at.clone(),
            scheduled_change,
            other_plans,
        })
    }

    async fn payment_method(
        &self,
        db: &Db,
        customer: &Customer,
        row: &SubscriptionRow,
    ) -> Result<Option<PaymentMethod>, ApiError> {
        let default = customer.default_payment_method.as_deref();
        let Some(id) = row.payment_method_id.as_deref().or(default) else {
            return Ok(None);
        };
        let found = payment_methods::get(db, &self.scope, &customer.id, id, default).await?;
        match (found, default) {
            (Some(pm), _) => Ok(Some(pm)),
            // The subscription's card was removed: renewals fall back to the default.
            (None, Some(d)) if d != id => {
                Ok(payment_methods::get(db, &self.scope, &customer.id, d, default).await?)
            }
            (None, _) => Ok(None),
        }
    }

    async fn scheduled_change(
        &mut self,
        db: &Db,
        row: &SubscriptionRow,
    ) -> Result<Option<PortalScheduledChange>, ApiError> {
        let Some(change) = row
            .pending_items
            .as_deref()
            .and_then(|raw| serde_json::from_str::<PendingChange>(raw).ok())
        else {
            return Ok(None);
        };
        let plan_name = match self.plan(db, &change.plan).await? {
            Some(p) => p.name,
            None => change.plan.clone(),
        };
        let cur = row.currency();
        let mut items = Vec::with_capacity(change.items.len());
        for (n, i) in change.items.iter().enumerate() {
            let product_name = match self.product(db, &i.product_id).await? {
                Some(p) => p.name,
                None => i.description.clone(),
            };
            items.push(PortalItem {
                id: format!("pending_{n}"),
                price: i.price_id.clone(),
                product: i.product_id.clone(),
                product_name,
                description: i.description.clone(),
                quantity: u32::try_from(i.quantity).unwrap_or(0),
                unit_amount: document_amount(i.unit_amount.parse().unwrap_or_default(), &cur),
                discount: document_amount(i.discount.parse().unwrap_or_default(), &cur),
                addon: i.addon,
            });
        }
        Ok(Some(PortalScheduledChange {
            plan: change.plan,
            plan_name,
            effective_date: row.next_invoice_date.clone(),
            items,
        }))
    }
}

/// A subscription of a customer the session covers, or 404 (another
/// customer's is indistinguishable from none).
pub async fn owned_subscription(
    db: &Db,
    portal: &Portal,
    id: &str,
) -> Result<SubscriptionRow, ApiError> {
    crate::http::extract::path_id(crate::ids::Kind::Subscription, "subscription", id)?;
    bstore::subscription_row(db, &portal.scope, id)
        .await?
        .filter(|s| portal.covers(&s.customer_id))
        .ok_or_else(|| ApiError::not_found("subscription", id))
}
