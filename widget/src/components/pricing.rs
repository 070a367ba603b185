//! `<renewly-pricing plans="plan_a plan_b">`: the pricing table with a
//! monthly/yearly toggle; "Subscribe" opens the checkout in place.

use std::rc::Rc;

use crate::wire::{Interval, Price, PublicPlan, Recurring, TaxBehavior};
use rust_decimal::Decimal;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::checkout::Checkout;
use super::status::{FailedProps, failed, loading};
use crate::api::ApiError;
use crate::form::yearly_saving;
use crate::format::{divide_half_even, money, money_short};
use crate::i18n::Locale;
use crate::json::ObjectWriter;
use crate::settings::{Settings, dispatch, mark, use_settings};

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

/// A twelfth of a yearly amount, to two decimals: the same value as
/// `(yearly / 12).round_dp(2)`, so a midpoint rounds to even (0.005 to 0.00,
/// 0.015 to 0.02), but without `Decimal` division, whose code is large. The
/// result always has two decimals (`money` shows the currency's anyway).
///
/// The result fits for any amount below 9.5·10²⁷ (the API accepts at most 10¹²).
fn per_month(yearly: Decimal) -> Decimal {
    // yearly = mantissa / 10^scale, so the monthly amount in hundredths is
    // mantissa · 100 / (12 · 10^scale); neither side overflows an i128.
    let hundredths = divide_half_even(yearly.mantissa() * 100, 12 * 10i128.pow(yearly.scale()));
    Decimal::from_i128_with_scale(hundredths, 2)
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

/// The table's plans, loaded again whenever `attempt` changes; marks the page
/// (`renewly:pricing`) once they are shown.
#[hook]
fn use_plans(
    settings: &Rc<Settings>,
    attempt: u32,
) -> UseStateHandle<Option<Result<Plans, String>>> {
    let plans = use_state(|| None::<Result<Plans, String>>);
    {
        let (settings, plans) = (settings.clone(), plans.clone());
        use_effect_with(attempt, move |_| {
            plans.set(None);
            spawn_local(async move {
                let t = settings.locale.text();
                let ct = settings.locale.checkout_text();
                let loaded = match settings.client.plans(&settings.plans).await {
                    Ok(list) => Ok(Rc::new(list.into_iter().map(Rc::new).collect())),
                    Err(ApiError::Network) => Err(t.err_network.to_owned()),
                    Err(ApiError::Problem(_)) => Err(ct.load_failed.to_owned()),
                };
                plans.set(Some(loaded));
            });
        });
    }
    let shown = matches!(&*plans, Some(Ok(_)));
    use_effect_with(shown, |shown| {
        if *shown {
            mark("renewly:pricing");
        }
    });
    plans
}

/// The loaded plans, or what to show instead: loading, a failure with a retry,
/// or that there are no plans.
fn shown_plans(
    plans: &UseStateHandle<Option<Result<Plans, String>>>,
    attempt: &UseStateHandle<u32>,
    settings: &Settings,
) -> Result<Plans, Html> {
    let ct = settings.locale.checkout_text();
    match &**plans {
        None => Err(loading(settings.locale)),
        Some(Err(message)) => {
            let attempt = attempt.clone();
            let retry = Callback::from(move |_: MouseEvent| attempt.set(*attempt + 1));
            Err(failed(&FailedProps {
                message,
                onretry: Some(&retry),
                locale: settings.locale,
            }))
        }
        Some(Ok(list)) if list.is_empty() => Err(failed(&FailedProps {
            message: ct.no_plans,
            onretry: None,
            locale: settings.locale,
        })),
        Some(Ok(list)) => Ok(list.clone()),
    }
}

/// Picking a plan's price: tells the host page (`renewly:select`, which it may
/// cancel), then opens the checkout in place.
fn pick_callback(
    settings: &Rc<Settings>,
    picked: &UseStateHandle<Option<(Rc<PublicPlan>, String)>>,
) -> Callback<(Rc<PublicPlan>, String)> {
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
}

/// The pricing table, or the checkout of the plan picked from it.
#[function_component(Pricing)]
pub fn pricing() -> Html {
    let settings = use_settings();
    let ct = settings.locale.checkout_text();
    let attempt = use_state(|| 0u32);
    let plans = use_plans(&settings, *attempt);
    let interval = use_state(|| settings.interval);
    let picked = use_state(|| None::<(Rc<PublicPlan>, String)>);

    if let Some((plan, price)) = &*picked {
        let onback = {
            let picked = picked.clone();
            Callback::from(move |()| picked.set(None))
        };
        return html! {
            <Checkout plan={plan.clone()} price={AttrValue::from(price.clone())} {onback} />
        };
    }

    let list = match shown_plans(&plans, &attempt, &settings) {
        Ok(list) => list,
        Err(status) => return status,
    };

    let pick = pick_callback(&settings, &picked);
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
                        <key={plan.id.clone()}>
                            { plan_card(&PlanCardProps {
                                plan,
                                interval: *interval,
                                featured,
                                onpick: &pick,
                                locale: settings.locale,
                            }) }
                        </>
                    }
                }) }
            </div>
            if all_exclusive {
                <p class="rw-fine rw-center">{ ct.prices_exclude_tax }</p>
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
    let ct = props.locale.checkout_text();
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
            <legend class="rw-sr">{ ct.billing_period }</legend>
            { option(Interval::Month, ct.monthly, None) }
            { option(Interval::Year, ct.yearly, props.saving.map(|s| props.locale.save_up_to(s))) }
        </fieldset>
    }
}

/// What [`plan_card`] shows: the plan, the period chosen, whether it is the
/// highlighted one, and where "Subscribe" goes.
struct PlanCardProps<'a> {
    plan: &'a Rc<PublicPlan>,
    interval: Interval,
    featured: bool,
    onpick: &'a Callback<(Rc<PublicPlan>, String)>,
    locale: Locale,
}

/// One plan: name, price for the period, what is included, "Subscribe".
fn plan_card(props: &PlanCardProps<'_>) -> Html {
    let locale = props.locale;
    let ct = locale.checkout_text();
    let plan = props.plan;
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
        let monthly = per_month(price.unit_amount);
        locale.monthly_equivalent(&money(monthly, cur, locale))
    } else if recurring.interval == Interval::Month && recurring.interval_count == 1 {
        ct.billed_monthly.to_owned()
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
        ct.start_trial
    } else {
        ct.subscribe
    };
    html! {
        <article class={classes!("rw-plan", props.featured.then_some("rw-featured"))} aria-labelledby={title_id.clone()}>
            if props.featured {
                <span class="rw-ribbon">{ ct.most_popular }</span>
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn a_twelfth_to_the_cent() {
        assert_eq!(per_month(d("290.00")), d("24.17"));
        assert_eq!(per_month(d("100")), d("8.33"));
        assert_eq!(per_month(d("1200")), d("100.00"));
        assert_eq!(per_month(d("99.999")), d("8.33"));
        assert_eq!(per_month(d("0.0125")), d("0.00"));
        assert_eq!(per_month(d("-290")), d("-24.17"));
    }

    #[test]
    fn half_a_cent_rounds_to_even() {
        assert_eq!(per_month(d("0.06")), d("0.00"));
        assert_eq!(per_month(d("0.18")), d("0.02"));
        assert_eq!(per_month(d("0.30")), d("0.02"));
        assert_eq!(per_month(d("0.05")), d("0.00"));
        assert_eq!(per_month(d("-0.18")), d("-0.02"));
    }

    #[test]
    fn matches_decimal_division() {
        let twelve = Decimal::from(12);
        for scale in 0..=4 {
            for mantissa in (-30_000..=30_000).chain(1_234_567_890_000..1_234_567_890_100) {
                let yearly = Decimal::new(mantissa, scale);
                let expected = (yearly / twelve).round_dp(2);
                assert_eq!(per_month(yearly), expected, "{yearly}");
            }
        }
    }
}
