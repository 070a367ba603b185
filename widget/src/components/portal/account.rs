//! The customer's own records on the portal: contact details and billing
//! address, cards, invoices (with "pay now") and orders.

use crate::wire::{
    AddPortalPaymentMethod, Invoice, PaymentMethod, PortalCustomer, PortalOrder, PortalOverview,
    SubscriptionStatus,
};
use rust_decimal::Decimal;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::{Actions, List, Mode, badge, card_text, flow_head, spin};
use crate::api::Client;
use crate::components::address::{AddressProps, address_fields, contact_fields};
use crate::components::card_form::{CardFormProps, card_form};
use crate::components::field::focus_first_invalid;
use crate::components::status::{FailedProps, failed, loading, use_focus};
use crate::form::{Edit, Field, Form, explain};
use crate::format::{date, money};
use crate::i18n::Locale;
use crate::json::ToJson;
use crate::settings::use_settings;

/// A list's table, or that it is loading, failed or empty.
fn rows<T>(
    list: &List<T>,
    locale: Locale,
    empty: &'static str,
    table: impl FnOnce(&[T]) -> Html,
) -> Html {
    match list {
        None => loading(locale),
        Some(Err(message)) => failed(&FailedProps {
            message,
            onretry: None,
            locale,
        }),
        Some(Ok(list)) if list.is_empty() => html! { <p class="rw-muted">{ empty }</p> },
        Some(Ok(list)) => table(list),
    }
}

/// Whether "pay now" can work: an open invoice with something due, charged to
/// a card, of a subscription that is running (the API refuses the others).
fn payable(invoice: &Invoice, overview: &PortalOverview) -> bool {
    let sub = invoice
        .subscription
        .as_ref()
        .and_then(|id| overview.subscriptions.iter().find(|s| &s.id == id));
    invoice.status == "open"
        && invoice.amount_due > Decimal::ZERO
        && sub.is_none_or(|s| {
            s.payment_mode == "charge_automatically"
                && matches!(
                    s.status,
                    SubscriptionStatus::Active | SubscriptionStatus::PastDue
                )
        })
}

/// The invoices, each with its PDF and, when open, "pay now" on the default card.
pub(super) fn invoice_list(
    invoices: &List<Invoice>,
    overview: &PortalOverview,
    client: &Client,
    token: &str,
    a: &Actions,
) -> Html {
    let locale = a.locale;
    let pt = locale.portal_text();
    rows(invoices, locale, pt.no_invoices, |list| {
        html! {
            <table class="rw-table">
                <thead><tr>
                    <th scope="col">{ pt.invoice_number }</th>
                    <th scope="col">{ pt.invoice_date }</th>
                    <th scope="col" class="rw-num">{ pt.invoice_total }</th>
                    <th scope="col">{ pt.invoice_status }</th>
                    <th scope="col"><span class="rw-sr">{ pt.download_pdf }</span></th>
                </tr></thead>
                <tbody>
                    { for list.iter().map(|inv| {
                        let (label, class) = match inv.status.as_str() {
                            "paid" => (pt.inv_paid, "rw-status-ok"),
                            "open" => (pt.inv_open, "rw-status-warn"),
                            "void" => (pt.inv_void, "rw-status-muted"),
                            "uncollectible" => (pt.inv_uncollectible, "rw-status-bad"),
                            _ => (pt.inv_draft, "rw-status-muted"),
                        };
                        let pay = format!("/invoices/{}/pay", inv.id);
                        html! {
                            <tr>
                                <td>{ inv.number.clone() }</td>
                                <td>{ date(&inv.issue_date, locale) }</td>
                                <td class="rw-num">{ money(inv.total, &inv.currency, locale) }</td>
                                <td>{ badge(label, class) }</td>
                                <td><div class="rw-row-actions">
                                    <a class="rw-link" href={client.portal_invoice_pdf(token, &inv.id)} target="_blank" rel="noopener"
                                        aria-label={format!("{} {}", pt.download_pdf, inv.number)}>{ pt.download_pdf }</a>
                                    if payable(inv, overview) {
                                        <button type="button" class="rw-button rw-primary rw-small" disabled={a.busy.is_some()}
                                            aria-label={format!("{} {}", pt.pay_now, inv.number)}
                                            onclick={a.call(pay.clone(), pt.invoice_paid, "")}>
                                            { spin(a.busy == Some(pay.as_str()), pt.pay_now) }
                                        </button>
                                    }
                                </div></td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        }
    })
}

/// The orders, with the invoice they made (by number, when it is listed) and
/// who signed them.
pub(super) fn order_list(
    orders: &List<PortalOrder>,
    invoices: &List<Invoice>,
    locale: Locale,
) -> Html {
    let pt = locale.portal_text();
    let known = match invoices {
        Some(Ok(list)) => list.as_slice(),
        _ => &[],
    };
    let number = |id: &Option<String>| {
        known
            .iter()
            .find(|i| Some(&i.id) == id.as_ref())
            .map(|i| i.number.clone())
    };
    rows(orders, locale, pt.no_orders, |list| {
        html! {
            <table class="rw-table rw-orders">
                <thead><tr>
                    <th scope="col">{ pt.invoice_date }</th>
                    <th scope="col">{ pt.plan }</th>
                    <th scope="col">{ pt.invoice }</th>
                    <th scope="col">{ pt.signed_by }</th>
                </tr></thead>
                <tbody>
                    { for list.iter().map(|order| html! {
                        <tr>
                            <td>{ date(&order.created, locale) }</td>
                            <td>{ order.plan_name.clone().unwrap_or_default() }</td>
                            <td>{ number(&order.invoice).unwrap_or_default() }</td>
                            <td>{ order.signature_name.clone().unwrap_or_default() }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        }
    })
}

/// The saved cards: the default marked, the others can become the default or
/// be removed; and a new card.
pub(super) fn cards_box(
    cards: &List<PaymentMethod>,
    default: Option<&PaymentMethod>,
    a: &Actions,
) -> Html {
    let locale = a.locale;
    let pt = locale.portal_text();
    let list = match cards {
        Some(Ok(list)) if !list.is_empty() => html! {
            <ul class="rw-cards">
                { for list.iter().map(|pm| {
                    let label = card_text(Some(pm), locale);
                    let path = |action: &str| format!("/payment_methods/{}/{action}", pm.id);
                    html! {
                        <li>
                            <span>{ label.clone() }
                                if pm.is_default { { " " }<span class="rw-pill">{ pt.default_card }</span> }
                            </span>
                            if !pm.is_default {
                                <span class="rw-sub-actions">
                                    <button type="button" class="rw-link" disabled={a.busy.is_some()}
                                        aria-label={format!("{}: {label}", pt.make_default)}
                                        onclick={a.call(path("default"), pt.default_changed, "")}>{ pt.make_default }</button>
                                    <button type="button" class="rw-link" disabled={a.busy.is_some()}
                                        aria-label={format!("{}: {label}", pt.remove_card)}
                                        onclick={a.call(path("detach"), pt.card_removed, "")}>{ pt.remove_card }</button>
                                </span>
                            }
                        </li>
                    }
                }) }
            </ul>
        },
        _ => html! { <p>{ card_text(default, locale) }</p> },
    };
    html! {
        <section class="rw-portal-section rw-portal-box" aria-labelledby="rw-pm">
            <h3 id="rw-pm">{ pt.payment_method }</h3>
            { list }
            <button type="button" class="rw-button rw-secondary" onclick={a.open.reform(|_: MouseEvent| Mode::Card)}>{ pt.update_card }</button>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub(super) struct DetailsProps {
    pub customer: PortalCustomer,
    pub token: String,
    pub onclose: Callback<Option<String>>,
}

/// Editing the contact details and billing address, with the checkout's
/// inputs; the API's objections show at the input they are about.
#[function_component(DetailsFlow)]
pub(super) fn details_flow(props: &DetailsProps) -> Html {
    let settings = use_settings();
    let locale = settings.locale;
    let t = locale.text();
    let pt = locale.portal_text();
    let form = {
        let customer = props.customer.clone();
        use_reducer(move || Form::from_customer(&customer))
    };
    let busy = use_state(|| false);
    let heading = use_focus(0);
    let root = use_node_ref();
    let invalid = use_state(|| 0u32);
    {
        let root = root.clone();
        use_effect_with(*invalid, move |n| {
            if *n > 0 {
                focus_first_invalid(&root);
            }
        });
    }
    let onedit = {
        let form = form.dispatcher();
        Callback::from(move |(field, value): (Field, String)| {
            form.dispatch(Edit(Box::new(move |f| f.set(field, value))))
        })
    };
    let onsubmit = {
        let (form, busy, invalid) = (form.clone(), busy.clone(), invalid.clone());
        let (settings, token, onclose) =
            (settings.clone(), props.token.clone(), props.onclose.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let check = t.err_check_fields.to_owned();
            let update = match form.customer_update(locale) {
                Ok(update) => update,
                Err(errors) => {
                    form.dispatch(Edit(Box::new(move |f| {
                        f.errors = errors;
                        f.banner = Some(check);
                    })));
                    invalid.set(*invalid + 1);
                    return;
                }
            };
            busy.set(true);
            let (form, busy, invalid) = (form.clone(), busy.clone(), invalid.clone());
            let (settings, token, onclose) = (settings.clone(), token.clone(), onclose.clone());
            spawn_local(async move {
                match settings
                    .client
                    .portal_update_customer(&token, &update)
                    .await
                {
                    Ok(_) => onclose.emit(Some(pt.details_saved.to_owned())),
                    Err(e) => {
                        let (field, text) = explain(&e, locale);
                        form.dispatch(Edit(Box::new(move |f| match field {
                            Some(field) => {
                                f.errors.insert(field, text);
                                f.banner = Some(check);
                            }
                            None => f.banner = Some(text),
                        })));
                        busy.set(false);
                        invalid.set(*invalid + 1);
                    }
                }
            });
        })
    };
    html! {
        <div class="rw-panel rw-portal rw-portal-flow">
            { flow_head(pt, props.onclose.reform(|_: MouseEvent| None), None) }
            <h2 tabindex="-1" ref={heading}>{ t.your_details }</h2>
            <form class="rw-form" {onsubmit} novalidate=true ref={root}>
                { contact_fields(&form, &onedit, locale, false) }
                <fieldset class="rw-options">
                    <legend class="rw-legend">{ t.billing_address }</legend>
                    { address_fields(&AddressProps { form: &form, locale, onedit: &onedit }) }
                </fieldset>
                <div class="rw-submit">
                    if let Some(banner) = &form.banner {
                        <p class="rw-banner" role="alert">{ banner.clone() }</p>
                    }
                    <button type="submit" class="rw-button rw-primary rw-wide" disabled={*busy}>
                        { spin(*busy, pt.save_details) }
                    </button>
                </div>
            </form>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub(super) struct CardFlowProps {
    pub test_mode: bool,
    pub token: String,
    pub onclose: Callback<Option<String>>,
}

/// A new default card, typed into the checkout's card form.
#[function_component(CardFlow)]
pub(super) fn card_flow(props: &CardFlowProps) -> Html {
    let settings = use_settings();
    let locale = settings.locale;
    let t = locale.text();
    let pt = locale.portal_text();
    let form = use_state(Form::default);
    let busy = use_state(|| false);
    let heading = use_focus(0);
    let onedit = {
        let form = form.clone();
        Callback::from(move |(field, value): (Field, String)| {
            let mut next = (*form).clone();
            next.set(field, value);
            form.set(next);
        })
    };
    let onsubmit = {
        let (form, busy, settings, token, onclose) = (
            form.clone(),
            busy.clone(),
            settings.clone(),
            props.token.clone(),
            props.onclose.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut next = (*form).clone();
            next.banner = None;
            let mut errors = crate::small_map::SmallMap::new();
            let card = next.card(t, &mut errors).card;
            next.errors = errors;
            let invalid = !next.errors.is_empty();
            form.set(next.clone());
            if invalid {
                return;
            }
            busy.set(true);
            let request = AddPortalPaymentMethod { card }.to_json();
            let (form, busy, settings, token, onclose) = (
                form.clone(),
                busy.clone(),
                settings.clone(),
                token.clone(),
                onclose.clone(),
            );
            spawn_local(async move {
                let answer = settings
                    .client
                    .portal_post(&token, "/payment_methods", Some(request), None)
                    .await;
                match answer {
                    Ok(_) => {
                        busy.set(false);
                        onclose.emit(Some(locale.portal_text().card_saved.to_owned()));
                    }
                    Err(e) => {
                        match explain(&e, locale) {
                            (Some(field), text) => {
                                next.errors.insert(field, text);
                            }
                            (None, text) => next.banner = Some(text),
                        }
                        form.set(next);
                        busy.set(false);
                    }
                }
            });
        })
    };
    html! {
        <div class="rw-panel rw-portal rw-portal-flow">
            { flow_head(pt, props.onclose.reform(|_: MouseEvent| None), None) }
            <h2 tabindex="-1" ref={heading}>{ pt.card_title }</h2>
            <form class="rw-form" {onsubmit} novalidate=true>
                { card_form(&CardFormProps { form: &form, locale, test_mode: props.test_mode, onedit: &onedit }) }
                <div class="rw-submit">
                    if let Some(banner) = &form.banner {
                        <p class="rw-banner" role="alert">{ banner.clone() }</p>
                    }
                    <button type="submit" class="rw-button rw-primary rw-wide" disabled={*busy}>
                        { spin(*busy, pt.save_card) }
                    </button>
                </div>
            </form>
        </div>
    }
}
