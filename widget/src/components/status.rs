//! Loading and failure states shared by the flows.

use yew::prelude::*;

use crate::settings::use_settings;

/// A spinner with a label for screen readers.
#[function_component(Loading)]
pub fn loading() -> Html {
    let t = use_settings().locale.text();
    html! {
        <div class="rw-loading" role="status">
            <span class="rw-spinner" aria-hidden="true"></span>
            <span>{ t.loading }</span>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct FailedProps {
    pub message: AttrValue,
    #[prop_or_default]
    pub onretry: Option<Callback<MouseEvent>>,
}

/// A failure with an optional "Try again".
#[function_component(Failed)]
pub fn failed(props: &FailedProps) -> Html {
    let t = use_settings().locale.text();
    html! {
        <div class="rw-failed" role="alert">
            <p>{ props.message.clone() }</p>
            if let Some(onretry) = &props.onretry {
                <button type="button" class="rw-button rw-secondary" onclick={onretry.clone()}>{ t.retry }</button>
            }
        </div>
    }
}
