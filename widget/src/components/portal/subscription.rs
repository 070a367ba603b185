//! A subscription on the overview, and what its customer may do with it within
//! its plan's rights: change plan or quantity, pause and resume, cancel.

use std::cell::RefCell;
use std::rc::Rc;

use crate::wire::{
    ChangeRight, ChangeSubscription, ItemInput, PortalCancel, PortalCancellation,
    PortalChangeResult, PortalSubscription, Price, SubscriptionStatus,
};
use rust_decimal::Decimal;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::{Actions, Mode, badge, card_text, flow_head, spin};
use crate::api::{ApiError, idempotency_key, new_nonce, parse};
use crate::components::field::{StepperProps, error_text, input_value, stepper};
use crate::components::status::use_focus;
use crate::form::explain;
use crate::format::{date, money};
use crate::i18n::{Locale, PortalText};
use crate::json::ToJson;
use crate::settings::{Settings, dispatch, use_settings};

fn status_badge(sub: &PortalSubscription, locale: Locale) -> Html {
    let pt = locale.portal_text();
    let (label, class) = match sub.status {
        SubscriptionStatus::Active if sub.cancel_at.is_some() => {
            (pt.status_cancelling, "rw-status-warn")
        }
        SubscriptionStatus::Draft => (pt.status_draft, "rw-status-muted"),
        SubscriptionStatus::Active => (pt.status_active, "rw-status-ok"),
        SubscriptionStatus::Paused => (pt.status_paused, "rw-status-muted"),
        SubscriptionStatus::PastDue => (pt.status_past_due, "rw-status-bad"),
        SubscriptionStatus::Closed => (pt.status_closed, "rw-status-muted"),
    };
    badge(label, class)
}

/// One subscription: its lines, amount, dates and card, and the buttons its
/// plan's rights allow.
pub(super) fn subscription_card(sub: &PortalSubscription, a: &Actions) -> Html {
    let locale = a.locale;
    let pt = locale.portal_text();
    let amount = &sub.amount_per_period;
    let per = locale.period(sub.recurring.interval, sub.recurring.interval_count);
    let status = sub.status;
    let live = status != SubscriptionStatus::Closed;
    let paused = status == SubscriptionStatus::Paused;
    let ending = sub.cancel_at.is_some();
    let rights = sub.rights;
    let changeable = matches!(
        status,
        SubscriptionStatus::Active | SubscriptionStatus::PastDue
    ) && !ending;
    let can_change = changeable && (rights.can_change_quantity || change_options(sub).len() > 1);
    let can_pause = rights.can_pause && status == SubscriptionStatus::Active && !ending;
    let can_cancel = live && rights.can_close && !ending;
    let open = |mode: fn(String) -> Mode| {
        let id = sub.id.clone();
        a.open.reform(move |_: MouseEvent| mode(id.clone()))
    };
    let title_id = format!("rw-sub-{}", sub.id);
    html! {
        <article class="rw-sub" aria-labelledby={title_id.clone()}>
            <div class="rw-sub-head">
                <h4 id={title_id}>{ sub.plan.name.clone() }</h4>
                { status_badge(sub, locale) }
            </div>
            <ul class="rw-lines">
                { for sub.items.iter().map(|item| html! {
                    <li>
                        <span>{ item.product_name.clone() }
                            if item.quantity != 1 { <span class="rw-muted">{ " × " }{ item.quantity }</span> }
                        </span>
                        <span class="rw-amount">{ money(item.unit_amount * Decimal::from(item.quantity), &sub.currency, locale) }</span>
                    </li>
                }) }
            </ul>
            <dl class="rw-receipt rw-sub-facts">
                <div>
                    <dt>{ pt.per_period }</dt>
                    <dd>
                        <strong>{ money(amount.total, &amount.currency, locale) }{ " / " }{ per }</strong>
                        <span class="rw-muted rw-fine">{ locale.incl_tax(&money(amount.tax, &amount.currency, locale)) }</span>
                    </dd>
                </div>
                if let (Some(next), true) = (&sub.next_invoice_date, live && !paused && !ending) {
                    <div><dt>{ pt.next_invoice }</dt><dd>{ date(next, locale) }</dd></div>
                }
                <div><dt>{ pt.payment_method }</dt><dd>{ card_text(sub.payment_method.as_ref(), locale) }</dd></div>
            </dl>
            if let Some(change) = &sub.scheduled_change {
                <p class="rw-note">{ locale.changes_on(&change.plan_name, &change.effective_date.as_deref().map(|d| date(d, locale)).unwrap_or_default()) }</p>
            }
            if let (Some(end), true) = (&sub.cancel_at, live) {
                <div class="rw-banner rw-warn" role="status">
                    <p>{ locale.ends_on(&date(end, locale)) }</p>
                    <button type="button" class="rw-button rw-primary" disabled={a.busy.is_some()}
                        onclick={a.call(format!("/subscriptions/{}/undo_cancel", sub.id), pt.undo_done, "")}>{ pt.keep_subscription }</button>
                </div>
            }
            if paused {
                <div class="rw-banner rw-warn" role="status">
                    <p>{ locale.paused_since(&date(sub.paused_at.as_deref().unwrap_or(&sub.current_period_start), locale)) }</p>
                    if rights.can_pause {
                        <button type="button" class="rw-button rw-primary" onclick={open(Mode::Resume)}>{ pt.resume }</button>
                    }
                </div>
            }
            if can_change || can_pause || can_cancel {
                <div class="rw-sub-actions">
                    if can_change {
                        <button type="button" class="rw-button rw-secondary" onclick={open(Mode::Change)}>{ pt.change_plan }</button>
                    }
                    if can_pause {
                        <button type="button" class="rw-button rw-secondary" onclick={open(Mode::Pause)}>{ pt.pause }</button>
                    }
                    if can_cancel {
                        <button type="button" class="rw-link" onclick={open(Mode::Cancel)}>{ pt.cancel_subscription }</button>
                    }
                </div>
            }
        </article>
    }
}

#[derive(Properties, PartialEq)]
pub(super) struct FlowProps {
    pub sub: PortalSubscription,
    pub token: String,
    /// Back to the overview, with a notice if any.
    pub onclose: Callback<Option<String>>,
}

#[derive(Clone, PartialEq)]
enum CancelStep {
    Choose,
    Offer(String),
    Confirm,
    Done(Rc<PortalCancellation>),
}

/// The cancellation as the customer fills it in.
struct Cancelling {
    step: UseStateHandle<CancelStep>,
    reason: UseStateHandle<String>,
    comment: UseStateHandle<String>,
    error: UseStateHandle<Option<String>>,
    busy: UseStateHandle<bool>,
}

impl Cancelling {
    /// The first step: a reason (one of the plan's, or typed) and a comment.
    fn choose(
        &self,
        props: &FlowProps,
        heading: NodeRef,
        back: &Callback<MouseEvent>,
        locale: Locale,
    ) -> Html {
        let (t, pt) = (locale.text(), locale.portal_text());
        let (reason, comment, error) = (
            self.reason.clone(),
            self.comment.clone(),
            self.error.clone(),
        );
        let reasons = &props.sub.plan.close_reasons;
        let proceed = {
            let (step, reason, error) = (self.step.clone(), reason.clone(), error.clone());
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
                <h2 tabindex="-1" ref={heading}>{ pt.cancel_title }</h2>
                if reasons.is_empty() {
                    <div class={classes!("rw-field", error.is_some().then_some("rw-invalid"))}>
                        <label for="rw-reason">{ pt.cancel_reason }</label>
                        <input id="rw-reason" value={(*reason).clone()} aria-describedby="rw-reason-error"
                            oninput={{ let r = reason.clone(); Callback::from(move |e: InputEvent| r.set(input_value(&e))) }} />
                    </div>
                } else {
                    <fieldset class="rw-options">
                        <legend class="rw-sr">{ pt.cancel_reason }</legend>
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
                { error_text(AttrValue::Static("rw-reason-error"), error.as_deref()) }
                <div class="rw-field">
                    <label for="rw-comment">{ pt.cancel_comment }</label>
                    <textarea id="rw-comment" rows="3" value={(*comment).clone()}
                        oninput={{ let c = comment.clone(); Callback::from(move |e: InputEvent| c.set(e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value())) }} />
                </div>
                <div class="rw-sub-actions">
                    <button type="submit" class="rw-button rw-primary">{ pt.continue_label }</button>
                    <button type="button" class="rw-button rw-secondary" onclick={back.clone()}>{ pt.keep_subscription }</button>
                </div>
            </form>
        }
    }

    /// The last step: the end date, and the call that cancels.
    fn confirm(
        &self,
        props: &FlowProps,
        heading: NodeRef,
        back: &Callback<MouseEvent>,
        settings: &Rc<Settings>,
    ) -> Html {
        let locale = settings.locale;
        let pt = locale.portal_text();
        let (reason, comment, error, busy) = (
            self.reason.clone(),
            self.comment.clone(),
            self.error.clone(),
            self.busy.clone(),
        );
        let confirm = {
            let (step, error, busy) = (self.step.clone(), error.clone(), busy.clone());
            let request = PortalCancel {
                reason: (*reason).trim().to_owned(),
                comment: Some(comment.trim().to_owned()).filter(|c| !c.is_empty()),
            };
            let (settings, token) = (settings.clone(), props.token.clone());
            let path = format!("/subscriptions/{}/cancel", props.sub.id);
            Callback::from(move |_: MouseEvent| {
                let (step, error, busy, settings) =
                    (step.clone(), error.clone(), busy.clone(), settings.clone());
                let (token, path, body) = (token.clone(), path.clone(), request.to_json());
                busy.set(true);
                spawn_local(async move {
                    let answer = settings
                        .client
                        .portal_post(&token, &path, Some(body), None)
                        .await;
                    match answer.and_then(|text| {
                        dispatch(&settings, "renewly:cancelled", &text, false);
                        parse::<PortalCancellation>(&text)
                    }) {
                        Ok(done) => step.set(CancelStep::Done(Rc::new(done))),
                        Err(e) => error.set(Some(explain(&e, locale).1)),
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
                <h2 tabindex="-1" ref={heading}>{ pt.confirm_cancel_title }</h2>
                <p>{ locale.ends_on(&date(&end, locale)) }</p>
                if let Some(e) = &*error { <p class="rw-banner" role="alert">{ e.clone() }</p> }
                <div class="rw-sub-actions">
                    <button type="button" class="rw-button rw-primary rw-danger" disabled={*busy} onclick={confirm}>
                        { spin(*busy, pt.confirm_cancel) }
                    </button>
                    <button type="button" class="rw-button rw-secondary" onclick={back.clone()}>{ pt.keep_subscription }</button>
                </div>
            </div>
        }
    }
}

/// Cancelling: a reason, its retention offer, a confirmation, then the end date.
#[function_component(CancelFlow)]
pub(super) fn cancel_flow(props: &FlowProps) -> Html {
    let settings = use_settings();
    let locale = settings.locale;
    let pt = locale.portal_text();
    let state = Cancelling {
        step: use_state(|| CancelStep::Choose),
        reason: use_state(String::new),
        comment: use_state(String::new),
        error: use_state(|| None::<String>),
        busy: use_state(|| false),
    };
    let step = state.step.clone();
    let heading = use_focus(match *step {
        CancelStep::Choose => 0,
        CancelStep::Offer(_) => 1,
        CancelStep::Confirm => 2,
        CancelStep::Done(_) => 3,
    });
    let back = props.onclose.reform(|_: MouseEvent| None);

    let body = match &*step {
        CancelStep::Choose => state.choose(props, heading, &back, locale),
        CancelStep::Offer(offer) => html! {
            <div class="rw-offer">
                <h2 tabindex="-1" ref={heading}>{ pt.offer_title }</h2>
                <p class="rw-offer-text">{ offer.clone() }</p>
                <div class="rw-sub-actions">
                    <button type="button" class="rw-button rw-primary" onclick={back.clone()}>{ pt.stay }</button>
                    <button type="button" class="rw-button rw-secondary"
                        onclick={{ let s = step.clone(); Callback::from(move |_: MouseEvent| s.set(CancelStep::Confirm)) }}>{ pt.cancel_anyway }</button>
                </div>
            </div>
        },
        CancelStep::Confirm => state.confirm(props, heading, &back, &settings),
        CancelStep::Done(done) => {
            let end = done
                .cancel_at
                .as_deref()
                .map(|d| date(d, locale))
                .unwrap_or_default();
            html! {
                <div class="rw-center" role="status">
                    <h2 tabindex="-1" ref={heading}>{ pt.cancelled_title }</h2>
                    <p>{ locale.ends_on(&end) }</p>
                    <button type="button" class="rw-button rw-primary" onclick={back.clone()}>{ pt.done }</button>
                </div>
            }
        }
    };
    html! {
        <div class="rw-panel rw-portal rw-portal-flow">
            { flow_head(pt, back, Some(props.sub.plan.name.clone().into())) }
            { body }
        </div>
    }
}

/// The main (non add-on) line of a subscription.
fn main_item(sub: &PortalSubscription) -> (String, u32) {
    sub.items
        .iter()
        .find(|i| !i.addon)
        .map(|i| (i.price.clone(), i.quantity))
        .unwrap_or_default()
}

/// The prices the customer may switch to, as `(plan id, plan name, price)`: the
/// plan's own, then the other plans', as far as the plan's change right goes.
/// The current price is always there; `upgrade_only` offers nothing that costs
/// less per period than now (the API refuses those), `none` nothing else.
fn change_options(sub: &PortalSubscription) -> Vec<(String, String, Price)> {
    let (current, quantity) = main_item(sub);
    let quantity = Decimal::from(quantity.max(1));
    let (mut now, mut addons) = (Decimal::ZERO, Decimal::ZERO);
    for item in &sub.items {
        let line = item.unit_amount * Decimal::from(item.quantity);
        now += line;
        if item.addon {
            addons += line;
        }
    }
    let mut out = Vec::new();
    for plan in std::iter::once(&sub.plan).chain(&sub.other_plans) {
        // Add-ons stay on the same plan and are dropped on another.
        let kept = if plan.id == sub.plan.id {
            addons
        } else {
            Decimal::ZERO
        };
        for p in &plan.prices {
            let allowed = p.id == current
                || match sub.rights.change {
                    ChangeRight::None => false,
                    ChangeRight::UpgradeOnly => p.unit_amount * quantity + kept >= now,
                    ChangeRight::UpgradeDowngrade => true,
                };
            if allowed {
                out.push((plan.id.clone(), plan.name.clone(), p.clone()));
            }
        }
    }
    out
}

/// Changing plan or quantity: pick, preview, confirm.
#[function_component(ChangeFlow)]
pub(super) fn change_flow(props: &FlowProps) -> Html {
    let settings = use_settings();
    let locale = settings.locale;
    let t = locale.text();
    let pt = locale.portal_text();
    let sub = &props.sub;
    let (current_price, current_qty) = main_item(sub);
    let choice = use_state(|| (sub.plan.id.clone(), current_price.clone()));
    let quantity = use_state(|| current_qty.max(1));
    let preview = use_state(|| None::<Rc<PortalChangeResult>>);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let nonce = use_mut_ref(new_nonce);
    let heading = use_focus(0);
    let back = props.onclose.reform(|_: MouseEvent| None);
    let options = change_options(sub);

    let request = change_request(sub, &choice, *quantity);
    let call = |apply: bool| {
        let mut request = request.clone();
        request.preview = !apply;
        let sending = Sending {
            settings: settings.clone(),
            token: props.token.clone(),
            path: format!("/subscriptions/{}/change", sub.id),
            body: request.to_json(),
            nonce: nonce.clone(),
            preview: preview.clone(),
            error: error.clone(),
            busy: busy.clone(),
            onclose: props.onclose.clone(),
        };
        Callback::from(move |_: MouseEvent| sending.send(apply))
    };

    let pick = |plan: &str, price: &str| {
        let (choice, preview) = (choice.clone(), preview.clone());
        let picked = (plan.to_owned(), price.to_owned());
        Callback::from(move |_: Event| {
            choice.set(picked.clone());
            preview.set(None);
        })
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
            { flow_head(pt, back.clone(), Some(sub.plan.name.clone().into())) }
            <h2 tabindex="-1" ref={heading}>{ pt.change_title }</h2>
            if options.len() > 1 {
                { plan_choices(&options, &choice.1, &current_price, &pick, locale) }
            }
            if sub.rights.can_change_quantity {
                { stepper(&StepperProps {
                    id: AttrValue::Static("rw-change-qty"),
                    label: AttrValue::Static(pt.quantity),
                    value: *quantity,
                    onchange: on_quantity,
                    min: 1,
                    max: 999,
                    less: t.decrease,
                    more: t.increase,
                    error: None,
                    suffix: None,
                    quiet_label: false,
                }) }
            }
            if let Some(result) = &*preview {
                { change_preview(result, locale) }
            }
            if let Some(e) = &*error { <p class="rw-banner" role="alert">{ e.clone() }</p> }
            <div class="rw-sub-actions">
                if preview.is_some() {
                    <button type="button" class="rw-button rw-primary" disabled={*busy} onclick={call(true)}>
                        { spin(*busy, pt.confirm_change) }
                    </button>
                } else {
                    <button type="button" class="rw-button rw-primary" disabled={*busy || unchanged} onclick={call(false)}>
                        { spin(*busy, pt.preview_change) }
                    </button>
                }
                <button type="button" class="rw-button rw-secondary" onclick={back}>{ pt.back }</button>
            </div>
        </div>
    }
}

/// The change to ask for: the chosen plan's price at `quantity`, keeping the
/// add-ons when the plan stays.
fn change_request(
    sub: &PortalSubscription,
    choice: &(String, String),
    quantity: u32,
) -> ChangeSubscription {
    let (plan, price) = choice.clone();
    let mut items = vec![ItemInput { price, quantity }];
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
}

/// A change on its way: previewed (the preview is shown) or applied (the flow
/// closes with a notice).
#[derive(Clone)]
struct Sending {
    settings: Rc<Settings>,
    token: String,
    path: String,
    body: String,
    /// Renewed after every answer, so that only a retry of an unanswered change
    /// carries the same `Idempotency-Key`.
    nonce: Rc<RefCell<String>>,
    preview: UseStateHandle<Option<Rc<PortalChangeResult>>>,
    error: UseStateHandle<Option<String>>,
    busy: UseStateHandle<bool>,
    onclose: Callback<Option<String>>,
}

impl Sending {
    fn send(&self, apply: bool) {
        let this = self.clone();
        this.busy.set(true);
        this.error.set(None);
        spawn_local(async move {
            let locale = this.settings.locale;
            // Only an applied change can charge; a preview needs no key.
            let key = apply.then(|| idempotency_key(&this.nonce.borrow(), &this.body));
            let answer = this
                .settings
                .client
                .portal_post(
                    &this.token,
                    &this.path,
                    Some(this.body.clone()),
                    key.as_deref(),
                )
                .await;
            if !matches!(answer, Err(ApiError::Network)) {
                *this.nonce.borrow_mut() = new_nonce();
            }
            if let (Ok(text), true) = (&answer, apply) {
                dispatch(&this.settings, "renewly:plan-changed", text, false);
            }
            match answer.and_then(|text| parse::<PortalChangeResult>(&text)) {
                Ok(_) if apply => {
                    this.busy.set(false);
                    this.onclose
                        .emit(Some(locale.portal_text().plan_changed.to_owned()));
                    return;
                }
                Ok(result) => this.preview.set(Some(Rc::new(result))),
                Err(e) => this.error.set(Some(explain(&e, locale).1)),
            }
            this.busy.set(false);
        });
    }
}

/// The plans and prices the subscription may change to, the current one marked.
fn plan_choices(
    options: &[(String, String, Price)],
    chosen: &str,
    current_price: &str,
    pick: &dyn Fn(&str, &str) -> Callback<Event>,
    locale: Locale,
) -> Html {
    let pt = locale.portal_text();
    html! {
        <fieldset class="rw-options">
            <legend class="rw-label">{ pt.new_plan }</legend>
            <div class="rw-choices rw-stack">
                { for options.iter().map(|(plan, name, p)| {
                    let selected = chosen == p.id;
                    let per = p.recurring.map(|r| locale.period(r.interval, r.interval_count)).unwrap_or_default();
                    html! {
                        <label class={classes!("rw-choice", selected.then_some("rw-selected"))}>
                            <input type="radio" name="rw-change-price" value={p.id.clone()} checked={selected}
                                onchange={pick(plan, &p.id)} />
                            <span class="rw-choice-name">{ name.clone() }
                                if let Some(n) = &p.nickname { { " · " }{ n.clone() } }
                                if p.id == current_price { { " " }<span class="rw-pill">{ pt.current }</span> }
                            </span>
                            <span class="rw-choice-price">{ money(p.unit_amount, &p.currency, locale) }{ " / " }{ per }</span>
                        </label>
                    }
                }) }
            </div>
        </fieldset>
    }
}

fn change_preview(result: &PortalChangeResult, locale: Locale) -> Html {
    let pt = locale.portal_text();
    let p = &result.preview;
    let direction = match p.direction.as_str() {
        "upgrade" => pt.direction_upgrade,
        "downgrade" => pt.direction_downgrade,
        _ => pt.direction_unchanged,
    };
    html! {
        <dl class="rw-receipt rw-change-preview" aria-live="polite">
            <div><dt>{ pt.change_plan }</dt><dd><span class="rw-pill">{ direction }</span></dd></div>
            <div><dt>{ pt.due_now }</dt><dd><strong>{ money(p.amount_due_now, &p.currency, locale) }</strong></dd></div>
            <div><dt>{ pt.effective }</dt><dd>{ date(&p.effective_date, locale) }</dd></div>
            <div><dt>{ pt.then_per_period }</dt><dd>{ money(p.new_recurring_total, &p.currency, locale) }</dd></div>
        </dl>
    }
}

/// A question before a step that is easy to undo but should not happen by
/// accident (pausing, resuming): `words` are the title, the explanation and the
/// confirming button's label; `heading` takes the focus.
pub(super) fn confirm_flow(
    pt: &PortalText,
    plan: AttrValue,
    words: [&'static str; 3],
    busy: bool,
    onyes: Callback<MouseEvent>,
    onback: Callback<MouseEvent>,
    heading: NodeRef,
) -> Html {
    let [title, text, yes] = words;
    html! {
        <div class="rw-panel rw-portal rw-portal-flow">
            { flow_head(pt, onback.clone(), Some(plan)) }
            <h2 tabindex="-1" ref={heading}>{ title }</h2>
            <p>{ text }</p>
            <div class="rw-sub-actions">
                <button type="button" class="rw-button rw-primary" disabled={busy} onclick={onyes}>
                    { spin(busy, yes) }
                </button>
                <button type="button" class="rw-button rw-secondary" onclick={onback}>{ pt.back }</button>
            </div>
        </div>
    }
}
