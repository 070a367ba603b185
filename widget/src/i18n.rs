//! The widget's words in English and Dutch.
//!
//! Fixed strings live in tables per language, so a missing translation is a
//! compile error: [`Text`] for what every element uses, `CheckoutText` and
//! `PortalText` for one family of elements, each only in the bundles with it.
//! Strings with values in them are methods of [`Locale`].

use crate::wire::Interval;

/// A language the widget speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    En,
    Nl,
}

impl Locale {
    /// The language of a BCP 47 tag (`nl`, `nl-BE`, `en-GB`), when we speak it.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let language = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match language.as_str() {
            "en" => Some(Self::En),
            "nl" => Some(Self::Nl),
            _ => None,
        }
    }

    /// The first tag we speak among the element's `locale` attribute, the page's
    /// `<html lang>` and the browser's language; English otherwise.
    pub fn pick<'a>(candidates: impl IntoIterator<Item = Option<&'a str>>) -> Self {
        candidates
            .into_iter()
            .flatten()
            .find_map(Self::from_tag)
            .unwrap_or_default()
    }

    /// The tag sent to the API as the customer's locale.
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Nl => "nl",
        }
    }

    /// The fixed strings every element uses.
    pub fn text(self) -> &'static Text {
        match self {
            Self::En => &EN,
            Self::Nl => &NL,
        }
    }

    /// The fixed strings of the pricing table and the checkout.
    #[cfg(feature = "checkout")]
    pub fn checkout_text(self) -> &'static CheckoutText {
        match self {
            Self::En => &EN_CHECKOUT,
            Self::Nl => &NL_CHECKOUT,
        }
    }

    /// The fixed strings of the customer portal.
    #[cfg(feature = "portal")]
    pub fn portal_text(self) -> &'static PortalText {
        match self {
            Self::En => &EN_PORTAL,
            Self::Nl => &NL_PORTAL,
        }
    }

    /// "month" / "3 months" as in "€29 / month".
    pub fn period(self, interval: Interval, count: u32) -> String {
        let (one, many) = match (self, interval) {
            (Self::En, Interval::Day) => ("day", "days"),
            (Self::En, Interval::Week) => ("week", "weeks"),
            (Self::En, Interval::Month) => ("month", "months"),
            (Self::En, Interval::Year) => ("year", "years"),
            (Self::Nl, Interval::Day) => ("dag", "dagen"),
            (Self::Nl, Interval::Week) => ("week", "weken"),
            (Self::Nl, Interval::Month) => ("maand", "maanden"),
            (Self::Nl, Interval::Year) => ("jaar", "jaar"),
        };
        if count == 1 {
            one.to_owned()
        } else {
            format!("{count} {many}")
        }
    }

    /// "every month" / "every 3 months".
    pub fn every(self, interval: Interval, count: u32) -> String {
        match self {
            Self::En => format!("every {}", self.period(interval, count)),
            Self::Nl => format!("per {}", self.period(interval, count)),
        }
    }

    /// The billing-period choice: "Monthly", "Yearly", "Every 3 months".
    #[cfg(feature = "checkout")]
    pub fn cadence(self, interval: Interval, count: u32) -> String {
        let t = self.checkout_text();
        match (interval, count) {
            (Interval::Month, 1) => t.monthly.to_owned(),
            (Interval::Year, 1) => t.yearly.to_owned(),
            (Interval::Week, 1) => t.weekly.to_owned(),
            (Interval::Day, 1) => t.daily.to_owned(),
            _ => {
                let every = self.every(interval, count);
                let mut chars = every.chars();
                chars
                    .next()
                    .map(|c| {
                        std::iter::once(c.to_ascii_uppercase())
                            .chain(chars)
                            .collect()
                    })
                    .unwrap_or_default()
            }
        }
    }

    pub fn save_up_to(self, percent: u32) -> String {
        match self {
            Self::En => format!("Save up to {percent}%"),
            Self::Nl => format!("Bespaar tot {percent}%"),
        }
    }

    pub fn save_per_year(self, amount: &str) -> String {
        match self {
            Self::En => format!("Save {amount} a year"),
            Self::Nl => format!("Bespaar {amount} per jaar"),
        }
    }

    pub fn monthly_equivalent(self, amount: &str) -> String {
        match self {
            Self::En => format!("{amount} / month, billed yearly"),
            Self::Nl => format!("{amount} per maand, jaarlijks gefactureerd"),
        }
    }

    pub fn setup_fee(self, amount: &str) -> String {
        match self {
            Self::En => format!("+ {amount} one-time setup fee"),
            Self::Nl => format!("+ eenmalig {amount} opstartkosten"),
        }
    }

    pub fn trial(self, days: u32) -> String {
        match self {
            Self::En => format!("{days}-day free trial"),
            Self::Nl => format!("{days} dagen gratis proberen"),
        }
    }

    pub fn then_every(self, amount: &str, every: &str, date: &str) -> String {
        match self {
            Self::En => format!("Then {amount} {every}, from {date}"),
            Self::Nl => format!("Daarna {amount} {every}, vanaf {date}"),
        }
    }

    pub fn trial_until(self, date: &str) -> String {
        match self {
            Self::En => format!("Free trial until {date}"),
            Self::Nl => format!("Gratis proefperiode tot {date}"),
        }
    }

    pub fn pay(self, amount: &str) -> String {
        match self {
            Self::En => format!("Pay {amount} and subscribe"),
            Self::Nl => format!("Betaal {amount} en neem abonnement"),
        }
    }

    pub fn subscribe_to(self, plan: &str) -> String {
        match self {
            Self::En => format!("Subscribe to {plan}"),
            Self::Nl => format!("Abonneer op {plan}"),
        }
    }

    pub fn subscribed_to(self, plan: &str) -> String {
        match self {
            Self::En => format!("You're subscribed to {plan}"),
            Self::Nl => format!("U bent geabonneerd op {plan}"),
        }
    }

    pub fn receipt_sent(self, email: &str) -> String {
        match self {
            Self::En => format!("A confirmation and your invoice are on their way to {email}."),
            Self::Nl => format!("Een bevestiging en uw factuur zijn onderweg naar {email}."),
        }
    }

    pub fn confirm_amount(self, amount: &str) -> String {
        match self {
            Self::En => format!("Your bank asks you to confirm the payment of {amount}."),
            Self::Nl => format!("Uw bank vraagt u de betaling van {amount} te bevestigen."),
        }
    }

    pub fn invoice_number(self, number: &str) -> String {
        match self {
            Self::En => format!("Invoice {number}"),
            Self::Nl => format!("Factuur {number}"),
        }
    }

    pub fn next_invoice(self, date: &str) -> String {
        match self {
            Self::En => format!("Next invoice on {date}"),
            Self::Nl => format!("Volgende factuur op {date}"),
        }
    }

    /// The quantity's label: "Number of seats" for a unit that is a word.
    pub fn quantity_of(self, unit: &str) -> String {
        let word =
            !unit.is_empty() && unit != "unit" && unit.bytes().all(|b| b.is_ascii_lowercase());
        match (self, word) {
            (Self::En, true) if unit.ends_with('s') => format!("Number of {unit}"),
            (Self::En, true) => format!("Number of {unit}s"),
            (Self::En, false) => "Quantity".to_owned(),
            (Self::Nl, true) => format!("Aantal ({unit})"),
            (Self::Nl, false) => "Aantal".to_owned(),
        }
    }

    pub fn addon_quantity(self, name: &str) -> String {
        match self {
            Self::En => format!("Quantity of {name}"),
            Self::Nl => format!("Aantal {name}"),
        }
    }

    /// The month names for dates, January first.
    pub fn months(self) -> &'static [&'static str; 12] {
        match self {
            Self::En => &[
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ],
            Self::Nl => &[
                "januari",
                "februari",
                "maart",
                "april",
                "mei",
                "juni",
                "juli",
                "augustus",
                "september",
                "oktober",
                "november",
                "december",
            ],
        }
    }

    /// "incl. €5.04 VAT" under an amount.
    pub fn incl_tax(self, tax: &str) -> String {
        match self {
            Self::En => format!("incl. {tax} VAT"),
            Self::Nl => format!("incl. {tax} btw"),
        }
    }

    /// The notice on a subscription that will close.
    pub fn ends_on(self, date: &str) -> String {
        match self {
            Self::En => format!("Your subscription ends on {date}."),
            Self::Nl => format!("Uw abonnement loopt af op {date}."),
        }
    }

    /// The notice on a paused subscription.
    pub fn paused_since(self, date: &str) -> String {
        match self {
            Self::En => format!("Paused since {date}. You are not invoiced until you resume it."),
            Self::Nl => {
                format!("Gepauzeerd sinds {date}. U ontvangt geen facturen tot u het hervat.")
            }
        }
    }

    /// A downgrade waiting for the renewal.
    pub fn changes_on(self, plan: &str, date: &str) -> String {
        match self {
            Self::En => format!("Changes to {plan} on {date}."),
            Self::Nl => format!("Wordt {plan} op {date}."),
        }
    }

    /// "Visa •••• 4242, expires 12/34".
    pub fn card_label(self, brand: &str, last4: &str, month: u32, year: u32) -> String {
        let mut brand = brand.to_owned();
        if let Some(first) = brand.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        let expires = match self {
            Self::En => "expires",
            Self::Nl => "verloopt",
        };
        format!(
            "{brand} •••• {last4}, {expires} {month:02}/{:02}",
            year % 100
        )
    }

    /// A message for an API error code the shopper can act on, when we have one.
    pub fn error_for_code(self, code: &str) -> Option<&'static str> {
        let t = self.text();
        Some(match code {
            "missing_field" => t.err_required,
            "card_declined" => t.err_card_declined,
            "insufficient_funds" => t.err_insufficient_funds,
            "incorrect_number" | "invalid_number" => t.err_incorrect_number,
            "expired_card" => t.err_expired_card,
            "invalid_cvc" | "incorrect_cvc" => t.err_invalid_cvc,
            "authentication_required" => t.err_authentication,
            "no_payment_method" => t.err_no_payment_method,
            "invalid_portal_token" => t.portal_expired,
            _ => return None,
        })
    }
}

/// The fixed strings every element uses: forms, address, card and errors.
pub struct Text {
    pub loading: &'static str,
    pub retry: &'static str,

    pub decrease: &'static str,
    pub increase: &'static str,
    pub your_details: &'static str,
    pub email: &'static str,
    pub full_name: &'static str,
    pub company: &'static str,
    pub vat_number: &'static str,
    pub vat_hint: &'static str,
    pub billing_address: &'static str,
    pub country: &'static str,
    pub choose_country: &'static str,
    pub line1: &'static str,
    pub line2: &'static str,
    pub postal_code: &'static str,
    pub city: &'static str,
    pub region: &'static str,

    pub card_number: &'static str,
    pub expiry: &'static str,
    pub cvc: &'static str,
    pub test_mode: &'static str,
    pub test_cards: &'static str,
    pub card_ok: &'static str,
    pub card_declined: &'static str,
    pub card_funds: &'static str,
    pub card_3ds: &'static str,

    pub err_required: &'static str,
    pub err_card_declined: &'static str,
    pub err_insufficient_funds: &'static str,
    pub err_incorrect_number: &'static str,
    pub err_expired_card: &'static str,
    pub err_invalid_cvc: &'static str,
    pub err_authentication: &'static str,
    pub err_expiry_format: &'static str,
    pub err_no_payment_method: &'static str,
    pub err_check_fields: &'static str,
    pub err_network: &'static str,
    pub err_generic: &'static str,
    pub err_sign: &'static str,
    pub err_agree: &'static str,
    /// The portal's expired link, also the message for an API error about it.
    pub portal_expired: &'static str,
}

/// The fixed strings of the pricing table and the checkout only.
#[cfg(feature = "checkout")]
pub struct CheckoutText {
    pub monthly: &'static str,
    pub yearly: &'static str,
    pub weekly: &'static str,
    pub daily: &'static str,
    pub billing_period: &'static str,
    pub billed_monthly: &'static str,
    pub subscribe: &'static str,
    pub start_trial: &'static str,
    pub most_popular: &'static str,
    pub prices_exclude_tax: &'static str,
    pub load_failed: &'static str,
    pub no_plans: &'static str,
    pub back_to_plans: &'static str,
    pub plan_not_found: &'static str,

    pub your_plan: &'static str,
    pub addons: &'static str,

    pub agreement: &'static str,
    pub terms: &'static str,
    pub agree: &'static str,
    pub signature: &'static str,
    pub sign_type: &'static str,
    pub sign_draw: &'static str,
    pub signer_name: &'static str,
    pub draw_hint: &'static str,
    pub signature_pad: &'static str,
    pub clear: &'static str,

    pub payment: &'static str,
    pub processing: &'static str,
    pub secure_note: &'static str,

    pub summary: &'static str,
    pub subtotal: &'static str,
    pub tax: &'static str,
    pub total_today: &'static str,
    pub reverse_charge: &'static str,
    pub updating: &'static str,
    pub preview_failed: &'static str,

    pub confirm_title: &'static str,
    pub authenticate: &'static str,
    pub paid: &'static str,
    pub manage: &'static str,
}

/// The fixed strings of the customer portal only.
#[cfg(feature = "portal")]
pub struct PortalText {
    pub portal_title: &'static str,
    /// The sign-in form of a portal without a token.
    pub sign_in_text: &'static str,
    pub sign_in_button: &'static str,
    /// `{email}`: where the link went.
    pub sign_in_sent: &'static str,
    pub portal_subscriptions: &'static str,
    pub no_subscriptions: &'static str,
    pub status_draft: &'static str,
    pub status_active: &'static str,
    pub status_paused: &'static str,
    pub status_past_due: &'static str,
    pub status_closed: &'static str,
    pub status_cancelling: &'static str,
    pub next_invoice: &'static str,
    pub payment_method: &'static str,
    pub no_payment_method: &'static str,
    pub per_period: &'static str,
    pub keep_subscription: &'static str,
    pub change_plan: &'static str,
    pub cancel_subscription: &'static str,
    pub update_card: &'static str,
    pub invoices: &'static str,
    pub invoice_number: &'static str,
    pub invoice_date: &'static str,
    pub invoice_total: &'static str,
    pub invoice_status: &'static str,
    pub download_pdf: &'static str,
    pub no_invoices: &'static str,
    pub inv_paid: &'static str,
    pub inv_open: &'static str,
    pub inv_void: &'static str,
    pub inv_uncollectible: &'static str,
    pub inv_draft: &'static str,
    pub back: &'static str,
    pub cancel_title: &'static str,
    pub cancel_reason: &'static str,
    pub cancel_comment: &'static str,
    pub continue_label: &'static str,
    pub offer_title: &'static str,
    pub stay: &'static str,
    pub cancel_anyway: &'static str,
    pub confirm_cancel_title: &'static str,
    pub confirm_cancel: &'static str,
    pub cancelled_title: &'static str,
    pub done: &'static str,
    pub change_title: &'static str,
    pub new_plan: &'static str,
    pub current: &'static str,
    pub quantity: &'static str,
    pub preview_change: &'static str,
    pub direction_upgrade: &'static str,
    pub direction_downgrade: &'static str,
    pub direction_unchanged: &'static str,
    pub due_now: &'static str,
    pub effective: &'static str,
    pub then_per_period: &'static str,
    pub confirm_change: &'static str,
    pub plan_changed: &'static str,
    pub card_title: &'static str,
    pub save_card: &'static str,
    pub card_saved: &'static str,
    pub undo_done: &'static str,
    pub edit_details: &'static str,
    pub save_details: &'static str,
    pub details_saved: &'static str,
    /// `{email}`: a new address waiting for its confirmation link.
    pub pending_email: &'static str,
    pub pause: &'static str,
    pub pause_title: &'static str,
    pub pause_text: &'static str,
    pub confirm_pause: &'static str,
    pub paused_done: &'static str,
    pub resume: &'static str,
    pub resume_title: &'static str,
    pub resume_text: &'static str,
    pub confirm_resume: &'static str,
    pub resumed_done: &'static str,
    pub orders: &'static str,
    pub no_orders: &'static str,
    pub plan: &'static str,
    pub invoice: &'static str,
    pub signed_by: &'static str,
    pub pay_now: &'static str,
    pub invoice_paid: &'static str,
    pub make_default: &'static str,
    pub remove_card: &'static str,
    pub default_card: &'static str,
    pub default_changed: &'static str,
    pub card_removed: &'static str,
}

static EN: Text = Text {
    loading: "Loading…",
    retry: "Try again",

    decrease: "Decrease",
    increase: "Increase",
    your_details: "Your details",
    email: "Email",
    full_name: "Full name",
    company: "Company (optional)",
    vat_number: "VAT number (optional)",
    vat_hint: "For EU businesses: VAT may be reverse-charged.",
    billing_address: "Billing address",
    country: "Country",
    choose_country: "Select a country",
    line1: "Address",
    line2: "Apartment, suite, etc. (optional)",
    postal_code: "Postal code",
    city: "City",
    region: "State / province (optional)",

    card_number: "Card number",
    expiry: "Expiry (MM / YY)",
    cvc: "CVC",
    test_mode: "Test mode",
    test_cards: "Use a test card:",
    card_ok: "succeeds",
    card_declined: "declined",
    card_funds: "insufficient funds",
    card_3ds: "asks to authenticate",

    err_required: "This field is required.",
    err_card_declined: "Your card was declined. Try another card.",
    err_insufficient_funds: "Your card has insufficient funds. Try another card.",
    err_incorrect_number: "The card number is incorrect.",
    err_expired_card: "Your card has expired.",
    err_invalid_cvc: "The security code is invalid.",
    err_authentication: "The payment was not authenticated.",
    err_expiry_format: "Enter the expiry date as MM / YY.",
    err_no_payment_method: "There is no card on file: add one first.",
    err_check_fields: "Please check the highlighted fields.",
    err_network: "We could not reach the server. Check your connection and try again.",
    err_generic: "Something went wrong. Please try again.",
    err_sign: "Please sign the agreement.",
    err_agree: "Please accept the terms to continue.",
    portal_expired: "This portal link has expired. Ask for a new one.",
};

static NL: Text = Text {
    loading: "Laden…",
    retry: "Opnieuw proberen",

    decrease: "Minder",
    increase: "Meer",
    your_details: "Uw gegevens",
    email: "E-mailadres",
    full_name: "Volledige naam",
    company: "Bedrijf (optioneel)",
    vat_number: "Btw-nummer (optioneel)",
    vat_hint: "Voor bedrijven in de EU kan de btw worden verlegd.",
    billing_address: "Factuuradres",
    country: "Land",
    choose_country: "Kies een land",
    line1: "Adres",
    line2: "Toevoeging (optioneel)",
    postal_code: "Postcode",
    city: "Plaats",
    region: "Provincie / staat (optioneel)",

    card_number: "Kaartnummer",
    expiry: "Vervaldatum (MM / JJ)",
    cvc: "CVC",
    test_mode: "Testmodus",
    test_cards: "Gebruik een testkaart:",
    card_ok: "lukt",
    card_declined: "geweigerd",
    card_funds: "onvoldoende saldo",
    card_3ds: "vraagt om bevestiging",

    err_required: "Dit veld is verplicht.",
    err_card_declined: "Uw kaart is geweigerd. Probeer een andere kaart.",
    err_insufficient_funds: "Onvoldoende saldo op uw kaart. Probeer een andere kaart.",
    err_incorrect_number: "Het kaartnummer is onjuist.",
    err_expired_card: "Uw kaart is verlopen.",
    err_invalid_cvc: "De beveiligingscode is ongeldig.",
    err_authentication: "De betaling is niet bevestigd.",
    err_expiry_format: "Vul de vervaldatum in als MM / JJ.",
    err_no_payment_method: "Er is geen kaart bekend: voeg er eerst een toe.",
    err_check_fields: "Controleer de gemarkeerde velden.",
    err_network: "De server is niet bereikbaar. Controleer uw verbinding en probeer het opnieuw.",
    err_generic: "Er ging iets mis. Probeer het opnieuw.",
    err_sign: "Onderteken de overeenkomst.",
    err_agree: "Ga akkoord met de voorwaarden om verder te gaan.",
    portal_expired: "Deze link is verlopen. Vraag een nieuwe aan.",
};

#[cfg(feature = "checkout")]
static EN_CHECKOUT: CheckoutText = CheckoutText {
    monthly: "Monthly",
    yearly: "Yearly",
    weekly: "Weekly",
    daily: "Daily",
    billing_period: "Billing period",
    billed_monthly: "Billed monthly",
    subscribe: "Subscribe",
    start_trial: "Start free trial",
    most_popular: "Most popular",
    prices_exclude_tax: "Prices exclude VAT.",
    load_failed: "The plans could not be loaded.",
    no_plans: "No plans are available right now.",
    back_to_plans: "Back to plans",
    plan_not_found: "This plan is not available.",

    your_plan: "Your plan",
    addons: "Add-ons",

    agreement: "Agreement",
    terms: "Terms",
    agree: "I have read and accept the terms",
    signature: "Signature",
    sign_type: "Type",
    sign_draw: "Draw",
    signer_name: "Full name of the signer",
    draw_hint: "Sign with your mouse, finger or pen.",
    signature_pad: "Signature pad",
    clear: "Clear",

    payment: "Payment",
    processing: "Processing…",
    secure_note: "Your card is stored with the payment provider and charged on each renewal.",

    summary: "Summary",
    subtotal: "Subtotal",
    tax: "VAT",
    total_today: "Total due today",
    reverse_charge: "VAT reverse-charged",
    updating: "Updating…",
    preview_failed: "The total could not be calculated.",

    confirm_title: "Confirm your payment",
    authenticate: "Authenticate payment",
    paid: "Paid",
    manage: "Manage your subscription",
};

#[cfg(feature = "checkout")]
static NL_CHECKOUT: CheckoutText = CheckoutText {
    monthly: "Maandelijks",
    yearly: "Jaarlijks",
    weekly: "Wekelijks",
    daily: "Dagelijks",
    billing_period: "Factuurperiode",
    billed_monthly: "Maandelijks gefactureerd",
    subscribe: "Abonneren",
    start_trial: "Start gratis proefperiode",
    most_popular: "Meest gekozen",
    prices_exclude_tax: "Prijzen exclusief btw.",
    load_failed: "De abonnementen konden niet worden geladen.",
    no_plans: "Er zijn op dit moment geen abonnementen beschikbaar.",
    back_to_plans: "Terug naar abonnementen",
    plan_not_found: "Dit abonnement is niet beschikbaar.",

    your_plan: "Uw abonnement",
    addons: "Extra opties",

    agreement: "Overeenkomst",
    terms: "Voorwaarden",
    agree: "Ik heb de voorwaarden gelezen en ga akkoord",
    signature: "Handtekening",
    sign_type: "Typen",
    sign_draw: "Tekenen",
    signer_name: "Volledige naam van de ondertekenaar",
    draw_hint: "Teken met uw muis, vinger of pen.",
    signature_pad: "Tekenvlak voor uw handtekening",
    clear: "Wissen",

    payment: "Betaling",
    processing: "Bezig…",
    secure_note: "Uw kaart wordt bewaard bij de betaalprovider en bij elke verlenging belast.",

    summary: "Overzicht",
    subtotal: "Subtotaal",
    tax: "Btw",
    total_today: "Totaal vandaag",
    reverse_charge: "Btw verlegd",
    updating: "Bijwerken…",
    preview_failed: "Het totaal kon niet worden berekend.",

    confirm_title: "Bevestig uw betaling",
    authenticate: "Betaling bevestigen",
    paid: "Betaald",
    manage: "Beheer uw abonnement",
};

#[cfg(feature = "portal")]
static EN_PORTAL: PortalText = PortalText {
    portal_title: "Your subscription",
    sign_in_text: "Enter the e-mail address you subscribed with and we will send you a link that opens your subscriptions, invoices and payment details.",
    sign_in_button: "E-mail me a link",
    sign_in_sent: "If {email} has a subscription with us, a link is on its way. It works once and for a limited time.",
    portal_subscriptions: "Subscriptions",
    no_subscriptions: "You have no subscriptions.",
    status_draft: "Draft",
    status_active: "Active",
    status_paused: "Paused",
    status_past_due: "Payment overdue",
    status_closed: "Ended",
    status_cancelling: "Ending",
    next_invoice: "Next invoice",
    payment_method: "Payment method",
    no_payment_method: "No card on file",
    per_period: "Amount",
    keep_subscription: "Keep my subscription",
    change_plan: "Change plan",
    cancel_subscription: "Cancel subscription",
    update_card: "Update card",
    invoices: "Invoices",
    invoice_number: "Number",
    invoice_date: "Date",
    invoice_total: "Total",
    invoice_status: "Status",
    download_pdf: "PDF",
    no_invoices: "No invoices yet.",
    inv_paid: "Paid",
    inv_open: "Open",
    inv_void: "Void",
    inv_uncollectible: "Uncollectible",
    inv_draft: "Draft",
    back: "Back",
    cancel_title: "Why are you leaving?",
    cancel_reason: "Reason",
    cancel_comment: "Anything else you want to tell us? (optional)",
    continue_label: "Continue",
    offer_title: "Before you go",
    stay: "Stay",
    cancel_anyway: "Cancel anyway",
    confirm_cancel_title: "Cancel your subscription?",
    confirm_cancel: "Yes, cancel",
    cancelled_title: "Your subscription is cancelled",
    done: "Done",
    change_title: "Change your plan",
    new_plan: "New plan",
    current: "Current",
    quantity: "Quantity",
    preview_change: "Show what changes",
    direction_upgrade: "Upgrade",
    direction_downgrade: "Downgrade",
    direction_unchanged: "No change",
    due_now: "Due now",
    effective: "Takes effect",
    then_per_period: "Then per period",
    confirm_change: "Confirm change",
    plan_changed: "Your plan has been changed.",
    card_title: "Update your card",
    save_card: "Save card",
    card_saved: "Your new card has been saved.",
    undo_done: "Your subscription continues.",
    edit_details: "Edit details",
    save_details: "Save details",
    details_saved: "Your details have been saved.",
    pending_email: "We sent a link to {email}: the new address applies once you confirm it there.",
    pause: "Pause subscription",
    pause_title: "Pause your subscription?",
    pause_text: "While it is paused you are not invoiced. It stays paused until you resume it, which you can do here at any time.",
    confirm_pause: "Yes, pause",
    paused_done: "Your subscription is paused.",
    resume: "Resume subscription",
    resume_title: "Resume your subscription?",
    resume_text: "Billing starts again. If your paid period ended during the pause, a new period starts today.",
    confirm_resume: "Yes, resume",
    resumed_done: "Your subscription has been resumed.",
    orders: "Orders",
    no_orders: "No orders yet.",
    plan: "Plan",
    invoice: "Invoice",
    signed_by: "Signed by",
    pay_now: "Pay now",
    invoice_paid: "Thank you: the invoice has been paid.",
    make_default: "Make default",
    remove_card: "Remove",
    default_card: "Default",
    default_changed: "Your default card has been changed.",
    card_removed: "The card has been removed.",
};

#[cfg(feature = "portal")]
static NL_PORTAL: PortalText = PortalText {
    portal_title: "Uw abonnement",
    sign_in_text: "Vul het e-mailadres in waarmee u zich heeft aangemeld en wij sturen u een link naar uw abonnementen, facturen en betaalgegevens.",
    sign_in_button: "Stuur mij een link",
    sign_in_sent: "Als {email} een abonnement bij ons heeft, is er een link onderweg. Die werkt één keer en een beperkte tijd.",
    portal_subscriptions: "Abonnementen",
    no_subscriptions: "U heeft geen abonnementen.",
    status_draft: "Concept",
    status_active: "Actief",
    status_paused: "Gepauzeerd",
    status_past_due: "Betaling achterstallig",
    status_closed: "Beëindigd",
    status_cancelling: "Loopt af",
    next_invoice: "Volgende factuur",
    payment_method: "Betaalmethode",
    no_payment_method: "Geen kaart bekend",
    per_period: "Bedrag",
    keep_subscription: "Abonnement behouden",
    change_plan: "Abonnement wijzigen",
    cancel_subscription: "Abonnement opzeggen",
    update_card: "Kaart wijzigen",
    invoices: "Facturen",
    invoice_number: "Nummer",
    invoice_date: "Datum",
    invoice_total: "Totaal",
    invoice_status: "Status",
    download_pdf: "PDF",
    no_invoices: "Nog geen facturen.",
    inv_paid: "Betaald",
    inv_open: "Openstaand",
    inv_void: "Vervallen",
    inv_uncollectible: "Oninbaar",
    inv_draft: "Concept",
    back: "Terug",
    cancel_title: "Waarom zegt u op?",
    cancel_reason: "Reden",
    cancel_comment: "Wilt u nog iets kwijt? (optioneel)",
    continue_label: "Doorgaan",
    offer_title: "Voordat u gaat",
    stay: "Blijven",
    cancel_anyway: "Toch opzeggen",
    confirm_cancel_title: "Abonnement opzeggen?",
    confirm_cancel: "Ja, opzeggen",
    cancelled_title: "Uw abonnement is opgezegd",
    done: "Klaar",
    change_title: "Abonnement wijzigen",
    new_plan: "Nieuw abonnement",
    current: "Huidig",
    quantity: "Aantal",
    preview_change: "Bekijk de wijziging",
    direction_upgrade: "Upgrade",
    direction_downgrade: "Downgrade",
    direction_unchanged: "Geen wijziging",
    due_now: "Nu te betalen",
    effective: "Gaat in op",
    then_per_period: "Daarna per periode",
    confirm_change: "Wijziging bevestigen",
    plan_changed: "Uw abonnement is gewijzigd.",
    card_title: "Kaart wijzigen",
    save_card: "Kaart opslaan",
    card_saved: "Uw nieuwe kaart is opgeslagen.",
    undo_done: "Uw abonnement loopt door.",
    edit_details: "Gegevens wijzigen",
    save_details: "Gegevens opslaan",
    details_saved: "Uw gegevens zijn opgeslagen.",
    pending_email: "Wij hebben een link naar {email} gestuurd: het nieuwe adres geldt zodra u het daar bevestigt.",
    pause: "Abonnement pauzeren",
    pause_title: "Abonnement pauzeren?",
    pause_text: "Zolang het gepauzeerd is, ontvangt u geen facturen. Het blijft gepauzeerd tot u het hervat; dat kan hier op elk moment.",
    confirm_pause: "Ja, pauzeren",
    paused_done: "Uw abonnement is gepauzeerd.",
    resume: "Abonnement hervatten",
    resume_title: "Abonnement hervatten?",
    resume_text: "De facturering start weer. Is uw betaalde periode tijdens de pauze afgelopen, dan begint vandaag een nieuwe periode.",
    confirm_resume: "Ja, hervatten",
    resumed_done: "Uw abonnement is hervat.",
    orders: "Bestellingen",
    no_orders: "Nog geen bestellingen.",
    plan: "Abonnement",
    invoice: "Factuur",
    signed_by: "Ondertekend door",
    pay_now: "Nu betalen",
    invoice_paid: "Bedankt: de factuur is betaald.",
    make_default: "Standaard maken",
    remove_card: "Verwijderen",
    default_card: "Standaard",
    default_changed: "Uw standaardkaart is gewijzigd.",
    card_removed: "De kaart is verwijderd.",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_language_we_speak_wins() {
        assert_eq!(Locale::pick([None, Some("nl-BE"), Some("en")]), Locale::Nl);
        assert_eq!(Locale::pick([Some("de"), Some("en-GB")]), Locale::En);
        assert_eq!(Locale::pick([Some("fr"), None]), Locale::En);
        assert_eq!(Locale::pick([Some("NL_nl")]), Locale::Nl);
    }

    #[test]
    fn periods_read_naturally() {
        assert_eq!(Locale::En.every(Interval::Month, 1), "every month");
        assert_eq!(Locale::En.every(Interval::Month, 3), "every 3 months");
        assert_eq!(Locale::Nl.every(Interval::Year, 1), "per jaar");
        assert_eq!(Locale::En.quantity_of("seat"), "Number of seats");
        assert_eq!(Locale::En.quantity_of("GB"), "Quantity");
        assert_eq!(Locale::Nl.quantity_of("unit"), "Aantal");
    }

    #[cfg(feature = "checkout")]
    #[test]
    fn billing_periods_are_named() {
        assert_eq!(Locale::Nl.cadence(Interval::Month, 3), "Per 3 maanden");
        assert_eq!(Locale::En.cadence(Interval::Year, 1), "Yearly");
    }
}
