//! Loading and failure states shared by the flows, and where the focus goes.

use yew::prelude::*;

use crate::i18n::Locale;

/// A spinner with a label for screen readers.
///
/// Keyed, so that the failure or content that replaces it is a new element
/// (a fresh `role="alert"` is announced) rather than this one patched.
pub fn loading(locale: Locale) -> Html {
    html! {
        <div key="rw-loading" class="rw-loading" role="status">
            <span class="rw-spinner" aria-hidden="true"></span>
            <span>{ locale.text().loading }</span>
        </div>
    }
}

/// What [`failed`] shows: the message and, when trying again can help, what
/// "Try again" does.
pub struct FailedProps<'a> {
    pub message: &'a str,
    pub onretry: Option<&'a Callback<MouseEvent>>,
    pub locale: Locale,
}

/// A failure with an optional "Try again".
///
/// Keyed like [`loading`], so that it is announced as a new alert.
pub fn failed(props: &FailedProps<'_>) -> Html {
    html! {
        <div key="rw-failed" class="rw-failed" role="alert">
            <p>{ props.message }</p>
            if let Some(onretry) = props.onretry {
                <button type="button" class="rw-button rw-secondary" onclick={onretry.clone()}>{ props.locale.text().retry }</button>
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
