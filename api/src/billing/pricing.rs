//! Turning a plan, the chosen prices and the customer into priced lines with tax.

use std::collections::HashMap;

use chrono::NaiveDate;
use renewly_types::{
    BillTo, Customer, ItemInput, Merchant, Plan, Price, Pricelist, Product, Recurring, TaxBehavior,
    VatVerificationStatus,
};
use rust_decimal::Decimal;

use super::BillingError;
use crate::db::Db;
use crate::domain::currency::Currency;
use crate::domain::invoice::{LineInput, TaxChoice, Totals, totals};
use crate::domain::money::round;
use crate::domain::mrr::line_mrr;
use crate::domain::pricing::{ListedPrice, apply};
use crate::domain::tax::{REVERSE_CHARGE_NOTE, is_reverse_charge, vat_charged_note};
use crate::store::subscriptions::{NewItem, tax_behavior_name};
use crate::store::{Scope, catalog, pricelists, prices, tax_rates};

/// Most units of one line.
pub const MAX_QUANTITY: u32 = 100_000;

/// One chosen price with its product and the customer's pricelist applied.
#[derive(Debug, Clone)]
pub struct PricedItem {
    pub price: Price,
    pub product: Product,
    pub quantity: u32,
    /// List price per unit (or the pricelist's fixed price when it is higher).
    pub unit_amount: Decimal,
    /// Discount per unit from the pricelist.
    pub unit_discount: Decimal,
    pub addon: bool,
}

impl PricedItem {
    /// Whether the line renews.
    pub fn recurring(&self) -> bool {
        self.price.recurring.is_some()
    }

    /// A description for documents: the product, and the price's nickname.
    pub fn description(&self) -> String {
        match &self.price.nickname {
            Some(n) => format!("{} ({n})", self.product.name),
            None => self.product.name.clone(),
        }
    }
}

/// A validated order for a plan.
#[derive(Debug, Clone)]
pub struct Chosen {
    pub plan: Plan,
    pub currency: Currency,
    pub recurring: Recurring,
    /// Recurring and one-off items, the plan's price first.
    pub items: Vec<PricedItem>,
    pub setup_fee: Option<PricedItem>,
}

fn bad(param: impl Into<String>, detail: impl Into<String>) -> BillingError {
    BillingError::invalid(param, detail)
}

/// Checks `items` against the plan (exactly one of its prices, any of its add-ons,
/// quantities from 1) and prices them with the customer's pricelist.
pub async fn choose(
    db: &Db,
    scope: &Scope,
    plan: &Plan,
    items: &[ItemInput],
    pricelist_id: Option<&str>,
) -> Result<Chosen, BillingError> {
    if items.is_empty() {
        return Err(bad("items", "Choose one of the plan's prices"));
    }
    let pricelist = match pricelist_id {
        Some(id) => pricelists::get_pricelist(db, scope, id).await?,
        None => None,
    };
    let mut priced = Vec::with_capacity(items.len());
    let mut main: Option<usize> = None;
    for (i, item) in items.iter().enumerate() {
        let param = format!("items.{i}.price");
        let (in_plan, addon) = check_item(plan, items, i)?;
        if in_plan {
            if main.is_some() {
                return Err(bad(param, "Choose only one of the plan's prices"));
            }
            main = Some(i);
        }
        let p = price_item(
            db,
            scope,
            &item.price,
            item.quantity,
            addon && !in_plan,
            pricelist.as_ref(),
            &param,
        )
        .await?;
        priced.push(p);
    }
    let Some(main) = main else {
        return Err(bad(
            "items",
            "Choose one of the plan's prices (not only add-ons)",
        ));
    };
    let main_item = priced.remove(main);
    let Some(recurring) = main_item.price.recurring else {
        return Err(bad(
            format!("items.{main}.price"),
            "The plan's price must be recurring",
        ));
    };
    check_addon_schedules(&priced, main, recurring)?;
    priced.insert(0, main_item);
    let setup_fee = match &plan.setup_fee {
        Some(id) => {
            Some(price_item(db, scope, id, 1, false, pricelist.as_ref(), "setup_fee").await?)
        }
        None => None,
    };
    let currency = Currency::parse(&plan.currency).ok_or_else(|| {
        bad(
            "plan",
            format!("The plan's currency '{}' is unknown", plan.currency),
        )
    })?;
    Ok(Chosen {
        plan: plan.clone(),
        currency,
        recurring,
        items: priced,
        setup_fee,
    })
}

async fn price_item(
    db: &Db,
    scope: &Scope,
    price_id: &str,
    quantity: u32,
    addon: bool,
    pricelist: Option<&Pricelist>,
    param: &str,
) -> Result<PricedItem, BillingError> {
    let price = prices::get_price(db, scope, price_id)
        .await?
        .ok_or_else(|| bad(param, format!("No such price: '{price_id}'")))?;
    let product = catalog::get_product(db, scope, &price.product)
        .await?
        .ok_or_else(|| {
            bad(
                param,
                format!("The product of price '{price_id}' is missing"),
            )
        })?;
    let (unit_amount, unit_discount) =
        match pricelist.filter(|pl| pl.active && pl.currency == price.currency) {
            Some(pl) => {
                let listed = ListedPrice {
                    id: &price.id,
                    product: &price.product,
                    unit_amount: price.unit_amount,
                };
                let p = apply(&pl.items, &listed, quantity);
                if p.discount < Decimal::ZERO {
                    (p.unit_amount, Decimal::ZERO)
                } else {
                    (price.unit_amount, p.discount)
                }
            }
            None => (price.unit_amount, Decimal::ZERO),
        };
    Ok(PricedItem {
        price,
        product,
        quantity,
        unit_amount,
        unit_discount,
        addon,
    })
}

/// Who is taxed how: the customer's billing country decides the rate; an EU
/// business customer in another member state is reverse-charged once VIES has
/// verified their VAT number, and charged VAT with a note saying why until then.
#[derive(Debug, Clone)]
pub struct TaxContext {
    pub country: String,
    pub reverse_charge: bool,
    /// Why VAT is charged to a customer who gave a VAT number.
    vat_note: Option<String>,
    rates: HashMap<String, TaxChoice>,
}

impl TaxContext {
    /// The context for this merchant and customer (with the customer's last VIES
    /// answer, `Customer::vat_verification`).
    pub fn new(merchant: &Merchant, customer: &Customer) -> Self {
        let customer_country = customer.address.country.as_deref();
        let eligible = is_reverse_charge(
            &merchant.country,
            customer_country,
            customer.vat_number.as_deref(),
        );
        let status = customer.vat_verification.as_ref().map(|v| v.status);
        let reverse_charge = eligible && status == Some(VatVerificationStatus::Verified);
        let vat_note = match (&customer.vat_number, eligible && !reverse_charge) {
            (Some(number), true) => Some(vat_charged_note(
                number,
                status == Some(VatVerificationStatus::Invalid),
            )),
            _ => None,
        };
        Self {
            country: customer_country.unwrap_or(&merchant.country).to_owned(),
            reverse_charge,
            vat_note,
            rates: HashMap::new(),
        }
    }

    /// The mention a document carries: the reverse charge, or why VAT is charged
    /// although the customer gave a VAT number.
    pub fn note(&self) -> Option<String> {
        if self.reverse_charge {
            Some(REVERSE_CHARGE_NOTE.to_owned())
        } else {
            self.vat_note.clone()
        }
    }

    /// The tax for a product's category (looked up once per category).
    pub async fn choice(
        &mut self,
        db: &Db,
        scope: &Scope,
        category: &str,
    ) -> Result<TaxChoice, sqlx::Error> {
        if self.reverse_charge {
            return Ok(TaxChoice {
                rate: Decimal::ZERO,
                name: "Reverse charge".to_owned(),
            });
        }
        if let Some(c) = self.rates.get(category) {
            return Ok(c.clone());
        }
        let choice = match tax_rates::find_rate(db, scope, &self.country, category).await? {
            Some(rate) => TaxChoice {
                rate: rate.percentage.normalize(),
                name: rate.name,
            },
            None => TaxChoice {
                rate: Decimal::ZERO,
                name: "No tax".to_owned(),
            },
        };
        self.rates.insert(category.to_owned(), choice.clone());
        Ok(choice)
    }
}

/// Which lines an invoice carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// Everything of a first order: recurring, one-off and the setup fee.
    FirstOrder,
    /// What renews.
    RecurringOnly,
    /// One-off lines and the setup fee (a first order that starts with a trial).
    OneOffOnly,
}

/// Priced line inputs for an invoice of `period`.
pub async fn line_inputs(
    db: &Db,
    scope: &Scope,
    tax: &mut TaxContext,
    items: &[PricedItem],
    setup_fee: Option<&PricedItem>,
    period: (NaiveDate, NaiveDate),
    which: Lines,
) -> Result<Vec<LineInput>, sqlx::Error> {
    let mut out = Vec::new();
    let wanted = |item: &PricedItem| match which {
        Lines::FirstOrder => true,
        Lines::RecurringOnly => item.recurring(),
        Lines::OneOffOnly => !item.recurring(),
    };
    for item in items.iter().filter(|i| wanted(i)) {
        out.push(LineInput {
            kind: if item.recurring() {
                "recurring"
            } else {
                "one_off"
            },
            description: item.description(),
            price: Some(item.price.id.clone()),
            period: item.recurring().then_some(period),
            quantity: item.quantity,
            unit_amount: item.unit_amount,
            unit_discount: item.unit_discount,
            tax_behavior: item.price.tax_behavior,
            tax: tax.choice(db, scope, &item.product.tax_category).await?,
        });
    }
    if which != Lines::RecurringOnly {
        if let Some(fee) = setup_fee {
            out.push(LineInput {
                kind: "setup_fee",
                description: format!("{} (setup fee)", fee.product.name),
                price: Some(fee.price.id.clone()),
                period: None,
                quantity: 1,
                unit_amount: fee.unit_amount,
                unit_discount: fee.unit_discount,
                tax_behavior: fee.price.tax_behavior,
                tax: tax.choice(db, scope, &fee.product.tax_category).await?,
            });
        }
    }
    Ok(out)
}

/// The MRR of the recurring lines among `lines` (their untaxed net after
/// discounts), in minor units.
pub fn mrr_of(worked: &Totals, recurring: Recurring, currency: &Currency) -> Decimal {
    worked
        .lines
        .iter()
        .filter(|l| l.kind == "recurring")
        .map(|l| line_mrr(l.net, recurring, currency))
        .sum()
}

/// Works out the MRR of recurring `items` for this tax context.
pub async fn items_mrr(
    db: &Db,
    scope: &Scope,
    tax: &mut TaxContext,
    items: &[PricedItem],
    recurring: Recurring,
    currency: &Currency,
) -> Result<Decimal, sqlx::Error> {
    let today = chrono::NaiveDate::MIN;
    let inputs = line_inputs(
        db,
        scope,
        tax,
        items,
        None,
        (today, today),
        Lines::RecurringOnly,
    )
    .await?;
    Ok(mrr_of(&totals(&inputs, currency), recurring, currency))
}

/// Whether a price's amounts include tax.
pub fn is_inclusive(price: &Price) -> bool {
    price.tax_behavior == TaxBehavior::Inclusive
}

/// Checks the `i`-th chosen item on its own: listed once, a valid quantity, one
/// of the plan's prices or add-ons (which it is, in that order).
fn check_item(plan: &Plan, items: &[ItemInput], i: usize) -> Result<(bool, bool), BillingError> {
    let item = &items[i];
    let param = format!("items.{i}.price");
    if items[..i].iter().any(|other| other.price == item.price) {
        return Err(bad(
            param,
            format!("Price '{}' is listed twice; use quantity", item.price),
        ));
    }
    if item.quantity == 0 || item.quantity > MAX_QUANTITY {
        return Err(bad(
            format!("items.{i}.quantity"),
            format!("quantity must be 1 to {MAX_QUANTITY}"),
        ));
    }
    let in_plan = plan.prices.contains(&item.price);
    let addon = plan.addons.contains(&item.price);
    if !in_plan && !addon {
        return Err(bad(
            param,
            format!(
                "Price '{}' is not offered by plan '{}'",
                item.price, plan.id
            ),
        ));
    }
    Ok((in_plan, addon))
}

/// Recurring add-ons renew like the main price. `priced` is the list without the
/// main price, which was at `main` (errors name the index as chosen).
fn check_addon_schedules(
    priced: &[PricedItem],
    main: usize,
    recurring: Recurring,
) -> Result<(), BillingError> {
    for (i, item) in priced.iter().enumerate() {
        if item.price.recurring.is_some_and(|r| r != recurring) {
            let index = if i >= main { i + 1 } else { i };
            return Err(bad(
                format!("items.{index}.price"),
                "This add-on renews on another schedule than the chosen price",
            ));
        }
    }
    Ok(())
}

/// What `items` cost per period before tax (list minus discounts, rounded per line).
pub fn period_amount(items: &[PricedItem], currency: &Currency) -> Decimal {
    items
        .iter()
        .filter(|i| i.recurring())
        .map(|i| {
            let qty = Decimal::from(i.quantity);
            round(i.unit_amount * qty, currency) - round(i.unit_discount * qty, currency)
        })
        .sum()
}

/// The chosen items as a subscription stores them.
pub fn stored_items(chosen: &Chosen) -> Vec<NewItem> {
    chosen
        .items
        .iter()
        .map(|i| NewItem {
            price_id: i.price.id.clone(),
            product_id: i.product.id.clone(),
            description: i.description(),
            quantity: i64::from(i.quantity),
            unit_amount: i.unit_amount.normalize().to_string(),
            discount: i.unit_discount.normalize().to_string(),
            tax_behavior: tax_behavior_name(i.price.tax_behavior).to_owned(),
            tax_category: i.product.tax_category.clone(),
            recurring: i.recurring(),
            addon: i.addon,
        })
        .collect()
}

/// The customer as billed today.
pub fn bill_to(customer: &Customer) -> BillTo {
    BillTo {
        email: customer.email.clone(),
        name: customer.name.clone(),
        company: customer.company.clone(),
        vat_number: customer.vat_number.clone(),
        address: customer.address.clone(),
    }
}
