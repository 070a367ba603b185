//! The portal without a token (or with one that expired), on a merchant's page
//! with a publishable key: the shopper asks for a sign-in link by e-mail. The
//! answer is the same whether or not the address is a customer's, so the form
//! says the same either way. Kept small on purpose: the portal bundle has a
//! size budget (README, "Widget").

use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::components::field::error_text;
use crate::form::explain;
use crate::settings::use_settings;

/// Properties of [`SignIn`].
#[derive(Properties, PartialEq)]
pub struct SignInProps {
    /// Why the form shows, above it (an expired link).
    #[prop_or_default]
    pub reason: Option<AttrValue>,
}

/// "E-mail me a link": `POST /v1/public/portal/link`. The state is the address
/// the link went to once sent, else the error of the last try.
#[function_component(SignIn)]
pub fn sign_in(props: &SignInProps) -> Html {
    let settings = use_settings();
    let locale = settings.locale;
    let (t, pt) = (locale.text(), locale.portal_text());
    let input = use_node_ref();
    let state = use_state(|| Err::<String, Option<String>>(None));
    let onsubmit = {
        let (input, state, settings) = (input.clone(), state.clone(), settings.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let address = input
                .cast::<HtmlInputElement>()
                .map(|i| i.value().trim().to_owned())
                .unwrap_or_default();
            let (state, settings) = (state.clone(), settings.clone());
            spawn_local(async move {
                let sent = settings.client.request_portal_link(&address).await;
                state.set(
                    sent.map(|()| address)
                        .map_err(|e| Some(explain(&e, locale).1)),
                );
            });
        })
    };
    let body = match &*state {
        Ok(address) => html! {
            <p class="rw-banner rw-notice" role="status">{ pt.sign_in_sent.replace("{email}", address) }</p>
        },
        Err(error) => html! {
            <form class="rw-sign-in" {onsubmit}>
                <p>{ pt.sign_in_text }</p>
                <div class="rw-field">
                    <label for="rw-sign-in-email">{ t.email }</label>
                    <input id="rw-sign-in-email" type="email" required=true autocomplete="email"
                        value={settings.customer_email.clone()} ref={input} />
                    { error_text("rw-sign-in-error".into(), error.as_deref()) }
                </div>
                <button type="submit" class="rw-primary">{ pt.sign_in_button }</button>
            </form>
        },
    };
    html! {
        <div class="rw-panel rw-portal">
            <h2>{ pt.portal_title }</h2>
            if let Some(reason) = &props.reason {
                <p class="rw-muted">{ reason.clone() }</p>
            }
            { body }
        </div>
    }
}
