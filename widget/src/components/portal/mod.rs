//! `<renewly-portal token=…>`: the customer portal. The token in the element's
//! `token` attribute authorises every call to `/v1/portal/{token}/…`.
//!
//! The overview lists the customer's details, subscriptions, cards, invoices
//! and orders. From there the customer edits their details and billing
//! address, pays an open invoice, adds a card, makes one the default or removes
//! one, and, within the rights of each subscription's plan, changes plan or
//! quantity (previewed first), pauses and resumes, cancels (with the plan's
//! close reasons and retention offers) or undoes a scheduled cancellation.
//! Events on the element (bubbling, composed): `renewly:cancelled` (detail:
//! the cancellation), `renewly:plan-changed` (detail: the change result),
//! `renewly:paused` and `renewly:resumed` (detail: the subscription).

mod account;
mod sign_in;
mod subscription;

use std::rc::Rc;

use crate::wire::{
    Address, Invoice, PaymentMethod, PortalOrder, PortalOverview, PortalSubscription,
};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use self::account::{CardFlow, DetailsFlow, cards_box, invoice_list, order_list};
use self::sign_in::SignIn;
use self::subscription::{CancelFlow, ChangeFlow, confirm_flow, subscription_card};
use super::status::{FailedProps, failed, loading, use_focus};
use crate::api::ApiError;
use crate::form::explain;
use crate::i18n::{Locale, PortalText};
use crate::settings::{Settings, dispatch, use_settings};

/// The overview as loaded.
#[derive(Clone, PartialEq)]
enum Load {
    Loading,
    /// The message, and whether trying again can help.
    Failed(String, bool),
    Ready(Rc<PortalOverview>),
}

/// A list as loaded: not yet, the rows, or why not.
type List<T> = Option<Result<Vec<T>, String>>;

/// The lists under the overview, loaded after it.
#[derive(Default)]
struct Lists {
    invoices: List<Invoice>,
    orders: List<PortalOrder>,
    cards: List<PaymentMethod>,
}

/// What the portal shows: the overview, or a flow started from it.
#[derive(Clone, PartialEq)]
enum Mode {
    Overview,
    Cancel(String),
    Change(String),
    Pause(String),
    Resume(String),
    Card,
    Details,
}

/// A call started from the overview: `POST /v1/portal/{token}{path}`, then a
/// fresh overview with `done` (or what went wrong) as its notice. `event`,
/// unless empty, is dispatched on the element with the API's answer.
struct Act {
    path: String,
    done: &'static str,
    event: &'static str,
}

/// What the overview's parts need to start flows and calls.
struct Actions<'a> {
    locale: Locale,
    open: &'a Callback<Mode>,
    act: &'a Callback<Act>,
    /// The path of the call under way, if any.
    busy: Option<&'a str>,
}

impl Actions<'_> {
    /// A button's click that starts `path`.
    fn call(&self, path: String, done: &'static str, event: &'static str) -> Callback<MouseEvent> {
        self.act.reform(move |_| Act {
            path: path.clone(),
            done,
            event,
        })
    }
}

fn expired(err: &ApiError) -> bool {
    err.problem()
        .is_some_and(|p| p.code == "invalid_portal_token")
}

/// The portal: loads the overview and its lists, and switches between the
/// overview and the flows started from it.
#[function_component(Portal)]
pub fn portal() -> Html {
    let settings = use_settings();
    let locale = settings.locale;
    let token = settings.token.clone().unwrap_or_default();
    let version = use_state(|| 0u32);
    let (load, lists) = use_overview(&settings, &token, *version);
    let mode = use_state(|| Mode::Overview);
    // The notice over the overview, and whether it is good news.
    let notice = use_state(|| None::<(String, bool)>);
    let busy = use_state(|| None::<String>);
    // After every move the focus goes to the new panel's heading, or back on
    // the overview to the notice (else the heading).
    let moved = use_state(|| 0u32);
    let focus = use_focus(*moved);

    // Back to a fresh overview, with an optional notice.
    let settle = {
        let (mode, notice, version, moved) =
            (mode.clone(), notice.clone(), version.clone(), moved.clone());
        Callback::from(move |note: Option<(String, bool)>| {
            notice.set(note);
            mode.set(Mode::Overview);
            version.set(*version + 1);
            moved.set(*moved + 1);
        })
    };
    let close = settle.reform(|note: Option<String>| note.map(|n| (n, true)));
    let open = {
        let (mode, notice, moved) = (mode.clone(), notice.clone(), moved.clone());
        Callback::from(move |m: Mode| {
            notice.set(None);
            mode.set(m);
            moved.set(*moved + 1);
        })
    };
    let act = act_callback(&settings, &token, &settle, &busy);
    // Without a token, or with one that expired, a merchant's page (with its
    // publishable key) offers a sign-in link by e-mail.
    if settings.client.has_key() {
        match &*load {
            _ if token.is_empty() => return html! { <SignIn /> },
            Load::Failed(why, false) => return html! { <SignIn reason={why.clone()} /> },
            Load::Loading | Load::Failed(_, true) | Load::Ready(_) => {}
        }
    }
    let overview = match shown_overview(&load, &version, locale) {
        Ok(overview) => overview,
        Err(status) => return status,
    };
    let flows = Flows {
        overview: &overview,
        token: &token,
        close: &close,
        act: &act,
        busy: busy.is_some(),
        focus: focus.clone(),
    };
    if let Some(flow) = flows.view(&mode, locale) {
        return flow;
    }
    let actions = Actions {
        locale,
        open: &open,
        act: &act,
        busy: busy.as_deref(),
    };
    overview_page(&OverviewProps {
        overview: &overview,
        lists: &lists,
        notice: notice.as_ref(),
        focus,
        actions: &actions,
        client: &settings.client,
        token: &token,
    })
}

/// The overview and its lists, loaded again whenever `version` changes; the
/// lists after the overview.
#[hook]
fn use_overview(
    settings: &Rc<Settings>,
    token: &str,
    version: u32,
) -> (UseStateHandle<Load>, UseStateHandle<Lists>) {
    let load = use_state(|| Load::Loading);
    let lists = use_state(Lists::default);
    let locale = settings.locale;
    let (load_, lists_, settings, token) = (
        load.clone(),
        lists.clone(),
        settings.clone(),
        token.to_owned(),
    );
    use_effect_with(version, move |_| {
        let (load, lists) = (load_, lists_);
        if token.is_empty() {
            load.set(Load::Failed(locale.text().portal_expired.to_owned(), false));
            return;
        }
        spawn_local(async move {
            let client = &settings.client;
            match client.portal(&token).await {
                Ok(overview) => load.set(Load::Ready(Rc::new(overview))),
                Err(e) => {
                    load.set(Load::Failed(explain(&e, locale).1, !expired(&e)));
                    return;
                }
            }
            let why = |e: ApiError| explain(&e, locale).1;
            lists.set(Lists {
                invoices: Some(client.portal_list(&token, "/invoices").await.map_err(why)),
                orders: Some(client.portal_list(&token, "/orders").await.map_err(why)),
                cards: Some(
                    client
                        .portal_list(&token, "/payment_methods")
                        .await
                        .map_err(why),
                ),
            });
        });
    });
    (load, lists)
}

/// Starting a call from the overview: the button shows it is busy, then the
/// overview comes back with the outcome as its notice.
fn act_callback(
    settings: &Rc<Settings>,
    token: &str,
    settle: &Callback<Option<(String, bool)>>,
    busy: &UseStateHandle<Option<String>>,
) -> Callback<Act> {
    let (settings, token, settle, busy) = (
        settings.clone(),
        token.to_owned(),
        settle.clone(),
        busy.clone(),
    );
    Callback::from(move |a: Act| {
        busy.set(Some(a.path.clone()));
        let (settings, token, settle, busy) = (
            settings.clone(),
            token.clone(),
            settle.clone(),
            busy.clone(),
        );
        spawn_local(async move {
            let locale = settings.locale;
            let answer = settings
                .client
                .portal_post(&token, &a.path, None, None)
                .await;
            let note = match answer {
                Ok(json) => {
                    if !a.event.is_empty() {
                        dispatch(&settings, a.event, &json, false);
                    }
                    (a.done.to_owned(), true)
                }
                Err(e) => (explain(&e, locale).1, false),
            };
            busy.set(None);
            settle.emit(Some(note));
        });
    })
}

/// The loaded overview, or what to show instead: loading, or why it failed
/// (with a retry when trying again can help).
fn shown_overview(
    load: &Load,
    version: &UseStateHandle<u32>,
    locale: Locale,
) -> Result<Rc<PortalOverview>, Html> {
    match load {
        Load::Loading => Err(loading(locale)),
        Load::Failed(msg, retry) => {
            let onretry = retry.then(|| {
                let version = version.clone();
                Callback::from(move |_: MouseEvent| version.set(*version + 1))
            });
            Err(html! {
                <div class="rw-panel rw-portal">
                    <h2>{ locale.portal_text().portal_title }</h2>
                    { failed(&FailedProps { message: msg, onretry: onretry.as_ref(), locale }) }
                </div>
            })
        }
        Load::Ready(overview) => Ok(overview.clone()),
    }
}

/// What the flows started from the overview need.
struct Flows<'a> {
    overview: &'a PortalOverview,
    token: &'a str,
    close: &'a Callback<Option<String>>,
    act: &'a Callback<Act>,
    busy: bool,
    focus: NodeRef,
}

impl Flows<'_> {
    /// The flow of `mode`, or `None` on the overview (or when its subscription
    /// is gone).
    fn view(&self, mode: &Mode, locale: Locale) -> Option<Html> {
        let find = |id: &str| {
            self.overview
                .subscriptions
                .iter()
                .find(|s| s.id == id)
                .cloned()
        };
        let (token, close) = (self.token.to_owned(), self.close.clone());
        match mode {
            Mode::Cancel(id) => {
                find(id).map(|sub| html! { <CancelFlow {sub} {token} onclose={close} /> })
            }
            Mode::Change(id) => {
                find(id).map(|sub| html! { <ChangeFlow {sub} {token} onclose={close} /> })
            }
            Mode::Pause(id) => find(id).map(|sub| self.pause_or_resume(&sub, true, locale)),
            Mode::Resume(id) => find(id).map(|sub| self.pause_or_resume(&sub, false, locale)),
            Mode::Card => Some(html! {
                <CardFlow test_mode={!self.overview.livemode} {token} onclose={close} />
            }),
            Mode::Details => Some(html! {
                <DetailsFlow customer={self.overview.customer.clone()} {token} onclose={close} />
            }),
            Mode::Overview => None,
        }
    }

    /// Asks to confirm pausing (or resuming) `sub`, then makes the call.
    fn pause_or_resume(&self, sub: &PortalSubscription, pause: bool, locale: Locale) -> Html {
        let pt = locale.portal_text();
        let (words, action, event) = if pause {
            (
                [
                    pt.pause_title,
                    pt.pause_text,
                    pt.confirm_pause,
                    pt.paused_done,
                ],
                "pause",
                "renewly:paused",
            )
        } else {
            (
                [
                    pt.resume_title,
                    pt.resume_text,
                    pt.confirm_resume,
                    pt.resumed_done,
                ],
                "resume",
                "renewly:resumed",
            )
        };
        let [title, text, yes, done] = words;
        let path = format!("/subscriptions/{}/{action}", sub.id);
        let onyes = self.act.reform(move |_: MouseEvent| Act {
            path: path.clone(),
            done,
            event,
        });
        let back = self.close.reform(|_: MouseEvent| None);
        let plan = sub.plan.name.clone().into();
        confirm_flow(
            pt,
            plan,
            [title, text, yes],
            self.busy,
            onyes,
            back,
            self.focus.clone(),
        )
    }
}

/// What [`overview_page`] shows.
struct OverviewProps<'a> {
    overview: &'a PortalOverview,
    lists: &'a Lists,
    notice: Option<&'a (String, bool)>,
    focus: NodeRef,
    actions: &'a Actions<'a>,
    client: &'a crate::api::Client,
    token: &'a str,
}

/// The overview: the customer, the notice, subscriptions, address, cards,
/// invoices and orders.
fn overview_page(props: &OverviewProps<'_>) -> Html {
    let (overview, lists, actions) = (props.overview, props.lists, props.actions);
    let locale = actions.locale;
    let (t, pt) = (locale.text(), locale.portal_text());
    let customer = &overview.customer;
    let heading = customer
        .name
        .clone()
        .unwrap_or_else(|| customer.email.clone());
    let address = address_lines(&customer.address);
    // The focus goes to the notice when there is one, else to the heading.
    let (heading_ref, notice_ref) = match props.notice {
        Some(_) => (NodeRef::default(), props.focus.clone()),
        None => (props.focus.clone(), NodeRef::default()),
    };
    html! {
        <div class="rw-portal">
            <header class="rw-portal-head">
                <p class="rw-muted">{ overview.merchant.name.clone() }</p>
                <h2 tabindex="-1" ref={heading_ref}>{ heading }</h2>
                <p class="rw-muted">
                    { customer.email.clone() }
                    if let Some(company) = &customer.company { { " · " }{ company.clone() } }
                </p>
                if let Some(pending) = &customer.pending_email {
                    <p class="rw-muted rw-pending-email">{ pt.pending_email.replace("{email}", pending) }</p>
                }
            </header>
            if let Some((note, good)) = props.notice {
                <p class={classes!("rw-banner", good.then_some("rw-notice"))} role={if *good { "status" } else { "alert" }}
                    tabindex="-1" ref={notice_ref}>{ note.clone() }</p>
            }
            <div class="rw-portal-grid">
                <section class="rw-portal-section" aria-labelledby="rw-subs">
                    <h3 id="rw-subs">{ pt.portal_subscriptions }</h3>
                    if overview.subscriptions.is_empty() {
                        <p class="rw-muted">{ pt.no_subscriptions }</p>
                    }
                    { for overview.subscriptions.iter().map(|sub| subscription_card(sub, actions)) }
                </section>
                <aside class="rw-portal-side">
                    <section class="rw-portal-section rw-portal-box" aria-labelledby="rw-address">
                        <div class="rw-sub-head">
                            <h3 id="rw-address">{ t.billing_address }</h3>
                            <button type="button" class="rw-link" onclick={actions.open.reform(|_: MouseEvent| Mode::Details)}>{ pt.edit_details }</button>
                        </div>
                        <address class="rw-address">
                            if let Some(name) = &customer.name { <span>{ name.clone() }</span> }
                            { for address.into_iter().map(|l| html! { <span>{ l }</span> }) }
                            if let Some(vat) = &customer.vat_number { <span class="rw-muted">{ vat.clone() }</span> }
                        </address>
                    </section>
                    { cards_box(&lists.cards, customer.default_payment_method.as_ref(), actions) }
                </aside>
            </div>
            <section class="rw-portal-section" aria-labelledby="rw-invoices">
                <h3 id="rw-invoices">{ pt.invoices }</h3>
                { invoice_list(&lists.invoices, overview, props.client, props.token, actions) }
            </section>
            <section class="rw-portal-section" aria-labelledby="rw-orders">
                <h3 id="rw-orders">{ pt.orders }</h3>
                { order_list(&lists.orders, &lists.invoices, locale) }
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
        None => locale.portal_text().no_payment_method.to_owned(),
    }
}

/// A coloured status pill; `class` is `rw-status-ok`, `-warn`, `-bad` or `-muted`.
fn badge(label: &'static str, class: &'static str) -> Html {
    html! { <span class={classes!("rw-status", class)}>{ label }</span> }
}

/// A button's label, after a spinner while its call is under way.
fn spin(busy: bool, label: &'static str) -> Html {
    html! {
        <>
            if busy { <span class="rw-spinner" aria-hidden="true"></span> }
            { label }
        </>
    }
}

/// The top of a flow: "← Back", and what it is about.
fn flow_head(pt: &PortalText, back: Callback<MouseEvent>, about: Option<AttrValue>) -> Html {
    html! {
        <div class="rw-portal-flow-head">
            <button type="button" class="rw-back rw-link" onclick={back}>{ "← " }{ pt.back }</button>
            if let Some(about) = about { <p class="rw-muted">{ about }</p> }
        </div>
    }
}
