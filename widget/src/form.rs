//! The checkout form's state and the requests made from it: plain Rust, no DOM,
//! so it is unit-tested on the host.

use crate::small_map::SmallMap;

use crate::wire::{
    AddonInput, Address, CardDetails, CheckoutCustomer, CheckoutPayment, CheckoutRequest,
    PaymentMode, PortalCustomer, Price, PublicPlan, Recurring, SignatureInput,
    UpdatePortalCustomer,
};

use crate::api::ApiError;
use crate::format::divide_half_even;
use crate::i18n::{Locale, Text};

/// An input of the checkout form; errors are attached to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Quantity,
    Addons,
    Email,
    Name,
    Company,
    VatNumber,
    Country,
    Line1,
    Line2,
    PostalCode,
    City,
    Region,
    SignatureName,
    SignatureImage,
    Agree,
    CardNumber,
    CardExpiry,
    CardCvc,
}

impl Field {
    /// The input's element id inside the widget's shadow root.
    pub fn id(self) -> &'static str {
        match self {
            Self::Quantity => "rw-quantity",
            Self::Addons => "rw-addons",
            Self::Email => "rw-email",
            Self::Name => "rw-name",
            Self::Company => "rw-company",
            Self::VatNumber => "rw-vat",
            Self::Country => "rw-country",
            Self::Line1 => "rw-line1",
            Self::Line2 => "rw-line2",
            Self::PostalCode => "rw-postal",
            Self::City => "rw-city",
            Self::Region => "rw-region",
            Self::SignatureName => "rw-signer",
            Self::SignatureImage => "rw-signature-pad",
            Self::Agree => "rw-agree",
            Self::CardNumber => "rw-card-number",
            Self::CardExpiry => "rw-card-expiry",
            Self::CardCvc => "rw-card-cvc",
        }
    }

    /// The input an API error's dotted `param` is about (`customer.address.city`,
    /// `payment_method.card.cvc`, `addons.0.quantity`; the portal's `email`,
    /// `address.city` and `card.cvc`).
    pub fn from_param(param: &str) -> Option<Self> {
        let p = param.trim();
        let p = p.strip_prefix("customer.").unwrap_or(p);
        if let Some(rest) = p
            .strip_prefix("payment_method")
            .or_else(|| p.strip_prefix("card"))
        {
            let last = rest.rsplit('.').next().unwrap_or_default();
            return Some(match last {
                "exp_month" | "exp_year" => Self::CardExpiry,
                "cvc" => Self::CardCvc,
                _ => Self::CardNumber,
            });
        }
        if p.starts_with("addons") {
            return Some(Self::Addons);
        }
        Some(match p {
            "quantity" => Self::Quantity,
            "email" => Self::Email,
            "name" => Self::Name,
            "company" => Self::Company,
            "vat_number" => Self::VatNumber,
            "address" | "address.country" => Self::Country,
            "address.line1" => Self::Line1,
            "address.line2" => Self::Line2,
            "address.postal_code" => Self::PostalCode,
            "address.city" => Self::City,
            "address.region" => Self::Region,
            "signature" | "signature.name" => Self::SignatureName,
            "signature.image" => Self::SignatureImage,
            "agree" => Self::Agree,
            _ => return None,
        })
    }
}

/// How the shopper signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignMode {
    #[default]
    Type,
    Draw,
}

/// Everything typed into the checkout, and the errors shown next to it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Form {
    pub price: String,
    pub quantity: u32,
    /// Chosen add-ons by product id, with their quantity; the price used follows
    /// the chosen billing period.
    pub addons: SmallMap<String, u32>,
    pub email: String,
    pub name: String,
    pub company: String,
    pub vat_number: String,
    pub country: String,
    pub line1: String,
    pub line2: String,
    pub postal_code: String,
    pub city: String,
    pub region: String,
    pub sign_mode: SignMode,
    pub signer: String,
    /// A drawn signature as a PNG data URL.
    pub signature_image: Option<String>,
    pub agreed: bool,
    pub card_number: String,
    pub card_expiry: String,
    pub card_cvc: String,
    pub errors: SmallMap<Field, String>,
    /// A message about the whole form (network, unexpected errors).
    pub banner: Option<String>,
}

impl Form {
    /// A fresh form for `plan`, on `price` when the plan offers it.
    pub fn new(plan: &PublicPlan, price: Option<&str>, email: Option<&str>, country: &str) -> Self {
        let price = price
            .filter(|p| plan.prices.iter().any(|x| x.id == *p))
            .or_else(|| plan.prices.first().map(|p| p.id.as_str()))
            .unwrap_or_default();
        Self {
            price: price.to_owned(),
            quantity: 1,
            email: email.unwrap_or_default().to_owned(),
            country: country.to_owned(),
            ..Self::default()
        }
    }

    /// Sets a text input and clears its error.
    pub fn set(&mut self, field: Field, value: String) {
        let slot = match field {
            Field::Email => &mut self.email,
            Field::Name => &mut self.name,
            Field::Company => &mut self.company,
            Field::VatNumber => &mut self.vat_number,
            Field::Country => &mut self.country,
            Field::Line1 => &mut self.line1,
            Field::Line2 => &mut self.line2,
            Field::PostalCode => &mut self.postal_code,
            Field::City => &mut self.city,
            Field::Region => &mut self.region,
            Field::SignatureName => &mut self.signer,
            Field::CardNumber => &mut self.card_number,
            Field::CardExpiry => &mut self.card_expiry,
            Field::CardCvc => &mut self.card_cvc,
            Field::Quantity | Field::Addons | Field::SignatureImage | Field::Agree => {
                self.errors.remove(&field);
                return;
            }
        };
        *slot = value;
        self.errors.remove(&field);
        self.banner = None;
    }

    /// The text of an input.
    pub fn value(&self, field: Field) -> &str {
        match field {
            Field::Email => &self.email,
            Field::Name => &self.name,
            Field::Company => &self.company,
            Field::VatNumber => &self.vat_number,
            Field::Country => &self.country,
            Field::Line1 => &self.line1,
            Field::Line2 => &self.line2,
            Field::PostalCode => &self.postal_code,
            Field::City => &self.city,
            Field::Region => &self.region,
            Field::SignatureName => &self.signer,
            Field::CardNumber => &self.card_number,
            Field::CardExpiry => &self.card_expiry,
            Field::CardCvc => &self.card_cvc,
            Field::Quantity | Field::Addons | Field::SignatureImage | Field::Agree => "",
        }
    }

    /// The portal's edit form, filled in with the customer's details.
    pub fn from_customer(c: &PortalCustomer) -> Self {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        let a = &c.address;
        Self {
            email: c.email.clone(),
            name: s(&c.name),
            company: s(&c.company),
            vat_number: s(&c.vat_number),
            country: s(&a.country),
            line1: s(&a.line1),
            line2: s(&a.line2),
            postal_code: s(&a.postal_code),
            city: s(&a.city),
            region: s(&a.region),
            ..Self::default()
        }
    }

    /// The portal's `PATCH …/customer`: every field is sent, a blank optional one
    /// as `null` (cleared); or the errors to fix first.
    pub fn customer_update(
        &self,
        locale: Locale,
    ) -> Result<UpdatePortalCustomer, SmallMap<Field, String>> {
        let mut errors = SmallMap::new();
        for field in [Field::Email, Field::Country] {
            if self.value(field).trim().is_empty() {
                errors.insert(field, locale.text().err_required.to_owned());
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(UpdatePortalCustomer {
            email: text(&self.email),
            name: Some(text(&self.name)),
            company: Some(text(&self.company)),
            vat_number: Some(text(&self.vat_number)),
            address: Some(self.address()),
            locale: None,
        })
    }

    /// The billing address as typed.
    fn address(&self) -> Address {
        Address {
            line1: text(&self.line1),
            line2: text(&self.line2),
            city: text(&self.city),
            postal_code: text(&self.postal_code),
            region: text(&self.region),
            country: text(&self.country),
        }
    }

    /// The chosen plan price.
    pub fn chosen<'a>(&self, plan: &'a PublicPlan) -> Option<&'a Price> {
        plan.prices.iter().find(|p| p.id == self.price)
    }

    /// The add-ons that fit the chosen billing period (or are one-off), one price
    /// per product.
    pub fn offered_addons<'a>(&self, plan: &'a PublicPlan) -> Vec<&'a Price> {
        let recurring = self.chosen(plan).and_then(|p| p.recurring);
        let mut out: Vec<&Price> = Vec::new();
        for price in &plan.addons {
            let fits = price.recurring.is_none() || price.recurring == recurring;
            if fits && !out.iter().any(|p| p.product == price.product) {
                out.push(price);
            }
        }
        out
    }

    /// The request for the live summary: what changes the amounts, nothing personal.
    pub fn preview_request(&self, plan: &PublicPlan, locale: Locale) -> CheckoutRequest {
        let address = Address {
            postal_code: text(&self.postal_code),
            region: text(&self.region),
            country: text(&self.country),
            ..Address::default()
        };
        CheckoutRequest {
            plan: plan.id.clone(),
            price: text(&self.price),
            quantity: self.quantity.max(1),
            addons: self.addon_inputs(plan),
            customer: CheckoutCustomer {
                company: text(&self.company),
                vat_number: text(&self.vat_number),
                address: Some(address),
                locale: Some(locale.tag().to_owned()),
                ..CheckoutCustomer::default()
            },
            signature: None,
            payment_method: None,
        }
    }

    fn addon_inputs(&self, plan: &PublicPlan) -> Vec<AddonInput> {
        self.offered_addons(plan)
            .into_iter()
            .filter_map(|price| {
                let quantity = *self.addons.get(&price.product)?;
                (quantity > 0).then(|| AddonInput {
                    price: price.id.clone(),
                    quantity,
                })
            })
            .collect()
    }

    /// The checkout request, or the errors the shopper can fix before sending it.
    pub fn checkout_request(
        &self,
        plan: &PublicPlan,
        locale: Locale,
    ) -> Result<CheckoutRequest, SmallMap<Field, String>> {
        let t = locale.text();
        let mut errors = SmallMap::new();
        for field in [Field::Email, Field::Name, Field::Country] {
            if self.value(field).trim().is_empty() {
                errors.insert(field, t.err_required.to_owned());
            }
        }
        let signature = plan
            .require_signature
            .then(|| self.signature(t, &mut errors));
        let payment_method = (plan.payment_mode == PaymentMode::ChargeAutomatically)
            .then(|| self.card(t, &mut errors));
        if !errors.is_empty() {
            return Err(errors);
        }
        let preview = self.preview_request(plan, locale);
        Ok(CheckoutRequest {
            customer: CheckoutCustomer {
                email: text(&self.email),
                name: text(&self.name),
                address: Some(self.address()),
                ..preview.customer
            },
            signature,
            payment_method,
            ..preview
        })
    }

    fn signature(&self, t: &Text, errors: &mut SmallMap<Field, String>) -> SignatureInput {
        if self.signer.trim().is_empty() {
            errors.insert(Field::SignatureName, t.err_required.to_owned());
        }
        if !self.agreed {
            errors.insert(Field::Agree, t.err_agree.to_owned());
        }
        let image = match self.sign_mode {
            SignMode::Type => None,
            SignMode::Draw => {
                if self.signature_image.is_none() {
                    errors.insert(Field::SignatureImage, t.err_sign.to_owned());
                }
                self.signature_image.clone()
            }
        };
        SignatureInput {
            name: self.signer.trim().to_owned(),
            image,
        }
    }

    /// The typed card, with what is missing or malformed added to `errors`.
    pub fn card(&self, t: &Text, errors: &mut SmallMap<Field, String>) -> CheckoutPayment {
        let number = digits(&self.card_number);
        if number.is_empty() {
            errors.insert(Field::CardNumber, t.err_required.to_owned());
        }
        let cvc = digits(&self.card_cvc);
        if cvc.is_empty() {
            errors.insert(Field::CardCvc, t.err_required.to_owned());
        }
        let (exp_month, exp_year) = parse_expiry(&self.card_expiry).unwrap_or_else(|| {
            errors.insert(Field::CardExpiry, t.err_expiry_format.to_owned());
            (0, 0)
        });
        CheckoutPayment {
            card: CardDetails {
                number,
                exp_month,
                exp_year,
                cvc,
            },
        }
    }
}

/// The message for a failed call, and the input it belongs to (if any).
pub fn explain(err: &ApiError, locale: Locale) -> (Option<Field>, String) {
    let t = locale.text();
    let ApiError::Problem(p) = err else {
        return (None, t.err_network.to_owned());
    };
    let message = match locale.error_for_code(&p.code) {
        Some(m) => m,
        None if p.status >= 500 || p.detail.is_empty() => t.err_generic,
        None => &p.detail,
    };
    let field = p.param.as_deref().and_then(Field::from_param);
    let field = match (p.status, field) {
        (402, None) => Some(Field::CardNumber),
        (_, field) => field,
    };
    (field, message.to_owned())
}

/// `Some(trimmed)` unless blank.
fn text(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// The digits of a typed card number or code.
pub fn digits(raw: &str) -> String {
    raw.chars().filter(char::is_ascii_digit).collect()
}

/// A card number in groups as printed on the card: 4-4-4-4, or 4-6-5 for
/// American Express; at most 19 digits.
pub fn format_card_number(raw: &str) -> String {
    let d: String = digits(raw).chars().take(19).collect();
    let amex = d.starts_with("34") || d.starts_with("37");
    let breaks: &[usize] = if amex { &[4, 10] } else { &[4, 8, 12, 16] };
    let mut out = String::with_capacity(d.len() + 4);
    for (i, c) in d.chars().enumerate() {
        if breaks.contains(&i) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// A typed expiry as `MM / YY` once past the month, so that deleting works.
pub fn format_expiry(raw: &str) -> String {
    let d: String = digits(raw).chars().take(6).collect();
    if d.len() <= 2 {
        d
    } else {
        format!("{} / {}", &d[..2], &d[2..])
    }
}

/// `(month, year)` from `MM / YY` or `MM / YYYY`.
pub fn parse_expiry(raw: &str) -> Option<(u32, u32)> {
    let d = digits(raw);
    let (month, year) = match d.len() {
        4 => (d[..2].parse().ok()?, 2000 + d[2..].parse::<u32>().ok()?),
        6 => (d[..2].parse().ok()?, d[2..].parse().ok()?),
        _ => return None,
    };
    (1..=12).contains(&month).then_some((month, year))
}

/// Savings of a yearly price against twelve months of a monthly one, as an amount
/// and a rounded whole percentage, when there are any.
pub fn yearly_saving(monthly: &Price, yearly: &Price) -> Option<(rust_decimal::Decimal, u32)> {
    let is = |p: &Price, interval| {
        p.recurring
            == Some(Recurring {
                interval,
                interval_count: 1,
            })
    };
    if !is(monthly, crate::wire::Interval::Month) || !is(yearly, crate::wire::Interval::Year) {
        return None;
    }
    let full = monthly.unit_amount * rust_decimal::Decimal::from(12);
    let saved = full - yearly.unit_amount;
    if saved <= rust_decimal::Decimal::ZERO || full.is_zero() {
        return None;
    }
    // saved · 100 / full, rounded like `Decimal::round` (half to even), on the
    // mantissas at a common scale: `Decimal` division is large. They leave
    // `i128` (no saving shown) only for amounts far beyond what the API accepts.
    let scale = saved.scale().max(full.scale());
    let at_scale = |a: rust_decimal::Decimal| {
        a.mantissa()
            .checked_mul(10i128.checked_pow(scale - a.scale())?)
    };
    let percent = divide_half_even(at_scale(saved)?.checked_mul(100)?, at_scale(full)?);
    Some((saved, u32::try_from(percent).unwrap_or(0)))
}

/// A change to the form, applied to its latest state (checkout and portal
/// forms are `use_reducer` states).
pub struct Edit(pub Box<dyn FnOnce(&mut Form)>);

impl yew::Reducible for Form {
    type Action = Edit;

    fn reduce(self: std::rc::Rc<Self>, action: Edit) -> std::rc::Rc<Self> {
        let mut next = std::rc::Rc::unwrap_or_clone(self);
        (action.0)(&mut next);
        std::rc::Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::json::{Json, ToJson, from_text, parse};
    use crate::wire::{ChangeRight, CustomerRights, Interval, TaxBehavior};

    fn price(id: &str, product: &str, amount: &str, interval: Option<Interval>) -> Price {
        Price {
            id: id.to_owned(),
            product: product.to_owned(),
            currency: "EUR".to_owned(),
            unit_amount: amount.parse().unwrap(),
            recurring: interval.map(|interval| Recurring {
                interval,
                interval_count: 1,
            }),
            tax_behavior: TaxBehavior::Exclusive,
            nickname: None,
        }
    }

    fn plan() -> PublicPlan {
        PublicPlan {
            id: "plan_pro".to_owned(),
            name: "Pro".to_owned(),
            description: None,
            currency: "EUR".to_owned(),
            prices: vec![
                price("price_m", "prod_pro", "29", Some(Interval::Month)),
                price("price_y", "prod_pro", "290", Some(Interval::Year)),
            ],
            addons: vec![
                price("price_sm", "prod_storage", "5", Some(Interval::Month)),
                price("price_sy", "prod_storage", "50", Some(Interval::Year)),
                price("price_kit", "prod_kit", "20", None),
            ],
            setup_fee: None,
            products: vec![],
            trial_days: 0,
            payment_mode: PaymentMode::ChargeAutomatically,
            customer_rights: CustomerRights {
                change: ChangeRight::UpgradeDowngrade,
                can_close: true,
                can_pause: false,
                can_change_quantity: true,
            },
            terms: Some("Terms".to_owned()),
            require_signature: true,
            features: vec![],
        }
    }

    #[test]
    fn api_params_point_at_inputs() {
        assert_eq!(
            Field::from_param("customer.address.country"),
            Some(Field::Country)
        );
        assert_eq!(
            Field::from_param("payment_method.card.number"),
            Some(Field::CardNumber)
        );
        assert_eq!(
            Field::from_param("payment_method.exp_year"),
            Some(Field::CardExpiry)
        );
        assert_eq!(
            Field::from_param("payment_method.card.cvc"),
            Some(Field::CardCvc)
        );
        assert_eq!(Field::from_param("payment_method"), Some(Field::CardNumber));
        assert_eq!(Field::from_param("addons.1.quantity"), Some(Field::Addons));
        assert_eq!(Field::from_param("plan"), None);
        // The portal names its fields without the `customer.` prefix.
        assert_eq!(Field::from_param("email"), Some(Field::Email));
        assert_eq!(Field::from_param("address.city"), Some(Field::City));
        assert_eq!(Field::from_param("card.cvc"), Some(Field::CardCvc));
    }

    #[test]
    fn the_portal_sends_every_detail_and_clears_blank_ones() {
        let customer: PortalCustomer = from_text(
            r#"{
                "id": "cus_1", "object": "customer", "email": "ann@example.com", "name": "Ann",
                "company": "Smit BV", "vat_number": null, "locale": "nl",
                "default_payment_method": null,
                "address": {"line1": "Dam 1", "city": "Amsterdam", "country": "NL"}
            }"#,
        )
        .unwrap();
        let mut form = Form::from_customer(&customer);
        assert_eq!(
            (form.value(Field::City), form.value(Field::Company)),
            ("Amsterdam", "Smit BV")
        );
        form.set(Field::Company, " ".to_owned());
        form.set(Field::PostalCode, "1012 JS".to_owned());
        let text = form.customer_update(Locale::En).unwrap().to_json();
        let json = parse(&text).unwrap();
        let get = |path: &[&str]| path.iter().fold(&json, |v, k| v.get(k)).as_str();
        assert_eq!(get(&["email"]), Some("ann@example.com"));
        assert_eq!(get(&["name"]), Some("Ann"));
        assert!(text.contains(r#""company":null"#), "{text}");
        assert!(
            !text.contains("locale"),
            "the language is left alone: {text}"
        );
        assert_eq!(get(&["address", "postal_code"]), Some("1012 JS"));
        assert_eq!(get(&["address", "line1"]), Some("Dam 1"));
        form.set(Field::Email, String::new());
        form.set(Field::Country, String::new());
        let errors = form.customer_update(Locale::En).unwrap_err();
        assert_eq!(
            errors.keys().copied().collect::<Vec<_>>(),
            [Field::Email, Field::Country]
        );
    }

    #[test]
    fn add_ons_follow_the_billing_period() {
        let plan = plan();
        let mut form = Form::new(&plan, Some("price_y"), None, "NL");
        form.addons.insert("prod_storage".to_owned(), 2);
        form.addons.insert("prod_kit".to_owned(), 1);
        let ids: Vec<_> = form
            .preview_request(&plan, Locale::En)
            .addons
            .into_iter()
            .map(|a| (a.price, a.quantity))
            .collect();
        assert_eq!(
            ids,
            [("price_sy".to_owned(), 2), ("price_kit".to_owned(), 1)]
        );
        form.price = "price_m".to_owned();
        assert_eq!(
            form.preview_request(&plan, Locale::En).addons[0].price,
            "price_sm"
        );
    }

    #[test]
    fn an_unknown_price_falls_back_to_the_first() {
        assert_eq!(
            Form::new(&plan(), Some("price_x"), None, "").price,
            "price_m"
        );
    }

    #[test]
    fn the_checkout_request_needs_the_essentials() {
        let plan = plan();
        let mut form = Form::new(&plan, None, Some("ann@example.com"), "NL");
        let errors = form.checkout_request(&plan, Locale::En).unwrap_err();
        assert_eq!(
            errors.keys().copied().collect::<Vec<_>>(),
            [
                Field::Name,
                Field::SignatureName,
                Field::Agree,
                Field::CardNumber,
                Field::CardExpiry,
                Field::CardCvc
            ]
        );
        form.set(Field::Name, "Ann Smit".to_owned());
        form.set(Field::SignatureName, "Ann Smit".to_owned());
        form.agreed = true;
        form.set(Field::CardNumber, "4242 4242 4242 4242".to_owned());
        form.set(Field::CardExpiry, "12 / 34".to_owned());
        form.set(Field::CardCvc, "123".to_owned());
        form.set(Field::City, " Utrecht ".to_owned());
        let req = form.checkout_request(&plan, Locale::Nl).unwrap();
        let json = parse(&req.to_json()).unwrap();
        let get = |path: &[&str]| path.iter().fold(&json, |v, k| v.get(k));
        let text = |path: &[&str]| get(path).as_str();
        assert_eq!(text(&["customer", "email"]), Some("ann@example.com"));
        assert_eq!(text(&["customer", "locale"]), Some("nl"));
        assert_eq!(text(&["customer", "address", "city"]), Some("Utrecht"));
        assert_eq!(text(&["customer", "address", "country"]), Some("NL"));
        assert_eq!(
            text(&["payment_method", "card", "number"]),
            Some("4242424242424242")
        );
        assert_eq!(
            get(&["payment_method", "card", "exp_year"]),
            &Json::Number("2034".to_owned())
        );
        assert_eq!(text(&["signature", "name"]), Some("Ann Smit"));
        assert_eq!(get(&["signature", "image"]), &Json::Null);
        form.sign_mode = SignMode::Draw;
        let errors = form.checkout_request(&plan, Locale::En).unwrap_err();
        assert!(errors.contains_key(&Field::SignatureImage));
    }

    #[test]
    fn card_inputs_are_formatted_as_typed() {
        assert_eq!(
            format_card_number("4242424242424242"),
            "4242 4242 4242 4242"
        );
        assert_eq!(format_card_number("3782 822463 10005"), "3782 822463 10005");
        assert_eq!(format_card_number("42a4"), "424");
        assert_eq!(format_expiry("1"), "1");
        assert_eq!(format_expiry("12"), "12");
        assert_eq!(format_expiry("12 / "), "12");
        assert_eq!(format_expiry("1234"), "12 / 34");
        assert_eq!(parse_expiry("12 / 34"), Some((12, 2034)));
        assert_eq!(parse_expiry("01/2031"), Some((1, 2031)));
        assert_eq!(parse_expiry("13 / 30"), None);
        assert_eq!(parse_expiry("1 / 30"), None);
    }

    #[test]
    fn yearly_savings_are_whole_percentages() {
        let m = price("m", "p", "29", Some(Interval::Month));
        let y = price("y", "p", "290", Some(Interval::Year));
        let (saved, percent) = yearly_saving(&m, &y).unwrap();
        assert_eq!(saved.to_string(), "58");
        assert_eq!(percent, 17);
        assert!(yearly_saving(&y, &m).is_none());
        let dear = price("y", "p", "400", Some(Interval::Year));
        assert!(yearly_saving(&m, &dear).is_none());
    }

    #[test]
    fn yearly_saving_percentages_round_like_decimal_division() {
        use rust_decimal::Decimal;

        let check = |monthly: &str, yearly: &str| {
            let m = price("m", "p", monthly, Some(Interval::Month));
            let y = price("y", "p", yearly, Some(Interval::Year));
            let full = m.unit_amount * Decimal::from(12);
            let saved = full - y.unit_amount;
            let expected = (saved > Decimal::ZERO && !full.is_zero()).then(|| {
                let percent = (saved * Decimal::from(100) / full).round();
                (saved, percent.to_string().parse().unwrap_or(0))
            });
            assert_eq!(yearly_saving(&m, &y), expected, "{monthly} {yearly}");
        };
        for (monthly, yearly) in [
            ("29.99", "299.9"),
            ("0.25", "2.99"),
            ("8", "95.04"),
            ("-10", "-200"),
            ("1000000000000", "0.000000000001"),
        ] {
            check(monthly, yearly);
        }
        // Every yearly price to the cent up to and above twelve months of 20,
        // midpoints such as 238.80 (0.5%) and 236.40 (1.5%) included.
        for cents in 0..25_000 {
            check("20", &Decimal::new(cents, 2).to_string());
        }
    }
}
