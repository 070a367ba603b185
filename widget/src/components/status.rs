//! Loading and failure states shared by the flows, and where the focus goes.

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

/// A node for a heading or message that takes the focus when it shows and
/// whenever `key` changes (give it `tabindex="-1"`), so that keyboard and
/// screen-reader users land where the flow went.
#[hook]
pub fn use_focus(key: u32) -> NodeRef {
    let node = use_node_ref();
    {
        let node = node.clone();
        use_effect_with(key, move |_| {
            if let Some(el) = node.cast::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        });
    }
    node
}
