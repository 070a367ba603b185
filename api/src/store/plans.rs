//! Plans: subscription templates. Nested settings are stored as JSON text.

use renewly_types::{CustomerRights, Dunning, PaymentMode, Plan};

use super::{Page, Scope, from_json_text, json_text};
use crate::args;
use crate::db::Db;

#[derive(sqlx::FromRow)]
struct PlanRow {
    id: String,
    livemode: bool,
    name: String,
    description: Option<String>,
    currency: String,
    prices: String,
    addons: String,
    setup_fee: Option<String>,
    trial_days: i64,
    payment_mode: String,
    invoice_due_days: i64,
    customer_rights: String,
    close_reasons: String,
    dunning: String,
    terms: Option<String>,
    require_signature: bool,
    features: String,
    published: bool,
    active: bool,
    created: String,
}

impl From<PlanRow> for Plan {
    fn from(r: PlanRow) -> Self {
        Self {
            id: r.id,
            object: "plan".to_owned(),
            livemode: r.livemode,
            name: r.name,
            description: r.description,
            currency: r.currency,
            prices: from_json_text(&r.prices),
            addons: from_json_text(&r.addons),
            setup_fee: r.setup_fee,
            trial_days: u32::try_from(r.trial_days).unwrap_or_default(),
            payment_mode: if r.payment_mode == "send_invoice" {
                PaymentMode::SendInvoice
            } else {
                PaymentMode::ChargeAutomatically
            },
            invoice_due_days: u32::try_from(r.invoice_due_days).unwrap_or_default(),
            customer_rights: from_json_text::<CustomerRights>(&r.customer_rights),
            close_reasons: from_json_text(&r.close_reasons),
            dunning: from_json_text::<Dunning>(&r.dunning),
            terms: r.terms,
            require_signature: r.require_signature,
            features: from_json_text(&r.features),
            published: r.published,
            active: r.active,
            created: r.created,
        }
    }
}

fn payment_mode_str(mode: PaymentMode) -> &'static str {
    match mode {
        PaymentMode::ChargeAutomatically => "charge_automatically",
        PaymentMode::SendInvoice => "send_invoice",
    }
}

/// Inserts a new plan.
pub async fn insert_plan(db: &Db, scope: &Scope, p: &Plan) -> Result<(), sqlx::Error> {
    db.execute(
        "INSERT INTO plans (id, merchant_id, livemode, name, description, currency, prices, \
         addons, setup_fee, trial_days, payment_mode, invoice_due_days, customer_rights, \
         close_reasons, dunning, terms, require_signature, features, published, active, created) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19, $20, $21)",
        &[plan_values(scope, p).as_slice(), &args![&p.created]].concat(),
    )
    .await?;
    super::versions::bump(db, scope).await
}

/// `$1`…`$20` of [`insert_plan`] and [`update_plan`]: the plan's key and every
/// changeable field.
fn plan_values(scope: &Scope, p: &Plan) -> Vec<crate::db::Arg> {
    args![
        &p.id,
        &scope.merchant_id,
        scope.livemode,
        &p.name,
        &p.description,
        &p.currency,
        json_text(&p.prices),
        json_text(&p.addons),
        &p.setup_fee,
        i64::from(p.trial_days),
        payment_mode_str(p.payment_mode),
        i64::from(p.invoice_due_days),
        json_text(&p.customer_rights),
        json_text(&p.close_reasons),
        json_text(&p.dunning),
        &p.terms,
        p.require_signature,
        json_text(&p.features),
        p.published,
        p.active
    ]
    .to_vec()
}

/// Writes every changeable field of a plan back.
pub async fn update_plan(db: &Db, scope: &Scope, p: &Plan) -> Result<(), sqlx::Error> {
    db.execute(
        "UPDATE plans SET name = $4, description = $5, currency = $6, prices = $7, addons = $8, \
         setup_fee = $9, trial_days = $10, payment_mode = $11, invoice_due_days = $12, \
         customer_rights = $13, close_reasons = $14, dunning = $15, terms = $16, \
         require_signature = $17, features = $18, published = $19, active = $20 \
         WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
        &plan_values(scope, p),
    )
    .await?;
    super::versions::bump(db, scope).await
}

/// One plan of this merchant and mode.
pub async fn get_plan(db: &Db, scope: &Scope, id: &str) -> Result<Option<Plan>, sqlx::Error> {
    let row: Option<PlanRow> = db
        .fetch_optional(
            "SELECT * FROM plans WHERE id = $1 AND merchant_id = $2 AND livemode = $3",
            &args![id, &scope.merchant_id, scope.livemode],
        )
        .await?;
    Ok(row.map(Plan::from))
}

/// A page of plans, newest first, optionally filtered on `active` and `published`.
pub async fn list_plans(
    db: &Db,
    scope: &Scope,
    active: Option<bool>,
    published: Option<bool>,
    page: &Page,
) -> Result<(Vec<Plan>, bool), sqlx::Error> {
    let rows: Vec<PlanRow> = db
        .fetch_all(
            "SELECT * FROM plans WHERE merchant_id = $1 AND livemode = $2 AND id < $3 \
             AND ($4 = 0 OR active = $5) AND ($6 = 0 OR published = $7) ORDER BY id DESC LIMIT $8",
            &args![
                &scope.merchant_id,
                scope.livemode,
                page.cursor(),
                i64::from(active.is_some()),
                active.unwrap_or(true),
                i64::from(published.is_some()),
                published.unwrap_or(true),
                page.fetch()
            ],
        )
        .await?;
    Ok(page.finish(rows.into_iter().map(Plan::from).collect()))
}

/// Most published plans the public API shows.
pub const MAX_PUBLISHED: i64 = 100;

/// The published, active plans of this merchant and mode, oldest first (the order
/// they were made in, which is the usual order of a pricing table).
pub async fn list_published_plans(db: &Db, scope: &Scope) -> Result<Vec<Plan>, sqlx::Error> {
    let rows: Vec<PlanRow> = db
        .fetch_all(
            "SELECT * FROM plans WHERE merchant_id = $1 AND livemode = $2 AND active = $3 \
             AND published = $3 ORDER BY id ASC LIMIT $4",
            &args![&scope.merchant_id, scope.livemode, true, MAX_PUBLISHED],
        )
        .await?;
    Ok(rows.into_iter().map(Plan::from).collect())
}
