//! The checkout's last page: what was bought, the invoice, and the portal link.

use std::rc::Rc;

use yew::prelude::*;

use crate::api::Subscribed;
use crate::components::status::use_focus;
use crate::format::{date, money};
use crate::settings::use_settings;

#[derive(Properties, PartialEq)]
pub(super) struct SuccessProps {
    pub(super) plan: AttrValue,
    pub(super) done: Rc<Subscribed>,
    pub(super) email: AttrValue,
}

/// The confirmation: what was bought, the invoice, and the portal link.
#[function_component(Success)]
pub(super) fn success(props: &SuccessProps) -> Html {
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
