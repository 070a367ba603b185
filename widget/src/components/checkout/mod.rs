//! The checkout: plan options and quantity → details and billing address → live
//! summary → terms and signature → card → confirmation.

use std::rc::Rc;

mod form;
mod success;

use crate::wire::{CheckoutPreview, PublicPlan};
use gloo_timers::callback::Timeout;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::field::{error_text, focus_first_invalid};
use super::status::{FailedProps, failed, loading};
use crate::api::{ApiError, Subscribed};
use crate::api::{idempotency_key, new_nonce};
use crate::form::{Edit, Field, Form, SignMode, explain};
use crate::format::money;
use crate::i18n::Locale;
use crate::json::ToJson;
use crate::settings::{Settings, dispatch, mark, use_settings};
use form::{CheckoutFormProps, checkout_form};
use success::Success;

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

/// Tells the host page, with the objects the API returned.
fn announce(settings: &Settings, done: &Subscribed) {
    dispatch(settings, "renewly:subscribed", &done.detail_json(), false);
}

/// The checkout for one plan.
#[function_component(Checkout)]
pub fn checkout(props: &CheckoutProps) -> Html {
    let settings = use_settings();
    let locale = settings.locale;
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
    let preview = use_live_preview(
        &settings,
        &form,
        form.preview_request(&plan, locale).to_json(),
    );
    let stage = use_state(|| Stage::Form);
    let nonce = use_mut_ref(new_nonce);
    let root = use_node_ref();
    let focus_tick = use_state(|| 0u32);
    {
        let root = root.clone();
        use_effect_with(*focus_tick, move |tick| {
            if *tick > 0 {
                focus_first_invalid(&root);
            }
        });
    }
    let submitting = Submitting {
        form: form.clone(),
        stage: stage.clone(),
        settings: settings.clone(),
        plan: plan.clone(),
        focus_tick,
        nonce,
    };

    let body = match &*stage {
        Stage::Done(done) => {
            html! { <Success plan={plan.name.clone()} done={done.clone()} email={form.email.clone()} /> }
        }
        Stage::Confirm { done, busy, error } => {
            confirm_panel(&stage, &settings, done, *busy, error.as_deref())
        }
        Stage::Form | Stage::Submitting => checkout_form(&CheckoutFormProps {
            plan: &plan,
            form: &form,
            preview_data: preview.data.as_deref(),
            preview_loading: preview.loading,
            preview_error: preview.error.as_deref(),
            submitting: *stage == Stage::Submitting,
            locale,
            test_mode: settings.client.is_test(),
            edits: &FormEdits::of(&form),
            onsubmit: submitting.callback(),
        }),
    };
    let back = match (&props.onback, &*stage) {
        (Some(onback), Stage::Form | Stage::Submitting) => back_button(onback, locale),
        _ => html! {},
    };
    html! {
        <div class="rw-checkout" ref={root}>
            { back }
            { body }
        </div>
    }
}

/// "Back to plans", for a checkout opened from a pricing table.
fn back_button(onback: &Callback<()>, locale: Locale) -> Html {
    let onback = onback.clone();
    html! {
        <button type="button" class="rw-link rw-back" onclick={Callback::from(move |_: MouseEvent| onback.emit(()))}>
            <span aria-hidden="true">{ "← " }</span>{ locale.checkout_text().back_to_plans }
        </button>
    }
}

/// The live summary of `body` (a preview request), recalculated when it changes:
/// at once the first time, then once typing pauses. A field the server rejects
/// is marked on the form.
#[hook]
fn use_live_preview(
    settings: &Rc<Settings>,
    form: &UseReducerHandle<Form>,
    body: String,
) -> UseReducerHandle<Preview> {
    let preview = use_reducer(Preview::default);
    let seq = use_mut_ref(|| 0u32);
    let locale = settings.locale;
    let (client, dispatcher, form) = (
        settings.client.clone(),
        preview.dispatcher(),
        form.dispatcher(),
    );
    use_effect_with(body, move |body| {
        let body = body.clone();
        let first = *seq.borrow() == 0;
        let timer = Timeout::new(if first { 0 } else { PREVIEW_DELAY_MS }, move || {
            let n = {
                let mut s = seq.borrow_mut();
                *s += 1;
                *s
            };
            dispatcher.dispatch(PreviewAction::Start(n));
            spawn_local(async move {
                match client.preview(body).await {
                    Ok(p) => dispatcher.dispatch(PreviewAction::Loaded(n, Rc::new(p))),
                    Err(err) => {
                        let (field, message) = explain(&err, locale);
                        if let Some(field) = field {
                            form.dispatch(Edit(Box::new(move |f| {
                                f.errors.insert(field, message);
                            })));
                        }
                        dispatcher.dispatch(PreviewAction::Failed(
                            n,
                            locale.checkout_text().preview_failed.to_owned(),
                        ));
                    }
                }
            });
        });
        move || drop(timer)
    });
    preview
}

/// What submitting the checkout reads and changes.
#[derive(Clone)]
struct Submitting {
    form: UseReducerHandle<Form>,
    stage: UseStateHandle<Stage>,
    settings: Rc<Settings>,
    plan: Rc<PublicPlan>,
    focus_tick: UseStateHandle<u32>,
    nonce: Rc<std::cell::RefCell<String>>,
}

impl Submitting {
    /// The form's submit handler: checks the fields, then sends the checkout once
    /// per answer (the same key while no answer came back).
    fn callback(self) -> Callback<SubmitEvent> {
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *self.stage != Stage::Form {
                return;
            }
            let locale = self.settings.locale;
            let t = locale.text();
            let req = match self.form.checkout_request(&self.plan, locale) {
                Ok(req) => req,
                Err(errors) => {
                    self.form.dispatch(Edit(Box::new(move |f| {
                        f.errors = errors;
                        f.banner = Some(t.err_check_fields.to_owned());
                    })));
                    self.focus_tick.set(*self.focus_tick + 1);
                    return;
                }
            };
            self.stage.set(Stage::Submitting);
            let key = idempotency_key(&self.nonce.borrow(), &req.to_json());
            let this = self.clone();
            spawn_local(async move {
                let answer = this.settings.client.checkout(&req, &key).await;
                this.answered(answer);
            });
        })
    }

    /// Moves on after the checkout's answer: confirm, done, or back to the form
    /// with the rejected field marked.
    fn answered(&self, answer: Result<Subscribed, ApiError>) {
        if !matches!(answer, Err(ApiError::Network)) {
            *self.nonce.borrow_mut() = new_nonce();
        }
        let locale = self.settings.locale;
        let t = locale.text();
        match answer {
            Ok(done) if done.status == "requires_action" => self.stage.set(Stage::Confirm {
                done: Rc::new(done),
                busy: false,
                error: None,
            }),
            Ok(done) => {
                announce(&self.settings, &done);
                self.stage.set(Stage::Done(Rc::new(done)));
            }
            Err(err) => {
                let (field, message) = explain(&err, locale);
                let is_card = matches!(&err, ApiError::Problem(p) if p.status == 402);
                self.form.dispatch(Edit(Box::new(move |f| match field {
                    Some(field) => {
                        f.errors.insert(field, message);
                        f.banner = (!is_card).then(|| t.err_check_fields.to_owned());
                    }
                    None => f.banner = Some(message),
                })));
                self.stage.set(Stage::Form);
                self.focus_tick.set(*self.focus_tick + 1);
            }
        }
    }
}

/// The card holder's confirmation of a first charge that needs it.
fn confirm_panel(
    stage: &UseStateHandle<Stage>,
    settings: &Rc<Settings>,
    done: &Rc<Subscribed>,
    busy: bool,
    error: Option<&str>,
) -> Html {
    let locale = settings.locale;
    let ct = locale.checkout_text();
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
            <button type="button" class="rw-button rw-primary" disabled={busy} onclick={authenticate}>
                if busy { <span class="rw-spinner" aria-hidden="true"></span>{ ct.processing } } else { { ct.authenticate } }
            </button>
            { error_text(AttrValue::Static("rw-confirm-error"), error) }
        </div>
    }
}

/// Where each edit of the checkout form goes: into the form's state, clearing
/// the field's error.
pub(super) struct FormEdits {
    pub(super) onedit: Callback<(Field, String)>,
    pub(super) onprice: Callback<String>,
    pub(super) onquantity: Callback<u32>,
    pub(super) onaddon: Callback<(String, u32)>,
    pub(super) onmode: Callback<SignMode>,
    pub(super) onimage: Callback<Option<String>>,
    pub(super) onagree: Callback<bool>,
}

impl FormEdits {
    fn of(form: &UseReducerHandle<Form>) -> Self {
        /// A callback that applies `change` with the value it is given.
        fn edit<T: 'static>(
            form: &UseReducerHandle<Form>,
            change: fn(&mut Form, T),
        ) -> Callback<T> {
            let form = form.clone();
            Callback::from(move |value: T| form.dispatch(Edit(Box::new(move |f| change(f, value)))))
        }
        Self {
            onedit: edit(form, |f, (field, value)| f.set(field, value)),
            onprice: edit(form, |f, id| f.price = id),
            onquantity: edit(form, |f, n| {
                f.quantity = n;
                f.errors.remove(&Field::Quantity);
            }),
            onaddon: edit(form, |f, (product, n): (String, u32)| {
                if n == 0 {
                    f.addons.remove(&product);
                } else {
                    f.addons.insert(product, n);
                }
                f.errors.remove(&Field::Addons);
            }),
            onmode: edit(form, |f, m| {
                f.sign_mode = m;
                f.signature_image = None;
                f.errors.remove(&Field::SignatureImage);
            }),
            onimage: edit(form, |f, img| {
                f.signature_image = img;
                f.errors.remove(&Field::SignatureImage);
            }),
            onagree: edit(form, |f, yes| {
                f.agreed = yes;
                f.errors.remove(&Field::Agree);
            }),
        }
    }
}
