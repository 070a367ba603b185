//! The live order summary: the first invoice's lines, tax and total as the API
//! previews them, and what every later period costs.

use crate::wire::{CheckoutPreview, Recurring};
use yew::prelude::*;

use crate::format::{date, money, percent};
use crate::i18n::Locale;

/// What [`summary`] shows: the plan's name and period, the last preview, and
/// whether a newer one is loading or failed.
pub struct SummaryProps<'a> {
    pub plan: &'a str,
    pub recurring: Option<Recurring>,
    pub preview: Option<&'a CheckoutPreview>,
    pub loading: bool,
    pub error: Option<&'a str>,
    pub locale: Locale,
}

/// The summary card; keeps the last good numbers while an update is on its way.
pub fn summary(props: &SummaryProps<'_>) -> Html {
    let locale = props.locale;
    let ct = locale.checkout_text();
    let cadence = props
        .recurring
        .map(|r| locale.cadence(r.interval, r.interval_count))
        .unwrap_or_default();
    let body = match props.preview {
        Some(p) => {
            let cur = p.currency.as_str();
            let amount = |a| money(a, cur, locale);
            let every = props
                .recurring
                .map(|r| locale.every(r.interval, r.interval_count))
                .unwrap_or_default();
            html! {
                <>
                    <ul class="rw-lines">
                        { for p.lines.iter().map(|line| html! {
                            <li>
                                <span class="rw-line-desc">
                                    { line.description.clone() }
                                    if line.quantity > 1 {
                                        <span class="rw-muted">{ format!(" × {}", line.quantity) }</span>
                                    }
                                </span>
                                <span class="rw-amount">{ amount(line.net) }</span>
                            </li>
                        }) }
                    </ul>
                    <dl class="rw-totals">
                        <div><dt>{ ct.subtotal }</dt><dd class="rw-amount">{ amount(p.subtotal) }</dd></div>
                        { for p.tax_breakdown.iter().map(|b| html! {
                            <div>
                                <dt>{ format!("{} {}", ct.tax, percent(b.rate, locale)) }</dt>
                                <dd class="rw-amount">{ amount(b.tax) }</dd>
                            </div>
                        }) }
                        if p.tax_breakdown.is_empty() && !p.reverse_charge {
                            <div><dt>{ ct.tax }</dt><dd class="rw-amount">{ amount(p.tax) }</dd></div>
                        }
                        if p.reverse_charge {
                            <div><dt>{ ct.reverse_charge }</dt><dd class="rw-amount">{ amount(rust_decimal::Decimal::ZERO) }</dd></div>
                        }
                        <div class="rw-total">
                            <dt>{ ct.total_today }</dt>
                            <dd class="rw-amount" data-total={p.total.to_string()}>{ amount(p.total) }</dd>
                        </div>
                    </dl>
                    if let Some(end) = &p.trial_end {
                        <p class="rw-then">{ locale.trial_until(&date(end, locale)) }</p>
                    }
                    <p class="rw-then">{ locale.then_every(&amount(p.recurring_total), &every, &date(&p.next_invoice_date, locale)) }</p>
                    if let Some(note) = &p.tax_note {
                        <p class="rw-note">{ note.clone() }</p>
                    }
                </>
            }
        }
        None if props.error.is_some() => html! {},
        None => html! {
            <div class="rw-skeleton" aria-hidden="true"><span></span><span></span><span></span></div>
        },
    };
    html! {
        <section class="rw-summary" aria-labelledby="rw-summary-title" aria-busy={if props.loading { "true" } else { "false" }}>
            <div class="rw-summary-head">
                <h3 id="rw-summary-title">{ ct.summary }</h3>
                <span class="rw-updating" aria-live="polite">{ if props.loading { ct.updating } else { "" } }</span>
            </div>
            <p class="rw-summary-plan"><strong>{ props.plan }</strong><span class="rw-muted">{ cadence }</span></p>
            { body }
            if let Some(error) = props.error {
                <p class="rw-error" role="alert">{ error }</p>
            }
        </section>
    }
}
