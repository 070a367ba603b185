//! Key figures per month (SPEC §3 "KPIs"), from the monthly figures and the
//! revenue of posted invoices.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::month::Month;
use super::series::MonthFigures;

/// How many months the logo churn behind LTV is averaged over.
pub const LTV_WINDOW: i32 = 6;

/// Revenue of the invoices issued in a month (open or paid), untaxed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Revenue {
    /// Σ invoice subtotal.
    pub net: Decimal,
    /// Σ net of one-off and setup-fee lines.
    pub non_recurring: Decimal,
}

/// The KPIs of one month, unrounded. `None` where the denominator is zero.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthKpis {
    pub month: Month,
    pub mrr: Decimal,
    pub arr: Decimal,
    pub net_new_mrr: Decimal,
    pub active_subscriptions: i64,
    pub paying_customers: i64,
    pub churned_customers: i64,
    pub arpa: Option<Decimal>,
    pub revenue_per_contract: Option<Decimal>,
    pub gross_mrr_churn: Option<Decimal>,
    pub net_mrr_churn: Option<Decimal>,
    pub logo_churn: Option<Decimal>,
    pub ltv: Option<Decimal>,
    pub revenue: Revenue,
}

fn ratio(numerator: Decimal, denominator: Decimal) -> Option<Decimal> {
    numerator.checked_div(denominator)
}

/// Churned customers ÷ paying customers at the start of the month.
pub fn logo_churn(f: &MonthFigures) -> Option<Decimal> {
    ratio(
        Decimal::from(f.churned_customers),
        Decimal::from(f.customers_start),
    )
}

/// The KPIs of each month of `figures` from `first` on. Give `figures` the
/// [`LTV_WINDOW`] − 1 months before `first` too, so that LTV can look back.
///
/// - gross MRR churn = (|churn| + |contraction|) ÷ MRR at start
/// - net MRR churn = (|churn| + |contraction| − expansion − reactivation) ÷ MRR at start
/// - logo churn = churned customers ÷ paying customers at start
/// - ARPA = MRR ÷ paying customers; revenue per contract = MRR ÷ active subscriptions
/// - LTV = ARPA ÷ the mean logo churn of the six months ending with this one
///   (months without customers at their start are left out of the mean)
pub fn kpis(
    figures: &[MonthFigures],
    revenue: &BTreeMap<Month, Revenue>,
    first: Month,
) -> Vec<MonthKpis> {
    let churns: Vec<Option<Decimal>> = figures.iter().map(logo_churn).collect();
    figures
        .iter()
        .enumerate()
        .filter(|(_, f)| f.month >= first)
        .map(|(i, f)| {
            let mv = &f.movements;
            let lost = -(mv.churn + mv.contraction);
            let arpa = ratio(f.mrr, Decimal::from(f.paying_customers));
            let window = &churns[(i + 1).saturating_sub(LTV_WINDOW as usize)..=i];
            let known: Vec<Decimal> = window.iter().flatten().copied().collect();
            let mean_churn = ratio(known.iter().sum(), Decimal::from(known.len()));
            let ltv = match (arpa, mean_churn) {
                (Some(a), Some(c)) => ratio(a, c),
                _ => None,
            };
            MonthKpis {
                month: f.month,
                mrr: f.mrr,
                arr: f.mrr * Decimal::from(12),
                net_new_mrr: mv.net_new(),
                active_subscriptions: f.active_subscriptions,
                paying_customers: f.paying_customers,
                churned_customers: f.churned_customers,
                arpa,
                revenue_per_contract: ratio(f.mrr, Decimal::from(f.active_subscriptions)),
                gross_mrr_churn: ratio(lost, f.mrr_start),
                net_mrr_churn: ratio(lost - mv.expansion - mv.reactivation, f.mrr_start),
                logo_churn: churns[i],
                ltv,
                revenue: revenue.get(&f.month).copied().unwrap_or_default(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::present::{amount, ratio4};
    use crate::analytics::series::tests::{history, m};
    use crate::analytics::series::{buckets, monthly};
    use crate::domain::currency::Currency;
    use rust_decimal_macros::dec;

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    fn r(x: Option<Decimal>) -> Option<String> {
        x.map(|v| ratio4(v).to_string())
    }

    fn a(x: Option<Decimal>) -> Option<String> {
        x.map(|v| amount(v, &eur()).to_string())
    }

    fn s(x: &str) -> Option<String> {
        Some(x.to_owned())
    }

    /// The history of `series::tests::history`, Jan–May 2027.
    fn months() -> Vec<MonthKpis> {
        let figures = monthly(&buckets(&history()), m("2026-08"), m("2027-05"));
        let mut revenue = BTreeMap::new();
        revenue.insert(
            m("2027-02"),
            Revenue {
                net: dec!(230),
                non_recurring: dec!(25),
            },
        );
        kpis(&figures, &revenue, m("2027-01"))
    }

    #[test]
    fn mrr_arr_and_averages() {
        let k = months();
        assert_eq!(k.len(), 5);
        // Jan: MRR 200, ARR 12 × 200 = 2400, ARPA 200 ÷ 3 = 66.67, per contract 200 ÷ 3.
        assert_eq!((k[0].mrr, k[0].arr), (dec!(200), dec!(2400)));
        assert_eq!(a(k[0].arpa), s("66.67"));
        assert_eq!(a(k[0].revenue_per_contract), s("66.67"));
        // Feb: 160 ÷ 2 customers = 80.00; 160 ÷ 3 contracts = 53.33.
        assert_eq!(a(k[1].arpa), s("80.00"));
        assert_eq!(a(k[1].revenue_per_contract), s("53.33"));
        assert_eq!(k[1].net_new_mrr, dec!(-40));
    }

    #[test]
    fn churn_rates_against_the_start_of_the_month() {
        let k = months();
        // Jan starts from nothing: no rate.
        assert_eq!((r(k[0].gross_mrr_churn), r(k[0].logo_churn)), (None, None));
        // Feb: (50 + 10) ÷ 200 = 0.3; (50 + 10 − 20) ÷ 200 = 0.2; 1 of 3 customers.
        assert_eq!(r(k[1].gross_mrr_churn), s("0.3000"));
        assert_eq!(r(k[1].net_mrr_churn), s("0.2000"));
        assert_eq!(r(k[1].logo_churn), s("0.3333"));
        // Mar: 40 ÷ 160 = 0.25 both; 1 of 2 customers = 0.5.
        assert_eq!(r(k[2].gross_mrr_churn), s("0.2500"));
        assert_eq!(r(k[2].net_mrr_churn), s("0.2500"));
        assert_eq!(r(k[2].logo_churn), s("0.5000"));
        // Apr: nothing lost; (0 − 60) ÷ 150 = −0.4 (net negative churn); 0 of 2.
        assert_eq!(r(k[3].gross_mrr_churn), s("0.0000"));
        assert_eq!(r(k[3].net_mrr_churn), s("-0.4000"));
        assert_eq!(r(k[3].logo_churn), s("0.0000"));
        assert_eq!((k[1].churned_customers, k[3].churned_customers), (1, 0));
    }

    #[test]
    fn ltv_divides_arpa_by_the_trailing_six_month_logo_churn() {
        let k = months();
        // Jan: no logo churn known yet.
        assert_eq!(a(k[0].ltv), None);
        // Feb: 80 ÷ (1/3) = 240.00
        assert_eq!(a(k[1].ltv), s("240.00"));
        // Mar: 75 ÷ ((1/3 + 1/2) ÷ 2 = 5/12) = 180.00
        assert_eq!(a(k[2].ltv), s("180.00"));
        // Apr: 70 ÷ ((1/3 + 1/2 + 0) ÷ 3 = 5/18) = 252.00
        assert_eq!(a(k[3].ltv), s("252.00"));
        // May: 70 ÷ ((1/3 + 1/2 + 0 + 0) ÷ 4 = 5/24) = 336.00
        assert_eq!(a(k[4].ltv), s("336.00"));
    }

    #[test]
    fn the_ltv_window_drops_months_older_than_six() {
        // Only Feb had churn (1 of 3). In Jul the window is Feb–Jul: 1/3 ÷ 6 = 1/18;
        // in Aug it is Mar–Aug: no churn left, so no finite LTV.
        let events: Vec<_> = history().into_iter().take(6).collect();
        let figures = monthly(&buckets(&events), m("2027-01"), m("2027-08"));
        let k = kpis(&figures, &BTreeMap::new(), m("2027-07"));
        // Jul: MRR 160 (A 120, B 40), 2 customers → ARPA 80; 80 ÷ (1/18) = 1440.00
        assert_eq!(a(k[0].ltv), s("1440.00"));
        assert_eq!(a(k[1].ltv), None);
    }

    #[test]
    fn revenue_is_reported_per_month() {
        let k = months();
        assert_eq!(k[1].revenue.net, dec!(230));
        assert_eq!(k[1].revenue.non_recurring, dec!(25));
        assert_eq!(k[2].revenue, Revenue::default());
    }
}
