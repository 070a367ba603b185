//! `<renewly-portal token=…>`: the customer portal. The token in the element's
//! `token` attribute authorises every call to `/v1/portal/{token}/…`.
//!
//! The overview lists the customer's details, subscriptions and invoices; from a
//! subscription the customer can cancel (with the plan's close reasons and
//! retention offers), undo a scheduled cancellation, change plan or quantity
//! (previewed first) and replace the card. Events on the element (bubbling,
//! composed): `renewly:cancelled` (detail: the cancellation) and
//! `renewly:plan-changed` (detail: the change result).

use std::rc::Rc;

use renewly_types::{
    AddPortalPaymentMethod, Address, CardDetails, ChangeRight, ChangeSubscription, Invoice,
    ItemInput, PaymentMethod, PortalCancel, PortalCancellation, PortalChangeResult, PortalOverview,
    PortalSubscription, Price, SubscriptionStatus,
};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::card_form::CardForm;
use super::field::{ErrorText, Stepper};
use super::status::{Failed, Loading};
use crate::api::ApiError;
use crate::form::{Field, Form, digits, parse_expiry};
use crate::format::{date, money};
use crate::i18n::Locale;
use crate::settings::{dispatch, use_settings};

/// The overview as loaded.
#[derive(Clone, PartialEq)]
enum Load {
    Loading,
    /// The message, and whether trying again can help.
    Failed(String, bool),
    Ready(Rc<PortalOverview>),
}

/// What the portal shows.
#[derive(Clone, PartialEq)]
enum Mode {
    Overview,
    Cancel(String),
    Change(String),
    Card,
}

/// A failed call in the customer's words.
fn message(err: &ApiError, locale: Locale) -> String {
    let t = locale.text();
    match err {
        ApiError::Network => t.err_network.to_owned(),
        ApiError::Problem(p) if p.code == "invalid_portal_token" => t.portal_expired.to_owned(),
        ApiError::Problem(p) => locale
            .error_for_code(&p.code)
            .map(str::to_owned)
            .unwrap_or_else(|| {
                if p.status >= 500 || p.detail.is_empty() {
                    t.err_generic.to_owned()
                } else {
                    p.detail.clone()
                }
            }),
    }
}

fn expired(err: &ApiError) -> bool {
    err.problem()
        .is_some_and(|p| p.code == "invalid_portal_token")
}

/// The portal: loads the overview and the invoices, and switches between the
/// overview and the flows started from it.
#[function_component(Portal)]
pub fn portal() -> Html {
    let settings = use_settings();
    let locale = settings.locale;
    let t = locale.text();
    let token = settings.token.clone().unwrap_or_default();
    let load = use_state(|| Load::Loading);
    let invoices = use_state(|| None::<Result<Vec<Invoice>, String>>);
    let version = use_state(|| 0u32);
    let mode = use_state(|| Mode::Overview);
    let notice = use_state(|| None::<String>);

    {
        let (load, invoices, settings, token) = (
            load.clone(),
            invoices.clone(),
            settings.clone(),
            token.clone(),
        );
        use_effect_with(*version, move |_| {
            if token.is_empty() {
                load.set(Load::Failed(locale.text().portal_expired.to_owned(), false));
            } else {
                spawn_local(async move {
                    let client = settings.client.clone();
                    match client.portal(&token).await {
                        Ok(overview) => load.set(Load::Ready(Rc::new(overview))),
                        Err(e) => {
                            load.set(Load::Failed(message(&e, locale), !expired(&e)));
                            return;
                        }
                    }
                    invoices.set(Some(
                        client
                            .portal_invoices(&token)
                            .await
                            .map_err(|e| message(&e, locale)),
                    ));
                });
            }
        });
    }

    let reload = {
        let version = version.clone();
        Callback::from(move |()| version.set(*version + 1))
    };
    // Back to the overview, with a fresh copy and an optional notice.
    let close = {
        let (mode, notice, reload) = (mode.clone(), notice.clone(), reload.clone());
        Callback::from(move |note: Option<String>| {
            notice.set(note);
            mode.set(Mode::Overview);
            reload.emit(());
        })
    };
    let open = {
        let (mode, notice) = (mode.clone(), notice.clone());
        Callback::from(move |m: Mode| {
            notice.set(None);
            mode.set(m);
        })
    };
    let undo = {
        let (settings, token, close) = (settings.clone(), token.clone(), close.clone());
        Callback::from(move |id: String| {
            let (client, token, close) = (settings.client.clone(), token.clone(), close.clone());
            spawn_local(async move {
                let note = match client.portal_undo_cancel(&token, &id).await {
                    Ok(_) => locale.text().undo_done.to_owned(),
                    Err(e) => message(&e, locale),
                };
                close.emit(Some(note));
            });
        })
    };

    let overview = match &*load {
        Load::Loading => return html! { <Loading /> },
        Load::Failed(msg, retry) => {
            let onretry = retry.then(|| reload.reform(|_: MouseEvent| ()));
            return html! {
                <div class="rw-panel rw-portal">
                    <h2>{ t.portal_title }</h2>
                    <Failed message={msg.clone()} {onretry} />
                </div>
            };
        }
        Load::Ready(overview) => overview.clone(),
    };
    let back = close.reform(|_: ()| None);
    let find = |id: &str| overview.subscriptions.iter().find(|s| s.id == id).cloned();
    match &*mode {
        Mode::Cancel(id) => {
            if let Some(sub) = find(id) {
                return html! { <CancelFlow {sub} token={token.clone()} onclose={close.clone()} /> };
            }
        }
        Mode::Change(id) => {
            if let Some(sub) = find(id) {
                return html! { <ChangeFlow {sub} token={token.clone()} onclose={close.clone()} /> };
            }
        }
        Mode::Card => {
            return html! {
                <CardFlow test_mode={!overview.livemode} token={token.clone()} onclose={close.clone()} onback={back} />
            };
        }
        Mode::Overview => {}
    }

    let customer = &overview.customer;
    let heading = customer
        .name
        .clone()
        .unwrap_or_else(|| customer.email.clone());
    let address = address_lines(&customer.address);
    html! {
        <div class="rw-portal">
            <header class="rw-portal-head">
                <p class="rw-muted">{ overview.merchant.name.clone() }</p>
                <h2>{ heading }</h2>
                <p class="rw-muted">
                    { customer.email.clone() }
                    if let Some(company) = &customer.company { { " · " }{ company.clone() } }
                </p>
            </header>
            if let Some(note) = &*notice {
                <p class="rw-banner rw-notice" role="status">{ note.clone() }</p>
            }
            <div class="rw-portal-grid">
                <section class="rw-portal-section" aria-labelledby="rw-subs">
                    <h3 id="rw-subs">{ t.portal_subscriptions }</h3>
                    if overview.subscriptions.is_empty() {
                        <p class="rw-muted">{ t.no_subscriptions }</p>
                    }
                    { for overview.subscriptions.iter().map(|sub| subscription_card(sub, locale, &open, &undo)) }
                </section>
                <aside class="rw-portal-side">
                    <section class="rw-portal-section rw-portal-box" aria-labelledby="rw-address">
                        <h3 id="rw-address">{ t.billing_address }</h3>
                        <address class="rw-address">
                            if let Some(name) = &customer.name { <span>{ name.clone() }</span> }
                            { for address.into_iter().map(|l| html! { <span>{ l }</span> }) }
                            if let Some(vat) = &customer.vat_number { <span class="rw-muted">{ vat.clone() }</span> }
                        </address>
                    </section>
                    <section class="rw-portal-section rw-portal-box" aria-labelledby="rw-pm">
                        <h3 id="rw-pm">{ t.payment_method }</h3>
                        <p>{ card_text(customer.default_payment_method.as_ref(), locale) }</p>
                        <button type="button" class="rw-button rw-secondary" onclick={open.reform(|_: MouseEvent| Mode::Card)}>{ t.update_card }</button>
                    </section>
                </aside>
            </div>
            <section class="rw-portal-section" aria-labelledby="rw-invoices">
                <h3 id="rw-invoices">{ t.invoices }</h3>
                { invoice_list(invoices.as_ref(), locale, &settings.client, &token) }
            </section>
        </div>
    }
}

fn address_lines(a: &Address) -> Vec<String> {
    let city = [a.postal_code.as_deref(), a.city.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    [
        a.line1.clone(),
        a.line2.clone(),
        Some(city),
        a.region.clone(),
        a.country.clone(),
    ]
    .into_iter()
    .flatten()
    .filter(|l| !l.trim().is_empty())
    .collect()
}

fn card_text(pm: Option<&PaymentMethod>, locale: Locale) -> String {
    match pm {
        Some(pm) => locale.card_label(&pm.brand, &pm.last4, pm.exp_month, pm.exp_year),
        None => locale.text().no_payment_method.to_owned(),
    }
}

fn status_badge(sub: &PortalSubscription, locale: Locale) -> Html {
    let t = locale.text();
    let (label, kind) = match sub.status {
        SubscriptionStatus::Active if sub.cancel_at.is_some() => (t.status_cancelling, "warn"),
        SubscriptionStatus::Draft => (t.status_draft, "muted"),
        SubscriptionStatus::Active => (t.status_active, "ok"),
        SubscriptionStatus::Paused => (t.status_paused, "muted"),
        SubscriptionStatus::PastDue => (t.status_past_due, "bad"),
        SubscriptionStatus::Closed => (t.status_closed, "muted"),
    };
    html! { <span class={classes!("rw-status", format!("rw-status-{kind}"))}>{ label }</span> }
}

fn subscription_card(
    sub: &PortalSubscription,
    locale: Locale,
    open: &Callback<Mode>,
    undo: &Callback<String>,
) -> Html {
    let t = locale.text();
    let amount = &sub.amount_per_period;
    let per = locale.period(sub.recurring.interval, sub.recurring.interval_count);
    let live = !matches!(sub.status, SubscriptionStatus::Closed);
    let rights = sub.rights;
    let can_change = live
        && sub.cancel_at.is_none()
        && (rights.can_change_quantity
            || (rights.change != ChangeRight::None
                && (sub.plan.prices.len() > 1 || !sub.other_plans.is_empty())));
    let can_cancel = live && rights.can_close && sub.cancel_at.is_none();
    let id = sub.id.clone();
    html! {
        <article class="rw-sub" aria-labelledby={format!("rw-sub-{}", sub.id)}>
            <div class="rw-sub-head">
                <h4 id={format!("rw-sub-{}", sub.id)}>{ sub.plan.name.clone() }</h4>
                { status_badge(sub, locale) }
            </div>
            <ul class="rw-lines">
                { for sub.items.iter().map(|item| html! {
                    <li>
                        <span>{ item.product_name.clone() }
                            if item.quantity != 1 { <span class="rw-muted">{ format!(" × {}", item.quantity) }</span> }
                        </span>
                        <span class="rw-amount">{ money(item.unit_amount * rust_decimal::Decimal::from(item.quantity), &sub.currency, locale) }</span>
                    </li>
                }) }
            </ul>
            <dl class="rw-receipt rw-sub-facts">
                <div>
                    <dt>{ t.per_period }</dt>
                    <dd>
                        <strong>{ format!("{} / {per}", money(amount.total, &amount.currency, locale)) }</strong>
                        <span class="rw-muted rw-fine">{ locale.incl_tax(&money(amount.tax, &amount.currency, locale)) }</span>
                    </dd>
                </div>
                if let (Some(next), true) = (&sub.next_invoice_date, live && sub.cancel_at.is_none()) {
                    <div><dt>{ t.next_invoice }</dt><dd>{ date(next, locale) }</dd></div>
                }
                <div><dt>{ t.payment_method }</dt><dd>{ card_text(sub.payment_method.as_ref(), locale) }</dd></div>
            </dl>
            if let Some(change) = &sub.scheduled_change {
                <p class="rw-note">{ locale.changes_on(&change.plan_name, &change.effective_date.as_deref().map(|d| date(d, locale)).unwrap_or_default()) }</p>
            }
            if let (Some(end), true) = (&sub.cancel_at, live) {
                <div class="rw-banner rw-warn" role="status">
                    <p>{ locale.ends_on(&date(end, locale)) }</p>
                    <button type="button" class="rw-button rw-primary" onclick={undo.reform(move |_: MouseEvent| id.clone())}>{ t.keep_subscription }</button>
                </div>
            }
            if can_change || can_cancel {
                <div class="rw-sub-actions">
                    if can_change {
                        <button type="button" class="rw-button rw-secondary" onclick={{ let id = sub.id.clone(); open.reform(move |_: MouseEvent| Mode::Change(id.clone())) }}>{ t.change_plan }</button>
                    }
                    if can_cancel {
                        <button type="button" class="rw-link" onclick={{ let id = sub.id.clone(); open.reform(move |_: MouseEvent| Mode::Cancel(id.clone())) }}>{ t.cancel_subscription }</button>
                    }
                </div>
            }
        </article>
    }
}

fn invoice_list(
    invoices: Option<&Result<Vec<Invoice>, String>>,
    locale: Locale,
    client: &crate::api::Client,
    token: &str,
) -> Html {
    let t = locale.text();
    match invoices {
        None => html! { <Loading /> },
        Some(Err(msg)) => html! { <Failed message={msg.clone()} /> },
        Some(Ok(list)) if list.is_empty() => html! { <p class="rw-muted">{ t.no_invoices }</p> },
        Some(Ok(list)) => html! {
            <table class="rw-table">
                <thead><tr>
                    <th scope="col">{ t.invoice_number }</th>
                    <th scope="col">{ t.invoice_date }</th>
                    <th scope="col" class="rw-num">{ t.invoice_total }</th>
                    <th scope="col">{ t.invoice_status }</th>
                    <th scope="col"><span class="rw-sr">{ t.download_pdf }</span></th>
                </tr></thead>
                <tbody>
                    { for list.iter().map(|inv| {
                        let (label, kind) = match inv.status.as_str() {
                            "paid" => (t.inv_paid, "ok"),
                            "open" => (t.inv_open, "warn"),
                            "void" => (t.inv_void, "muted"),
                            "uncollectible" => (t.inv_uncollectible, "bad"),
                            _ => (t.inv_draft, "muted"),
                        };
                        html! {
                            <tr>
                                <td>{ inv.number.clone() }</td>
                                <td>{ date(&inv.issue_date, locale) }</td>
                                <td class="rw-num">{ money(inv.total, &inv.currency, locale) }</td>
                                <td><span class={classes!("rw-status", format!("rw-status-{kind}"))}>{ label }</span></td>
                                <td><a class="rw-link" href={client.portal_invoice_pdf(token, &inv.id)} target="_blank" rel="noopener"
                                    aria-label={format!("{} {}", t.download_pdf, inv.number)}>{ t.download_pdf }</a></td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        },
    }
}

#[derive(Properties, PartialEq)]
struct FlowProps {
    sub: PortalSubscription,
    token: String,
    /// Back to the overview, with a notice if any.
    onclose: Callback<Option<String>>,
}

#[derive(Clone, PartialEq)]
enum CancelStep {
    Choose,
    Offer(String),
    Confirm,
    Done(Rc<PortalCancellation>),
}

/// Cancelling: a reason, its retention offer, a confirmation, then the end date.
#[function_component(CancelFlow)]
fn cancel_flow(props: &FlowProps) -> Html {
    let settings = use_settings();
    let locale = settings.locale;
    let t = locale.text();
    let step = use_state(|| CancelStep::Choose);
    let reason = use_state(String::new);
    let comment = use_state(String::new);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let reasons = &props.sub.plan.close_reasons;
    let back = props.onclose.reform(|_: MouseEvent| None);

    let title = html! {
        <div class="rw-portal-flow-head">
            <button type="button" class="rw-back rw-link" onclick={back.clone()}>{ "← " }{ t.back }</button>
            <p class="rw-muted">{ props.sub.plan.name.clone() }</p>
        </div>
    };

    let body = match &*step {
        CancelStep::Choose => {
            let proceed = {
                let (step, reason, error) = (step.clone(), reason.clone(), error.clone());
                let reasons = reasons.clone();
                Callback::from(move |e: SubmitEvent| {
                    e.prevent_default();
                    if reason.trim().is_empty() {
                        error.set(Some(t.err_required.to_owned()));
                        return;
                    }
                    error.set(None);
                    let offer = reasons
                        .iter()
                        .find(|r| r.id == *reason)
                        .and_then(|r| r.retention_offer.clone())
                        .filter(|o| !o.trim().is_empty());
                    step.set(offer.map_or(CancelStep::Confirm, CancelStep::Offer));
                })
            };
            html! {
                <form class="rw-form" onsubmit={proceed} novalidate=true>
                    <h2>{ t.cancel_title }</h2>
                    if reasons.is_empty() {
                        <div class={classes!("rw-field", error.is_some().then_some("rw-invalid"))}>
                            <label for="rw-reason">{ t.cancel_reason }</label>
                            <input id="rw-reason" value={(*reason).clone()} aria-describedby="rw-reason-error"
                                oninput={{ let r = reason.clone(); Callback::from(move |e: InputEvent| r.set(super::field::input_value(&e))) }} />
                        </div>
                    } else {
                        <fieldset class="rw-options">
                            <legend class="rw-sr">{ t.cancel_reason }</legend>
                            <div class="rw-choices rw-stack">
                                { for reasons.iter().map(|r| {
                                    let id = r.id.clone();
                                    let set = reason.clone();
                                    html! {
                                        <label class={classes!("rw-choice", (*reason == r.id).then_some("rw-selected"))}>
                                            <input type="radio" name="rw-reason" value={r.id.clone()} checked={*reason == r.id}
                                                onchange={Callback::from(move |_: Event| set.set(id.clone()))} />
                                            <span class="rw-choice-name">{ r.name.clone() }</span>
                                        </label>
                                    }
                                }) }
                            </div>
                        </fieldset>
                    }
                    <ErrorText id="rw-reason-error" error={(*error).clone().map(AttrValue::from)} />
                    <div class="rw-field">
                        <label for="rw-comment">{ t.cancel_comment }</label>
                        <textarea id="rw-comment" rows="3" value={(*comment).clone()}
                            oninput={{ let c = comment.clone(); Callback::from(move |e: InputEvent| c.set(e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value())) }} />
                    </div>
                    <div class="rw-sub-actions">
                        <button type="submit" class="rw-button rw-primary">{ t.continue_label }</button>
                        <button type="button" class="rw-button rw-secondary" onclick={back.clone()}>{ t.keep_subscription }</button>
                    </div>
                </form>
            }
        }
        CancelStep::Offer(offer) => html! {
            <div class="rw-offer">
                <h2>{ t.offer_title }</h2>
                <p class="rw-offer-text">{ offer.clone() }</p>
                <div class="rw-sub-actions">
                    <button type="button" class="rw-button rw-primary" onclick={back.clone()}>{ t.stay }</button>
                    <button type="button" class="rw-button rw-secondary"
                        onclick={{ let s = step.clone(); Callback::from(move |_: MouseEvent| s.set(CancelStep::Confirm)) }}>{ t.cancel_anyway }</button>
                </div>
            </div>
        },
        CancelStep::Confirm => {
            let confirm = {
                let (step, error, busy) = (step.clone(), error.clone(), busy.clone());
                let request = PortalCancel {
                    reason: (*reason).trim().to_owned(),
                    comment: Some(comment.trim().to_owned()).filter(|c| !c.is_empty()),
                };
                let (settings, token, id) =
                    (settings.clone(), props.token.clone(), props.sub.id.clone());
                Callback::from(move |_: MouseEvent| {
                    let (step, error, busy, settings) =
                        (step.clone(), error.clone(), busy.clone(), settings.clone());
                    let (token, id, request) = (token.clone(), id.clone(), request.clone());
                    busy.set(true);
                    spawn_local(async move {
                        match settings.client.portal_cancel(&token, &id, &request).await {
                            Ok(done) => {
                                if let Ok(detail) = serde_json::to_string(&done) {
                                    dispatch(&settings, "renewly:cancelled", &detail, false);
                                }
                                step.set(CancelStep::Done(Rc::new(done)));
                            }
                            Err(e) => error.set(Some(message(&e, locale))),
                        }
                        busy.set(false);
                    });
                })
            };
            let end = props
                .sub
                .next_invoice_date
                .clone()
                .unwrap_or_else(|| props.sub.current_period_end.clone());
            html! {
                <div>
                    <h2>{ t.confirm_cancel_title }</h2>
                    <p>{ locale.ends_on(&date(&end, locale)) }</p>
                    if let Some(e) = &*error { <p class="rw-banner" role="alert">{ e.clone() }</p> }
                    <div class="rw-sub-actions">
                        <button type="button" class="rw-button rw-primary rw-danger" disabled={*busy} onclick={confirm}>
                            if *busy { <span class="rw-spinner" aria-hidden="true"></span> }
                            { t.confirm_cancel }
                        </button>
                        <button type="button" class="rw-button rw-secondary" onclick={back.clone()}>{ t.keep_subscription }</button>
                    </div>
                </div>
            }
        }
        CancelStep::Done(done) => {
            let end = done
                .cancel_at
                .as_deref()
                .map(|d| date(d, locale))
                .unwrap_or_default();
            html! {
                <div class="rw-center" role="status">
                    <h2>{ t.cancelled_title }</h2>
                    <p>{ locale.ends_on(&end) }</p>
                    <button type="button" class="rw-button rw-primary" onclick={props.onclose.reform(|_: MouseEvent| None)}>{ t.done }</button>
                </div>
            }
        }
    };
    html! { <div class="rw-panel rw-portal rw-portal-flow">{ title }{ body }</div> }
}

/// The main (non add-on) line of a subscription.
fn main_item(sub: &PortalSubscription) -> (String, u32) {
    sub.items
        .iter()
        .find(|i| !i.addon)
        .map(|i| (i.price.clone(), i.quantity))
        .unwrap_or_default()
}

/// Changing plan or quantity: pick, preview, confirm.
#[function_component(ChangeFlow)]
fn change_flow(props: &FlowProps) -> Html {
    let settings = use_settings();
    let locale = settings.locale;
    let t = locale.text();
    let sub = &props.sub;
    let (current_price, current_qty) = main_item(sub);
    let choice = use_state(|| (sub.plan.id.clone(), current_price.clone()));
    let quantity = use_state(|| current_qty.max(1));
    let preview = use_state(|| None::<Rc<PortalChangeResult>>);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let back = props.onclose.reform(|_: MouseEvent| None);

    // The prices on offer: the plan's own, then the other plans' (when allowed).
    let mut options: Vec<(String, String, Price)> = sub
        .plan
        .prices
        .iter()
        .filter(|p| sub.rights.change != ChangeRight::None || p.id == current_price)
        .map(|p| (sub.plan.id.clone(), sub.plan.name.clone(), p.clone()))
        .collect();
    if sub.rights.change != ChangeRight::None {
        for plan in &sub.other_plans {
            options.extend(
                plan.prices
                    .iter()
                    .map(|p| (plan.id.clone(), plan.name.clone(), p.clone())),
            );
        }
    }

    let request = {
        let (plan, price) = (*choice).clone();
        let mut items = vec![ItemInput {
            price,
            quantity: *quantity,
        }];
        if plan == sub.plan.id {
            items.extend(sub.items.iter().filter(|i| i.addon).map(|i| ItemInput {
                price: i.price.clone(),
                quantity: i.quantity,
            }));
        }
        ChangeSubscription {
            plan: (plan != sub.plan.id).then_some(plan),
            items,
            preview: true,
        }
    };
    let call = {
        let (settings, token, id) = (settings.clone(), props.token.clone(), sub.id.clone());
        let (preview, error, busy, onclose) = (
            preview.clone(),
            error.clone(),
            busy.clone(),
            props.onclose.clone(),
        );
        move |apply: bool| {
            let mut request = request.clone();
            request.preview = !apply;
            let (settings, token, id) = (settings.clone(), token.clone(), id.clone());
            let (preview, error, busy, onclose) = (
                preview.clone(),
                error.clone(),
                busy.clone(),
                onclose.clone(),
            );
            Callback::from(move |_: MouseEvent| {
                let (settings, token, id, request) =
                    (settings.clone(), token.clone(), id.clone(), request.clone());
                let (preview, error, busy, onclose) = (
                    preview.clone(),
                    error.clone(),
                    busy.clone(),
                    onclose.clone(),
                );
                busy.set(true);
                error.set(None);
                spawn_local(async move {
                    match settings.client.portal_change(&token, &id, &request).await {
                        Ok(result) if apply => {
                            if let Ok(detail) = serde_json::to_string(&result) {
                                dispatch(&settings, "renewly:plan-changed", &detail, false);
                            }
                            busy.set(false);
                            onclose.emit(Some(locale.text().plan_changed.to_owned()));
                            return;
                        }
                        Ok(result) => preview.set(Some(Rc::new(result))),
                        Err(e) => error.set(Some(message(&e, locale))),
                    }
                    busy.set(false);
                });
            })
        }
    };

    let pick = {
        let (choice, preview) = (choice.clone(), preview.clone());
        move |plan: String, price: String| {
            let (choice, preview) = (choice.clone(), preview.clone());
            Callback::from(move |_: Event| {
                choice.set((plan.clone(), price.clone()));
                preview.set(None);
            })
        }
    };
    let on_quantity = {
        let (quantity, preview) = (quantity.clone(), preview.clone());
        Callback::from(move |q: u32| {
            quantity.set(q);
            preview.set(None);
        })
    };
    let unchanged = choice.1 == current_price && *quantity == current_qty;

    html! {
        <div class="rw-panel rw-portal rw-portal-flow">
            <div class="rw-portal-flow-head">
                <button type="button" class="rw-back rw-link" onclick={back.clone()}>{ "← " }{ t.back }</button>
                <p class="rw-muted">{ sub.plan.name.clone() }</p>
            </div>
            <h2>{ t.change_title }</h2>
            if options.len() > 1 {
                <fieldset class="rw-options">
                    <legend class="rw-label">{ t.new_plan }</legend>
                    <div class="rw-choices rw-stack">
                        { for options.iter().map(|(plan, name, p)| {
                            let selected = choice.1 == p.id;
                            let per = p.recurring.map(|r| locale.period(r.interval, r.interval_count)).unwrap_or_default();
                            let label = p.nickname.clone().map_or_else(|| name.clone(), |n| format!("{name} · {n}"));
                            html! {
                                <label class={classes!("rw-choice", selected.then_some("rw-selected"))}>
                                    <input type="radio" name="rw-change-price" value={p.id.clone()} checked={selected}
                                        onchange={pick(plan.clone(), p.id.clone())} />
                                    <span class="rw-choice-name">{ label }
                                        if p.id == current_price { { " " }<span class="rw-pill">{ t.current }</span> }
                                    </span>
                                    <span class="rw-choice-price">{ format!("{} / {per}", money(p.unit_amount, &p.currency, locale)) }</span>
                                </label>
                            }
                        }) }
                    </div>
                </fieldset>
            }
            if sub.rights.can_change_quantity {
                <Stepper id="rw-change-qty" label={t.quantity} value={*quantity} onchange={on_quantity}
                    less={t.decrease} more={t.increase} />
            }
            if let Some(result) = &*preview {
                { change_preview(result, locale) }
            }
            if let Some(e) = &*error { <p class="rw-banner" role="alert">{ e.clone() }</p> }
            <div class="rw-sub-actions">
                if preview.is_some() {
                    <button type="button" class="rw-button rw-primary" disabled={*busy} onclick={call(true)}>
                        if *busy { <span class="rw-spinner" aria-hidden="true"></span> }
                        { t.confirm_change }
                    </button>
                } else {
                    <button type="button" class="rw-button rw-primary" disabled={*busy || unchanged} onclick={call(false)}>
                        if *busy { <span class="rw-spinner" aria-hidden="true"></span> }
                        { t.preview_change }
                    </button>
                }
                <button type="button" class="rw-button rw-secondary" onclick={back}>{ t.back }</button>
            </div>
        </div>
    }
}

fn change_preview(result: &PortalChangeResult, locale: Locale) -> Html {
    let t = locale.text();
    let p = &result.preview;
    let direction = match p.direction.as_str() {
        "upgrade" => t.direction_upgrade,
        "downgrade" => t.direction_downgrade,
        _ => t.direction_unchanged,
    };
    html! {
        <dl class="rw-receipt rw-change-preview" aria-live="polite">
            <div><dt>{ t.change_plan }</dt><dd><span class="rw-pill">{ direction }</span></dd></div>
            <div><dt>{ t.due_now }</dt><dd><strong>{ money(p.amount_due_now, &p.currency, locale) }</strong></dd></div>
            <div><dt>{ t.effective }</dt><dd>{ date(&p.effective_date, locale) }</dd></div>
            <div><dt>{ t.then_per_period }</dt><dd>{ money(p.new_recurring_total, &p.currency, locale) }</dd></div>
        </dl>
    }
}

#[derive(Properties, PartialEq)]
struct CardFlowProps {
    test_mode: bool,
    token: String,
    onclose: Callback<Option<String>>,
    onback: Callback<()>,
}

/// A new default card, typed into the checkout's card form.
#[function_component(CardFlow)]
fn card_flow(props: &CardFlowProps) -> Html {
    let settings = use_settings();
    let locale = settings.locale;
    let t = locale.text();
    let form = use_state(Form::default);
    let busy = use_state(|| false);
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
            next.errors.clear();
            next.banner = None;
            let number = digits(&next.card_number);
            let cvc = digits(&next.card_cvc);
            if number.is_empty() {
                next.errors
                    .insert(Field::CardNumber, t.err_required.to_owned());
            }
            if cvc.is_empty() {
                next.errors
                    .insert(Field::CardCvc, t.err_required.to_owned());
            }
            let expiry = parse_expiry(&next.card_expiry);
            if expiry.is_none() {
                next.errors
                    .insert(Field::CardExpiry, t.err_expiry_format.to_owned());
            }
            let Some((exp_month, exp_year)) = expiry.filter(|_| next.errors.is_empty()) else {
                form.set(next);
                return;
            };
            form.set(next.clone());
            busy.set(true);
            let request = AddPortalPaymentMethod {
                card: CardDetails {
                    number,
                    exp_month,
                    exp_year,
                    cvc,
                },
            };
            let (form, busy, settings, token, onclose) = (
                form.clone(),
                busy.clone(),
                settings.clone(),
                token.clone(),
                onclose.clone(),
            );
            spawn_local(async move {
                match settings.client.portal_add_card(&token, &request).await {
                    Ok(_) => {
                        busy.set(false);
                        onclose.emit(Some(locale.text().card_saved.to_owned()));
                    }
                    Err(e) => {
                        let text = message(&e, locale);
                        let field = e.problem().and_then(|p| p.param.as_deref()).and_then(|p| {
                            Field::from_param(&format!("payment_method.{p}"))
                                .or_else(|| Field::from_param(p))
                        });
                        match field.or_else(|| {
                            (e.problem().map(|p| p.status) == Some(402))
                                .then_some(Field::CardNumber)
                        }) {
                            Some(f) => {
                                next.errors.insert(f, text);
                            }
                            None => next.banner = Some(text),
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
            <div class="rw-portal-flow-head">
                <button type="button" class="rw-back rw-link" onclick={props.onback.reform(|_: MouseEvent| ())}>{ "← " }{ t.back }</button>
            </div>
            <h2>{ t.card_title }</h2>
            <form class="rw-form" {onsubmit} novalidate=true>
                <CardForm form={(*form).clone()} {locale} test_mode={props.test_mode} {onedit} />
                <div class="rw-submit">
                    if let Some(banner) = &form.banner {
                        <p class="rw-banner" role="alert">{ banner.clone() }</p>
                    }
                    <button type="submit" class="rw-button rw-primary rw-wide" disabled={*busy}>
                        if *busy { <span class="rw-spinner" aria-hidden="true"></span> }
                        { t.save_card }
                    </button>
                </div>
            </form>
        </div>
    }
}
