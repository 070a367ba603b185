//! The checkout: plan options and quantity → details and billing address → live
//! summary → terms and signature → card → confirmation.

use std::rc::Rc;

use crate::wire::{CheckoutPreview, PaymentMode, PublicPlan};
use gloo_timers::callback::Timeout;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::address::{AddressProps, address_fields, contact_fields};
use super::card_form::{CardFormProps, card_form};
use super::field::{StepperProps, error_text, focus_first_invalid, stepper};
use super::signature::{AgreementProps, agreement};
use super::status::{FailedProps, failed, loading, use_focus};
use super::summary::{SummaryProps, summary};
use crate::api::{ApiError, Subscribed};
use crate::form::{Edit, Field, Form, SignMode, explain};
use crate::format::{date, money};
use crate::i18n::Locale;
use crate::json::ToJson;
use crate::settings::{Settings, dispatch, mark, use_settings};

/// How long typing must pause before the summary is recalculated.
const PREVIEW_DELAY_MS: u32 = 350;

/// `<renewly-checkout plan=… price=…>`: loads the plan, then the checkout.
#[function_component(CheckoutElement)]
pub fn checkout_element() -> Html {
    let settings = use_settings();
    let ct = settings.locale.checkout_text();
    let plan = use_state(|| None::<Result<Rc<PublicPlan>, String>>);
    let attempt = use_state(|| 0u32);
    {
        let (settings, plan) = (settings.clone(), plan.clone());
        use_effect_with(*attempt, move |_| {
            plan.set(None);
            let id = settings.plan.clone().unwrap_or_default();
            spawn_local(async move {
                let t = settings.locale.text();
                let ct = settings.locale.checkout_text();
                let found = match settings.client.plans(std::slice::from_ref(&id)).await {
                    Ok(list) => list
                        .into_iter()
                        .find(|p| p.id == id)
                        .map(Rc::new)
                        .ok_or_else(|| ct.plan_not_found.to_owned()),
                    Err(ApiError::Network) => Err(t.err_network.to_owned()),
                    Err(ApiError::Problem(_)) => Err(ct.load_failed.to_owned()),
                };
                plan.set(Some(found));
            });
        });
    }
    let retry = {
        let attempt = attempt.clone();
        Callback::from(move |_: MouseEvent| attempt.set(*attempt + 1))
    };
    {
        let shown = matches!(&*plan, Some(Ok(_)));
        use_effect_with(shown, |shown| {
            if *shown {
                mark("renewly:checkout");
            }
        });
    }
    match &*plan {
        None => loading(settings.locale),
        Some(Ok(plan)) => html! {
            <Checkout plan={plan.clone()} price={settings.price.clone().map(AttrValue::from)} />
        },
        Some(Err(message)) => failed(&FailedProps {
            message,
            onretry: (message != ct.plan_not_found).then_some(&retry),
            locale: settings.locale,
        }),
    }
}

/// The live summary: the newest request's answer wins.
#[derive(Default, PartialEq)]
struct Preview {
    seq: u32,
    data: Option<Rc<CheckoutPreview>>,
    loading: bool,
    error: Option<String>,
}

enum PreviewAction {
    Start(u32),
    Loaded(u32, Rc<CheckoutPreview>),
    Failed(u32, String),
}

impl Reducible for Preview {
    type Action = PreviewAction;

    fn reduce(self: Rc<Self>, action: PreviewAction) -> Rc<Self> {
        let mut next = Preview {
            seq: self.seq,
            data: self.data.clone(),
            loading: self.loading,
            error: self.error.clone(),
        };
        match action {
            PreviewAction::Start(seq) => {
                next.seq = seq;
                next.loading = true;
            }
            PreviewAction::Loaded(seq, data) if seq == self.seq => {
                next.data = Some(data);
                next.loading = false;
                next.error = None;
            }
            PreviewAction::Failed(seq, error) if seq == self.seq => {
                next.data = None;
                next.loading = false;
                next.error = Some(error);
            }
            PreviewAction::Loaded(..) | PreviewAction::Failed(..) => return self,
        }
        Rc::new(next)
    }
}

/// Where the checkout stands.
#[derive(Clone, PartialEq)]
enum Stage {
    Form,
    Submitting,
    /// The card needs the shopper's confirmation.
    Confirm {
        done: Rc<Subscribed>,
        busy: bool,
        error: Option<String>,
    },
    Done(Rc<Subscribed>),
}

#[derive(Properties, PartialEq)]
pub struct CheckoutProps {
    pub plan: Rc<PublicPlan>,
    #[prop_or_default]
    pub price: Option<AttrValue>,
    /// Shown as "Back to plans" when the checkout was opened from a pricing table.
    #[prop_or_default]
    pub onback: Option<Callback<()>>,
}

/// A random hex string for idempotency keys.
fn new_nonce() -> String {
    format!("{:012x}", (js_sys::Math::random() * 2f64.powi(48)) as u64)
}

/// An `Idempotency-Key` that is the same for the same request while no answer
/// came back (a retry after a lost connection cannot charge twice) and differs
/// for anything else; the nonce is renewed after every answer.
fn idempotency_key(nonce: &str, body: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in body.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("rw_{nonce}_{hash:016x}")
}

/// Tells the host page, with the objects the API returned.
fn announce(settings: &Settings, done: &Subscribed) {
    dispatch(settings, "renewly:subscribed", &done.detail_json(), false);
}

/// The checkout for one plan.
#[function_component(Checkout)]
pub fn checkout(props: &CheckoutProps) -> Html {
    let settings = use_settings();
    let locale = settings.locale;
    let ct = locale.checkout_text();
    let plan = props.plan.clone();
    let form = {
        let (plan, price, settings) = (plan.clone(), props.price.clone(), settings.clone());
        use_reducer(move || {
            Form::new(
                &plan,
                price.as_deref(),
                settings.customer_email.as_deref(),
                &settings.country,
            )
        })
    };
    let preview = use_reducer(Preview::default);
    let stage = use_state(|| Stage::Form);
    let seq = use_mut_ref(|| 0u32);
    let nonce = use_mut_ref(new_nonce);
    let root = use_node_ref();
    let focus_tick = use_state(|| 0u32);

    let edit = {
        let form = form.clone();
        Callback::from(move |(field, value): (Field, String)| {
            form.dispatch(Edit(Box::new(move |f| f.set(field, value))))
        })
    };
    let update = |f: fn(&mut Form, u32)| {
        let form = form.clone();
        Callback::from(move |n: u32| form.dispatch(Edit(Box::new(move |x| f(x, n)))))
    };

    // The live summary, recalculated when something that changes it changes.
    let preview_body = form.preview_request(&plan, locale).to_json();
    {
        let (client, preview, seq, form) = (
            settings.client.clone(),
            preview.dispatcher(),
            seq.clone(),
            form.dispatcher(),
        );
        use_effect_with(preview_body, move |body| {
            let body = body.clone();
            let first = *seq.borrow() == 0;
            let timer = Timeout::new(if first { 0 } else { PREVIEW_DELAY_MS }, move || {
                let n = {
                    let mut s = seq.borrow_mut();
                    *s += 1;
                    *s
                };
                preview.dispatch(PreviewAction::Start(n));
                spawn_local(async move {
                    match client.preview(body).await {
                        Ok(p) => preview.dispatch(PreviewAction::Loaded(n, Rc::new(p))),
                        Err(err) => {
                            let (field, message) = explain(&err, locale);
                            if let Some(field) = field {
                                form.dispatch(Edit(Box::new(move |f| {
                                    f.errors.insert(field, message);
                                })));
                            }
                            preview.dispatch(PreviewAction::Failed(
                                n,
                                locale.checkout_text().preview_failed.to_owned(),
                            ));
                        }
                    }
                });
            });
            move || drop(timer)
        });
    }

    {
        let root = root.clone();
        use_effect_with(*focus_tick, move |tick| {
            if *tick > 0 {
                focus_first_invalid(&root);
            }
        });
    }

    let onsubmit = {
        let (form, stage, settings, plan, focus_tick, nonce) = (
            form.clone(),
            stage.clone(),
            settings.clone(),
            plan.clone(),
            focus_tick.clone(),
            nonce.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *stage != Stage::Form {
                return;
            }
            let t = locale.text();
            let req = match form.checkout_request(&plan, locale) {
                Ok(req) => req,
                Err(errors) => {
                    form.dispatch(Edit(Box::new(move |f| {
                        f.errors = errors;
                        f.banner = Some(t.err_check_fields.to_owned());
                    })));
                    focus_tick.set(*focus_tick + 1);
                    return;
                }
            };
            stage.set(Stage::Submitting);
            let key = idempotency_key(&nonce.borrow(), &req.to_json());
            let (form, stage, settings, focus_tick, nonce) = (
                form.clone(),
                stage.clone(),
                settings.clone(),
                focus_tick.clone(),
                nonce.clone(),
            );
            spawn_local(async move {
                let answer = settings.client.checkout(&req, &key).await;
                if !matches!(answer, Err(ApiError::Network)) {
                    *nonce.borrow_mut() = new_nonce();
                }
                match answer {
                    Ok(done) if done.status == "requires_action" => stage.set(Stage::Confirm {
                        done: Rc::new(done),
                        busy: false,
                        error: None,
                    }),
                    Ok(done) => {
                        announce(&settings, &done);
                        stage.set(Stage::Done(Rc::new(done)));
                    }
                    Err(err) => {
                        let (field, message) = explain(&err, locale);
                        let is_card = matches!(&err, ApiError::Problem(p) if p.status == 402);
                        form.dispatch(Edit(Box::new(move |f| match field {
                            Some(field) => {
                                f.errors.insert(field, message);
                                f.banner = (!is_card).then(|| t.err_check_fields.to_owned());
                            }
                            None => f.banner = Some(message),
                        })));
                        stage.set(Stage::Form);
                        focus_tick.set(*focus_tick + 1);
                    }
                }
            });
        })
    };

    let body = match &*stage {
        Stage::Done(done) => {
            html! { <Success plan={plan.name.clone()} done={done.clone()} email={form.email.clone()} /> }
        }
        Stage::Confirm { done, busy, error } => {
            let authenticate = {
                let (stage, settings, done) = (stage.clone(), settings.clone(), done.clone());
                Callback::from(move |_: MouseEvent| {
                    stage.set(Stage::Confirm {
                        done: done.clone(),
                        busy: true,
                        error: None,
                    });
                    let (stage, settings, done) = (stage.clone(), settings.clone(), done.clone());
                    spawn_local(async move {
                        let id = done.subscription_info().id;
                        let secret = done.client_secret.clone().unwrap_or_default();
                        match settings.client.confirm(&id, &secret).await {
                            Ok(subscription) => {
                                let paid = Subscribed {
                                    status: "active".to_owned(),
                                    subscription,
                                    confirmed: true,
                                    ..(*done).clone()
                                };
                                announce(&settings, &paid);
                                stage.set(Stage::Done(Rc::new(paid)));
                            }
                            Err(err) => stage.set(Stage::Confirm {
                                done: done.clone(),
                                busy: false,
                                error: Some(explain(&err, locale).1),
                            }),
                        }
                    });
                })
            };
            let total = done
                .invoice_info()
                .map(|i| money(i.total, &i.currency, locale));
            html! {
                <div class="rw-panel rw-confirm">
                    <div class="rw-confirm-icon" aria-hidden="true">
                        <svg viewBox="0 0 24 24"><path fill="currentColor" d="M12 2 4 5v6c0 5 3.4 9.7 8 11 4.6-1.3 8-6 8-11V5l-8-3Zm-1 14-4-4 1.4-1.4L11 13.2l4.6-4.6L17 10l-6 6Z"/></svg>
                    </div>
                    <h3>{ ct.confirm_title }</h3>
                    <p>{ locale.confirm_amount(&total.unwrap_or_default()) }</p>
                    <button type="button" class="rw-button rw-primary" disabled={*busy} onclick={authenticate}>
                        if *busy { <span class="rw-spinner" aria-hidden="true"></span>{ ct.processing } } else { { ct.authenticate } }
                    </button>
                    { error_text(AttrValue::Static("rw-confirm-error"), error.as_deref()) }
                </div>
            }
        }
        Stage::Form | Stage::Submitting => {
            let submitting = *stage == Stage::Submitting;
            checkout_form(&CheckoutFormProps {
                plan: &plan,
                form: &form,
                preview_data: preview.data.as_deref(),
                preview_loading: preview.loading,
                preview_error: preview.error.as_deref(),
                submitting,
                locale,
                test_mode: settings.client.is_test(),
                onedit: edit,
                onprice: {
                    let form = form.clone();
                    Callback::from(move |id: String| {
                        form.dispatch(Edit(Box::new(move |f| f.price = id)))
                    })
                },
                onquantity: update(|f, n| {
                    f.quantity = n;
                    f.errors.remove(&Field::Quantity);
                }),
                onaddon: {
                    let form = form.clone();
                    Callback::from(move |(product, n): (String, u32)| {
                        form.dispatch(Edit(Box::new(move |f| {
                            if n == 0 {
                                f.addons.remove(&product);
                            } else {
                                f.addons.insert(product, n);
                            }
                            f.errors.remove(&Field::Addons);
                        })))
                    })
                },
                onmode: {
                    let form = form.clone();
                    Callback::from(move |m: SignMode| {
                        form.dispatch(Edit(Box::new(move |f| {
                            f.sign_mode = m;
                            f.signature_image = None;
                            f.errors.remove(&Field::SignatureImage);
                        })))
                    })
                },
                onimage: {
                    let form = form.clone();
                    Callback::from(move |img: Option<String>| {
                        form.dispatch(Edit(Box::new(move |f| {
                            f.signature_image = img;
                            f.errors.remove(&Field::SignatureImage);
                        })))
                    })
                },
                onagree: {
                    let form = form.clone();
                    Callback::from(move |yes: bool| {
                        form.dispatch(Edit(Box::new(move |f| {
                            f.agreed = yes;
                            f.errors.remove(&Field::Agree);
                        })))
                    })
                },
                onsubmit,
            })
        }
    };
    let back = match (&props.onback, &*stage) {
        (Some(onback), Stage::Form | Stage::Submitting) => {
            let onback = onback.clone();
            html! {
                <button type="button" class="rw-link rw-back" onclick={Callback::from(move |_: MouseEvent| onback.emit(()))}>
                    <span aria-hidden="true">{ "← " }</span>{ ct.back_to_plans }
                </button>
            }
        }
        _ => html! {},
    };
    html! {
        <div class="rw-checkout" ref={root}>
            { back }
            { body }
        </div>
    }
}

/// What [`checkout_form`] shows: the plan, the form as typed, the last
/// summary, and where each edit goes.
struct CheckoutFormProps<'a> {
    plan: &'a PublicPlan,
    form: &'a Form,
    preview_data: Option<&'a CheckoutPreview>,
    preview_loading: bool,
    preview_error: Option<&'a str>,
    submitting: bool,
    locale: Locale,
    /// The card form lists the test cards.
    test_mode: bool,
    onedit: Callback<(Field, String)>,
    onprice: Callback<String>,
    onquantity: Callback<u32>,
    onaddon: Callback<(String, u32)>,
    onmode: Callback<SignMode>,
    onimage: Callback<Option<String>>,
    onagree: Callback<bool>,
    onsubmit: Callback<SubmitEvent>,
}

/// The form and its summary side by side (stacked on narrow screens).
fn checkout_form(props: &CheckoutFormProps<'_>) -> Html {
    let locale = props.locale;
    let t = locale.text();
    let ct = locale.checkout_text();
    let plan = props.plan;
    let form = props.form;
    let chosen = form.chosen(plan);
    let cur = plan.currency.as_str();
    let product_name = |id: &str| {
        plan.products
            .iter()
            .find(|p| p.id == id)
            .map(|p| (p.name.clone(), p.unit.clone(), p.description.clone()))
    };
    let error = |field: Field| form.errors.get(&field).map(String::as_str);
    let prices = html! {
        if plan.prices.len() > 1 {
            <fieldset class="rw-options">
                <legend class="rw-label">{ ct.billing_period }</legend>
                <div class="rw-choices">
                    { for plan.prices.iter().map(|p| {
                        let id = p.id.clone();
                        let onprice = props.onprice.clone();
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
    };

    let unit = chosen
        .and_then(|p| product_name(&p.product))
        .map(|(_, unit, _)| unit)
        .unwrap_or_default();
    let per_unit = chosen.map(|p| {
        let per = p
            .recurring
            .map(|r| locale.period(r.interval, r.interval_count))
            .unwrap_or_default();
        format!("× {} / {unit} / {per}", money(p.unit_amount, cur, locale))
    });

    let addons = form.offered_addons(plan);
    let addons_html = html! {
        if !addons.is_empty() {
            <fieldset class="rw-options" id={Field::Addons.id()} aria-invalid={form.errors.contains_key(&Field::Addons).then_some("true")}>
                <legend class="rw-label">{ ct.addons }</legend>
                { for addons.iter().map(|price| {
                    let (name, _unit, description) = product_name(&price.product)
                        .unwrap_or_else(|| (price.nickname.clone().unwrap_or_default(), String::new(), None));
                    let qty = form.addons.get(&price.product).copied().unwrap_or(0);
                    let product = price.product.clone();
                    let toggle = {
                        let (cb, product) = (props.onaddon.clone(), product.clone());
                        Callback::from(move |e: Event| {
                            let on = e.target_unchecked_into::<web_sys::HtmlInputElement>().checked();
                            cb.emit((product.clone(), u32::from(on)));
                        })
                    };
                    let set_qty = {
                        let (cb, product) = (props.onaddon.clone(), product.clone());
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
    };

    let total = props
        .preview_data
        .as_ref()
        .map(|p| money(p.total, &p.currency, locale));
    let needs_card = plan.payment_mode == PaymentMode::ChargeAutomatically;
    let submit_label = match (&total, needs_card) {
        (Some(total), true) if plan.trial_days == 0 => locale.pay(total),
        _ if plan.trial_days > 0 => ct.start_trial.to_owned(),
        _ => ct.subscribe.to_owned(),
    };
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
                    { section(next_step(), ct.your_plan, html! {
                        <>
                            { prices }
                            { stepper(&StepperProps {
                                id: AttrValue::Static(Field::Quantity.id()),
                                label: locale.quantity_of(&unit).into(),
                                value: form.quantity,
                                onchange: props.onquantity.clone(),
                                min: 1,
                                max: 999,
                                less: t.decrease,
                                more: t.increase,
                                error: error(Field::Quantity),
                                suffix: per_unit.map(AttrValue::from),
                                quiet_label: false,
                            }) }
                            { addons_html }
                        </>
                    }) }
                    { section(next_step(), t.your_details, html! {
                        { contact_fields(form, &props.onedit, locale, true) }
                    }) }
                    { section(next_step(), t.billing_address, html! {
                        { address_fields(&AddressProps { form, locale, onedit: &props.onedit }) }
                    }) }
                    if plan.require_signature {
                        { section(next_step(), ct.agreement, html! {
                            { agreement(&AgreementProps {
                                form,
                                locale,
                                terms: plan.terms.as_deref(),
                                onedit: &props.onedit,
                                onmode: &props.onmode,
                                onimage: &props.onimage,
                                onagree: &props.onagree,
                            }) }
                        }) }
                    }
                    if needs_card {
                        { section(next_step(), ct.payment, html! {
                            { card_form(&CardFormProps {
                                form,
                                locale,
                                test_mode: props.test_mode,
                                onedit: &props.onedit,
                            }) }
                        }) }
                    }
                    <div class="rw-submit">
                        if let Some(banner) = &form.banner {
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
                </form>
                <aside class="rw-aside">
                    { summary(&SummaryProps {
                        plan: &plan.name,
                        recurring: chosen.and_then(|p| p.recurring),
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

#[derive(Properties, PartialEq)]
struct SuccessProps {
    plan: AttrValue,
    done: Rc<Subscribed>,
    email: AttrValue,
}

/// The confirmation: what was bought, the invoice, and the portal link.
#[function_component(Success)]
fn success(props: &SuccessProps) -> Html {
    let locale = use_settings().locale;
    let ct = locale.checkout_text();
    let heading = use_focus(0);
    let invoice = props.done.invoice_info();
    let number = invoice.as_ref().map(|i| i.number.clone());
    let amount = invoice.as_ref().map(|i| {
        let total = money(i.total, &i.currency, locale);
        if i.status == "paid" || props.done.confirmed {
            format!("{total} · {}", ct.paid)
        } else {
            total
        }
    });
    let next = props
        .done
        .subscription_info()
        .next_invoice_date
        .map(|d| date(&d, locale));
    html! {
        <div class="rw-panel rw-done" role="status">
            <div class="rw-done-icon" aria-hidden="true">
                <svg viewBox="0 0 24 24"><path fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round" d="m5 12.5 4.5 4.5L19 7.5"/></svg>
            </div>
            <h2 tabindex="-1" ref={heading}>{ locale.subscribed_to(&props.plan) }</h2>
            if !props.email.is_empty() {
                <p class="rw-muted">{ locale.receipt_sent(&props.email) }</p>
            }
            <dl class="rw-receipt">
                if let Some(number) = number {
                    <div><dt>{ locale.invoice_number(&number) }</dt><dd>{ amount.unwrap_or_default() }</dd></div>
                }
                if let Some(next) = next {
                    <div><dt>{ locale.next_invoice(&next) }</dt><dd></dd></div>
                }
            </dl>
            if let Some(url) = &props.done.portal_url {
                <a class="rw-button rw-primary" href={url.clone()}>{ ct.manage }</a>
            }
        </div>
    }
}
