//! `<renewly-portal token=…>`: the customer portal. The portal API
//! (`/v1/portal/{token}/…`) has not landed yet, so this says so plainly instead
//! of showing a broken page.

use yew::prelude::*;

use crate::settings::use_settings;

/// A clear "coming soon" panel.
#[function_component(Portal)]
pub fn portal() -> Html {
    let t = use_settings().locale.text();
    html! {
        <div class="rw-panel rw-portal" role="status">
            <div class="rw-confirm-icon" aria-hidden="true">
                <svg viewBox="0 0 24 24"><path fill="currentColor" d="M4 5h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2Zm0 4v8h16V9H4Zm2 5h5v2H6v-2Z"/></svg>
            </div>
            <h2>{ t.portal_title }</h2>
            <p>{ t.portal_coming }</p>
            <p class="rw-muted">{ t.portal_help }</p>
        </div>
    }
}
