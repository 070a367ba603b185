//! The checkout's form beside its live summary: the plan's choices, the
//! shopper's details and address, the agreement and the card.

use yew::prelude::*;

use super::FormEdits;
use crate::components::address::{AddressProps, address_fields, contact_fields};
use crate::components::card_form::{CardFormProps, card_form};
use crate::components::field::{StepperProps, error_text, stepper};
use crate::components::signature::{AgreementProps, agreement};
use crate::components::summary::{SummaryProps, summary};
use crate::form::{Field, Form};
use crate::format::money;
use crate::i18n::Locale;
use crate::wire::{CheckoutPreview, PaymentMode, PublicPlan};

/// What [`checkout_form`] shows: the plan, the form as typed, the last
/// summary, and where each edit goes.
pub(super) struct CheckoutFormProps<'a> {
    pub(super) plan: &'a PublicPlan,
    pub(super) form: &'a Form,
    pub(super) preview_data: Option<&'a CheckoutPreview>,
    pub(super) preview_loading: bool,
    pub(super) preview_error: Option<&'a str>,
    pub(super) submitting: bool,
    pub(super) locale: Locale,
    /// The card form lists the test cards.
    pub(super) test_mode: bool,
    pub(super) edits: &'a FormEdits,
    pub(super) onsubmit: Callback<SubmitEvent>,
}

/// The form and its summary side by side (stacked on narrow screens).
pub(super) fn checkout_form(props: &CheckoutFormProps<'_>) -> Html {
    let locale = props.locale;
    let t = locale.text();
    let ct = locale.checkout_text();
    let (plan, form) = (props.plan, props.form);
    let needs_card = plan.payment_mode == PaymentMode::ChargeAutomatically;
    let mut step = 0;
    let mut next_step = || {
        step += 1;
        step
    };
    let section = |n: u32, title: &'static str, body: Html| {
        html! {
            <section class="rw-section" aria-labelledby={format!("rw-step-{n}")}>
                <h3 id={format!("rw-step-{n}")}><span class="rw-step" aria-hidden="true">{ n }</span>{ title }</h3>
                { body }
            </section>
        }
    };

    html! {
        <>
            <header class="rw-checkout-head">
                <h2>{ locale.subscribe_to(&plan.name) }</h2>
                if let Some(d) = &plan.description { <p class="rw-muted">{ d.clone() }</p> }
            </header>
            <div class="rw-checkout-grid">
                <form class="rw-form" novalidate=true onsubmit={props.onsubmit.clone()} aria-busy={props.submitting.then_some("true")}>
                    { section(next_step(), ct.your_plan, plan_choices(props)) }
                    { section(next_step(), t.your_details, html! {
                        { contact_fields(form, &props.edits.onedit, locale, true) }
                    }) }
                    { section(next_step(), t.billing_address, html! {
                        { address_fields(&AddressProps { form, locale, onedit: &props.edits.onedit }) }
                    }) }
                    if plan.require_signature {
                        { section(next_step(), ct.agreement, html! {
                            { agreement(&AgreementProps {
                                form,
                                locale,
                                terms: plan.terms.as_deref(),
                                onedit: &props.edits.onedit,
                                onmode: &props.edits.onmode,
                                onimage: &props.edits.onimage,
                                onagree: &props.edits.onagree,
                            }) }
                        }) }
                    }
                    if needs_card {
                        { section(next_step(), ct.payment, html! {
                            { card_form(&CardFormProps {
                                form,
                                locale,
                                test_mode: props.test_mode,
                                onedit: &props.edits.onedit,
                            }) }
                        }) }
                    }
                    { submit_area(props, needs_card) }
                </form>
                <aside class="rw-aside">
                    { summary(&SummaryProps {
                        plan: &plan.name,
                        recurring: form.chosen(plan).and_then(|p| p.recurring),
                        preview: props.preview_data,
                        loading: props.preview_loading,
                        error: props.preview_error,
                        locale,
                    }) }
                </aside>
            </div>
        </>
    }
}

/// The plan's part of the form: the billing period, the quantity and the add-ons.
fn plan_choices(props: &CheckoutFormProps<'_>) -> Html {
    let (plan, form, locale) = (props.plan, props.form, props.locale);
    let t = locale.text();
    let chosen = form.chosen(plan);
    let unit = chosen
        .and_then(|p| product_of(plan, &p.product))
        .map(|(_, unit, _)| unit)
        .unwrap_or_default();
    let per_unit = chosen.map(|p| {
        let per = p
            .recurring
            .map(|r| locale.period(r.interval, r.interval_count))
            .unwrap_or_default();
        let price = money(p.unit_amount, plan.currency.as_str(), locale);
        format!("× {price} / {unit} / {per}")
    });
    html! {
        <>
            { price_choices(props) }
            { stepper(&StepperProps {
                id: AttrValue::Static(Field::Quantity.id()),
                label: locale.quantity_of(&unit).into(),
                value: form.quantity,
                onchange: props.edits.onquantity.clone(),
                min: 1,
                max: 999,
                less: t.decrease,
                more: t.increase,
                error: form.errors.get(&Field::Quantity).map(String::as_str),
                suffix: per_unit.map(AttrValue::from),
                quiet_label: false,
            }) }
            { addon_choices(props) }
        </>
    }
}

/// The form's banner and its button, which says what it will do: pay the total,
/// start the trial, or subscribe.
fn submit_area(props: &CheckoutFormProps<'_>, needs_card: bool) -> Html {
    let (plan, locale) = (props.plan, props.locale);
    let ct = locale.checkout_text();
    let total = props
        .preview_data
        .map(|p| money(p.total, &p.currency, locale));
    let submit_label = match (&total, needs_card) {
        (Some(total), true) if plan.trial_days == 0 => locale.pay(total),
        _ if plan.trial_days > 0 => ct.start_trial.to_owned(),
        _ => ct.subscribe.to_owned(),
    };
    html! {
        <div class="rw-submit">
            if let Some(banner) = &props.form.banner {
                <p class="rw-banner" role="alert">{ banner.clone() }</p>
            }
            <button type="submit" class="rw-button rw-primary rw-wide" disabled={props.submitting}>
                if props.submitting {
                    <span class="rw-spinner" aria-hidden="true"></span>{ ct.processing }
                } else {
                    <svg class="rw-icon" viewBox="0 0 20 20" aria-hidden="true"><path fill="currentColor" d="M10 1.5a4.5 4.5 0 0 0-4.5 4.5v2H5a2 2 0 0 0-2 2v6.5a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V10a2 2 0 0 0-2-2h-.5V6A4.5 4.5 0 0 0 10 1.5Zm-2.5 4.5a2.5 2.5 0 0 1 5 0v2h-5V6Z"/></svg>
                    { submit_label }
                }
            </button>
            if needs_card {
                <p class="rw-hint rw-center">{ ct.secure_note }</p>
            }
        </div>
    }
}

/// A product of the plan: its name, unit and description.
fn product_of(plan: &PublicPlan, id: &str) -> Option<(String, String, Option<String>)> {
    plan.products
        .iter()
        .find(|p| p.id == id)
        .map(|p| (p.name.clone(), p.unit.clone(), p.description.clone()))
}

/// The billing periods to choose from, when the plan has more than one.
fn price_choices(props: &CheckoutFormProps<'_>) -> Html {
    let (plan, form, locale) = (props.plan, props.form, props.locale);
    let ct = locale.checkout_text();
    let cur = plan.currency.as_str();
    html! {
        if plan.prices.len() > 1 {
            <fieldset class="rw-options">
                <legend class="rw-label">{ ct.billing_period }</legend>
                <div class="rw-choices">
                    { for plan.prices.iter().map(|p| {
                        let id = p.id.clone();
                        let onprice = props.edits.onprice.clone();
                        let per = p.recurring.map(|r| locale.period(r.interval, r.interval_count)).unwrap_or_default();
                        let cadence = p.recurring.map(|r| locale.cadence(r.interval, r.interval_count)).unwrap_or_default();
                        let saving = plan.prices.iter()
                            .find_map(|m| crate::form::yearly_saving(m, p))
                            .map(|(_, pct)| format!("−{pct}%"));
                        html! {
                            <label class={classes!("rw-choice", (form.price == p.id).then_some("rw-selected"))}>
                                <input type="radio" name="rw-price" value={p.id.clone()} checked={form.price == p.id}
                                    onchange={Callback::from(move |_: Event| onprice.emit(id.clone()))} />
                                <span class="rw-choice-name">{ cadence }
                                    if let Some(s) = saving { <span class="rw-pill">{ s }</span> }
                                </span>
                                <span class="rw-choice-price">{ format!("{} / {per}", money(p.unit_amount, cur, locale)) }</span>
                            </label>
                        }
                    }) }
                </div>
            </fieldset>
        }
    }
}

/// The plan's add-ons, each with a check box and, once ticked, a quantity.
fn addon_choices(props: &CheckoutFormProps<'_>) -> Html {
    let (plan, form, locale) = (props.plan, props.form, props.locale);
    let (t, ct) = (locale.text(), locale.checkout_text());
    let cur = plan.currency.as_str();
    let product_name = |id: &str| product_of(plan, id);
    let error = |field: Field| form.errors.get(&field).map(String::as_str);
    let addons = form.offered_addons(plan);
    html! {
        if !addons.is_empty() {
            <fieldset class="rw-options" id={Field::Addons.id()} aria-invalid={form.errors.contains_key(&Field::Addons).then_some("true")}>
                <legend class="rw-label">{ ct.addons }</legend>
                { for addons.iter().map(|price| {
                    let (name, _unit, description) = product_name(&price.product)
                        .unwrap_or_else(|| (price.nickname.clone().unwrap_or_default(), String::new(), None));
                    let qty = form.addons.get(&price.product).copied().unwrap_or(0);
                    let product = price.product.clone();
                    let toggle = {
                        let (cb, product) = (props.edits.onaddon.clone(), product.clone());
                        Callback::from(move |e: Event| {
                            let on = e.target_unchecked_into::<web_sys::HtmlInputElement>().checked();
                            cb.emit((product.clone(), u32::from(on)));
                        })
                    };
                    let set_qty = {
                        let (cb, product) = (props.edits.onaddon.clone(), product.clone());
                        Callback::from(move |n: u32| cb.emit((product.clone(), n)))
                    };
                    let per = price.recurring.map(|r| format!(" / {}", locale.period(r.interval, r.interval_count))).unwrap_or_default();
                    let check_id = format!("rw-addon-{}", price.product);
                    html! {
                        <div class={classes!("rw-addon", (qty > 0).then_some("rw-selected"))}>
                            <label class="rw-check" for={check_id.clone()}>
                                <input type="checkbox" id={check_id.clone()} checked={qty > 0} onchange={toggle} />
                                <span class="rw-addon-text">
                                    <span class="rw-addon-name">{ name.clone() }</span>
                                    if let Some(d) = description { <span class="rw-muted">{ d }</span> }
                                </span>
                                <span class="rw-addon-price">{ format!("{}{per}", money(price.unit_amount, cur, locale)) }</span>
                            </label>
                            if qty > 0 {
                                { stepper(&StepperProps {
                                    id: format!("rw-addon-qty-{}", price.product).into(),
                                    label: locale.addon_quantity(&name).into(),
                                    value: qty,
                                    onchange: set_qty,
                                    min: 1,
                                    max: 999,
                                    less: t.decrease,
                                    more: t.increase,
                                    error: None,
                                    suffix: None,
                                    quiet_label: true,
                                }) }
                            }
                        </div>
                    }
                }) }
                { error_text(AttrValue::Static("rw-addons-error"), error(Field::Addons)) }
            </fieldset>
        }
    }
}
