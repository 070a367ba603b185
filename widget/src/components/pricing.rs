//! `<renewly-pricing plans="plan_a plan_b">`: the pricing table with a
//! monthly/yearly toggle; "Subscribe" opens the checkout in place.

use std::rc::Rc;

use crate::wire::{Interval, Price, PublicPlan, Recurring, TaxBehavior};
use rust_decimal::Decimal;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::checkout::Checkout;
use super::status::{Failed, Loading};
use crate::api::ApiError;
use crate::form::yearly_saving;
use crate::format::{money, money_short};
use crate::i18n::Locale;
use crate::json::ObjectWriter;
use crate::settings::{dispatch, mark, use_settings};

type Plans = Rc<Vec<Rc<PublicPlan>>>;

fn every(interval: Interval) -> Option<Recurring> {
    Some(Recurring {
        interval,
        interval_count: 1,
    })
}

/// The plan's price for the period, or its first price.
fn price_for(plan: &PublicPlan, interval: Interval) -> Option<&Price> {
    plan.prices
        .iter()
        .find(|p| p.recurring == every(interval))
        .or_else(|| plan.prices.first())
}

fn offers(plan: &PublicPlan, interval: Interval) -> bool {
    plan.prices.iter().any(|p| p.recurring == every(interval))
}

/// The best yearly saving across plans, as a percentage.
fn best_saving(plans: &[Rc<PublicPlan>]) -> Option<u32> {
    plans
        .iter()
        .filter_map(|plan| {
            let m = plan
                .prices
                .iter()
                .find(|p| p.recurring == every(Interval::Month))?;
            let y = plan
                .prices
                .iter()
                .find(|p| p.recurring == every(Interval::Year))?;
            yearly_saving(m, y).map(|(_, pct)| pct)
        })
        .max()
}

/// The pricing table, or the checkout of the plan picked from it.
#[function_component(Pricing)]
pub fn pricing() -> Html {
    let settings = use_settings();
    let t = settings.locale.text();
    let plans = use_state(|| None::<Result<Plans, String>>);
    let attempt = use_state(|| 0u32);
    let interval = use_state(|| settings.interval);
    let picked = use_state(|| None::<(Rc<PublicPlan>, String)>);
    {
        let (settings, plans) = (settings.clone(), plans.clone());
        use_effect_with(*attempt, move |_| {
            plans.set(None);
            spawn_local(async move {
                let t = settings.locale.text();
                let loaded = match settings.client.plans(&settings.plans).await {
                    Ok(list) => Ok(Rc::new(list.into_iter().map(Rc::new).collect())),
                    Err(ApiError::Network) => Err(t.err_network.to_owned()),
                    Err(ApiError::Problem(_)) => Err(t.load_failed.to_owned()),
                };
                plans.set(Some(loaded));
            });
        });
    }

    {
        let shown = matches!(&*plans, Some(Ok(_)));
        use_effect_with(shown, |shown| {
            if *shown {
                mark("renewly:pricing");
            }
        });
    }

    if let Some((plan, price)) = &*picked {
        let onback = {
            let picked = picked.clone();
            Callback::from(move |()| picked.set(None))
        };
        return html! {
            <Checkout plan={plan.clone()} price={AttrValue::from(price.clone())} {onback} />
        };
    }

    let list = match &*plans {
        None => return html! { <Loading /> },
        Some(Err(message)) => {
            let attempt = attempt.clone();
            let retry = Callback::from(move |_: MouseEvent| attempt.set(*attempt + 1));
            return html! { <Failed message={message.clone()} onretry={retry} /> };
        }
        Some(Ok(list)) if list.is_empty() => {
            return html! { <Failed message={t.no_plans} /> };
        }
        Some(Ok(list)) => list.clone(),
    };

    let pick = {
        let (settings, picked) = (settings.clone(), picked.clone());
        Callback::from(move |(plan, price): (Rc<PublicPlan>, String)| {
            let mut detail = String::new();
            ObjectWriter::new(&mut detail)
                .member("plan", &plan.id)
                .member("price", &price)
                .end();
            if dispatch(&settings, "renewly:select", &detail, true) {
                if let Some(host) = &settings.host {
                    host.scroll_into_view();
                }
                picked.set(Some((plan, price)));
            }
        })
    };
    let has_toggle = list.iter().any(|p| offers(p, Interval::Month))
        && list.iter().any(|p| offers(p, Interval::Year));
    let highlight = settings.highlight.as_deref().map(str::to_ascii_lowercase);
    let all_exclusive = list
        .iter()
        .flat_map(|p| &p.prices)
        .all(|p| p.tax_behavior == TaxBehavior::Exclusive);

    html! {
        <div class="rw-pricing">
            if has_toggle {
                { toggle(&ToggleProps {
                    value: *interval,
                    onchange: { let interval = interval.clone(); Callback::from(move |i| interval.set(i)) },
                    saving: best_saving(&list),
                    locale: settings.locale,
                }) }
            }
            <div class="rw-plans">
                { for list.iter().map(|plan| {
                    let featured = highlight.as_deref().is_some_and(|h| {
                        plan.id.eq_ignore_ascii_case(h) || plan.name.eq_ignore_ascii_case(h)
                    });
                    html! {
                        <PlanCard
                            key={plan.id.clone()}
                            plan={plan.clone()}
                            interval={*interval}
                            {featured}
                            onpick={pick.clone()}
                        />
                    }
                }) }
            </div>
            if all_exclusive {
                <p class="rw-fine rw-center">{ t.prices_exclude_tax }</p>
            }
        </div>
    }
}

/// What [`toggle`] shows: the chosen period and the best yearly saving.
struct ToggleProps {
    value: Interval,
    onchange: Callback<Interval>,
    saving: Option<u32>,
    locale: Locale,
}

/// Monthly | Yearly, as radio buttons (arrow keys move between them).
fn toggle(props: &ToggleProps) -> Html {
    let t = props.locale.text();
    let option = |interval: Interval, label: &'static str, extra: Option<String>| {
        let cb = props.onchange.clone();
        html! {
            <label class="rw-toggle-option">
                <input
                    type="radio"
                    name="rw-interval"
                    value={if interval == Interval::Year { "year" } else { "month" }}
                    checked={props.value == interval}
                    onchange={Callback::from(move |_: Event| cb.emit(interval))}
                />
                <span>
                    { label }
                    if let Some(extra) = extra { <span class="rw-pill">{ extra }</span> }
                </span>
            </label>
        }
    };
    html! {
        <fieldset class="rw-toggle">
            <legend class="rw-sr">{ t.billing_period }</legend>
            { option(Interval::Month, t.monthly, None) }
            { option(Interval::Year, t.yearly, props.saving.map(|s| props.locale.save_up_to(s))) }
        </fieldset>
    }
}

#[derive(Properties, PartialEq)]
struct PlanCardProps {
    plan: Rc<PublicPlan>,
    interval: Interval,
    featured: bool,
    onpick: Callback<(Rc<PublicPlan>, String)>,
}

/// One plan: name, price for the period, what is included, "Subscribe".
#[function_component(PlanCard)]
fn plan_card(props: &PlanCardProps) -> Html {
    let locale = use_settings().locale;
    let t = locale.text();
    let plan = &props.plan;
    let Some(price) = price_for(plan, props.interval) else {
        return html! {};
    };
    let cur = plan.currency.as_str();
    let recurring = price.recurring.unwrap_or(Recurring {
        interval: Interval::Month,
        interval_count: 1,
    });
    let per = locale.period(recurring.interval, recurring.interval_count);
    let note = if recurring
        == (Recurring {
            interval: Interval::Year,
            interval_count: 1,
        }) {
        let monthly = (price.unit_amount / Decimal::from(12)).round_dp(2);
        locale.monthly_equivalent(&money(monthly, cur, locale))
    } else if recurring.interval == Interval::Month && recurring.interval_count == 1 {
        t.billed_monthly.to_owned()
    } else {
        String::new()
    };
    let saving = plan
        .prices
        .iter()
        .find(|m| m.recurring == every(Interval::Month))
        .and_then(|m| yearly_saving(m, price))
        .map(|(amount, _)| locale.save_per_year(&money_short(amount, cur, locale)));
    let onclick = {
        let (cb, plan, price) = (props.onpick.clone(), plan.clone(), price.id.clone());
        Callback::from(move |_: MouseEvent| cb.emit((plan.clone(), price.clone())))
    };
    let title_id = format!("rw-plan-{}", plan.id);
    let action = if plan.trial_days > 0 {
        t.start_trial
    } else {
        t.subscribe
    };
    html! {
        <article class={classes!("rw-plan", props.featured.then_some("rw-featured"))} aria-labelledby={title_id.clone()}>
            if props.featured {
                <span class="rw-ribbon">{ t.most_popular }</span>
            }
            <h3 id={title_id.clone()}>{ plan.name.clone() }</h3>
            if let Some(d) = &plan.description {
                <p class="rw-plan-desc">{ d.clone() }</p>
            }
            <p class="rw-price">
                <span class="rw-price-amount">{ money_short(price.unit_amount, cur, locale) }</span>
                <span class="rw-price-per">{ format!("/ {per}") }</span>
            </p>
            <p class="rw-price-note">
                { note }
                if let Some(s) = saving { <span class="rw-save">{ s }</span> }
            </p>
            <button
                type="button"
                class={classes!("rw-button", "rw-wide", if props.featured { "rw-primary" } else { "rw-secondary" })}
                aria-describedby={title_id.clone()}
                {onclick}
            >{ action }</button>
            <ul class="rw-features">
                { for plan.features.iter().map(|f| html! {
                    <li>
                        <svg class="rw-check-icon" viewBox="0 0 20 20" aria-hidden="true"><path fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round" d="m4.5 10.5 3.5 3.5 7.5-8"/></svg>
                        { f.clone() }
                    </li>
                }) }
            </ul>
            if plan.trial_days > 0 || plan.setup_fee.is_some() {
                <p class="rw-fine">
                    if plan.trial_days > 0 { { locale.trial(plan.trial_days) } }
                    if let Some(fee) = &plan.setup_fee {
                        { locale.setup_fee(&money_short(fee.unit_amount, &fee.currency, locale)) }
                    }
                </p>
            }
        </article>
    }
}
