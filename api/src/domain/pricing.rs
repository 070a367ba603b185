//! Pricelists: which rule prices a line, and at what unit amount.

use renewly_types::PricelistItem;
use rust_decimal::Decimal;

/// The price a line is charged at, as a pricelist needs to see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListedPrice<'a> {
    /// `price_…`
    pub id: &'a str,
    /// `prod_…` of the price.
    pub product: &'a str,
    /// The list amount per unit.
    pub unit_amount: Decimal,
}

/// The outcome of a pricelist for one price and quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Priced {
    /// The amount to charge per unit (not rounded: documents round).
    pub unit_amount: Decimal,
    /// List amount minus charged amount, per unit. Negative when a fixed price is
    /// above the list price.
    pub discount: Decimal,
    /// The index of the rule that applied, if any did.
    pub rule: Option<usize>,
}

/// Applies a pricelist's `items` to `price` bought `quantity` times.
///
/// A rule naming the price beats a rule naming its product; among the rules of the
/// winning kind whose `min_quantity` is reached, the highest `min_quantity` wins
/// (the first such rule on a tie). No applicable rule: the list amount, no discount.
pub fn apply(items: &[PricelistItem], price: &ListedPrice<'_>, quantity: u32) -> Priced {
    let best = |matches: &dyn Fn(&PricelistItem) -> bool| {
        items
            .iter()
            .enumerate()
            .filter(|(_, item)| matches(item) && item.min_quantity <= quantity)
            .fold(
                None,
                |best: Option<(usize, &PricelistItem)>, (i, item)| match best {
                    Some((_, b)) if b.min_quantity >= item.min_quantity => best,
                    _ => Some((i, item)),
                },
            )
    };
    let by_price = best(&|item| item.price.as_deref() == Some(price.id));
    let chosen = by_price.or_else(|| {
        best(&|item| item.price.is_none() && item.product.as_deref() == Some(price.product))
    });
    let Some((index, rule)) = chosen else {
        return Priced {
            unit_amount: price.unit_amount,
            discount: Decimal::ZERO,
            rule: None,
        };
    };
    let unit_amount = match (rule.fixed_amount, rule.discount_percent) {
        (Some(fixed), _) => fixed,
        (None, Some(percent)) => {
            price.unit_amount * (Decimal::ONE_HUNDRED - percent) / Decimal::ONE_HUNDRED
        }
        (None, None) => price.unit_amount,
    };
    Priced {
        unit_amount,
        discount: price.unit_amount - unit_amount,
        rule: Some(index),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn rule(
        target: (&str, &str),
        fixed: Option<Decimal>,
        percent: Option<Decimal>,
        min: u32,
    ) -> PricelistItem {
        let (kind, id) = target;
        PricelistItem {
            product: (kind == "product").then(|| id.to_owned()),
            price: (kind == "price").then(|| id.to_owned()),
            fixed_amount: fixed,
            discount_percent: percent,
            min_quantity: min,
        }
    }

    const PRICE: ListedPrice<'static> = ListedPrice {
        id: "price_a",
        product: "prod_a",
        unit_amount: dec!(20.00),
    };

    #[test]
    fn no_rule_keeps_the_list_price() {
        let items = [rule(("product", "prod_b"), None, Some(dec!(50)), 1)];
        let p = apply(&items, &PRICE, 1);
        assert_eq!(
            p,
            Priced {
                unit_amount: dec!(20.00),
                discount: dec!(0),
                rule: None
            }
        );
        assert_eq!(apply(&[], &PRICE, 3).unit_amount, dec!(20.00));
    }

    #[test]
    fn a_percentage_discounts_the_unit_amount() {
        let items = [rule(("product", "prod_a"), None, Some(dec!(10)), 1)];
        let p = apply(&items, &PRICE, 1);
        assert_eq!(p.unit_amount, dec!(18.00));
        assert_eq!(p.discount, dec!(2.00));
        assert_eq!(p.rule, Some(0));
        let free = [rule(("price", "price_a"), None, Some(dec!(100)), 1)];
        assert_eq!(apply(&free, &PRICE, 1).unit_amount, dec!(0));
    }

    #[test]
    fn a_fixed_amount_replaces_the_unit_amount() {
        let items = [rule(("price", "price_a"), Some(dec!(15.00)), None, 1)];
        let p = apply(&items, &PRICE, 1);
        assert_eq!((p.unit_amount, p.discount), (dec!(15.00), dec!(5.00)));
        let dearer = [rule(("price", "price_a"), Some(dec!(25)), None, 1)];
        assert_eq!(apply(&dearer, &PRICE, 1).discount, dec!(-5.00));
    }

    #[test]
    fn a_price_rule_beats_a_product_rule() {
        let items = [
            rule(("product", "prod_a"), None, Some(dec!(50)), 10),
            rule(("price", "price_a"), None, Some(dec!(10)), 1),
        ];
        let p = apply(&items, &PRICE, 10);
        assert_eq!(p.rule, Some(1));
        assert_eq!(p.unit_amount, dec!(18.00));
    }

    #[test]
    fn the_highest_reached_minimum_quantity_wins() {
        let items = [
            rule(("product", "prod_a"), None, Some(dec!(5)), 1),
            rule(("product", "prod_a"), None, Some(dec!(20)), 50),
            rule(("product", "prod_a"), None, Some(dec!(10)), 10),
        ];
        assert_eq!(apply(&items, &PRICE, 1).rule, Some(0));
        assert_eq!(apply(&items, &PRICE, 9).rule, Some(0));
        assert_eq!(apply(&items, &PRICE, 10).rule, Some(2));
        assert_eq!(apply(&items, &PRICE, 49).unit_amount, dec!(18.00));
        assert_eq!(apply(&items, &PRICE, 50).unit_amount, dec!(16.00));
    }

    #[test]
    fn a_rule_whose_minimum_is_not_reached_falls_back_to_the_product_rule() {
        let items = [
            rule(("price", "price_a"), Some(dec!(12)), None, 5),
            rule(("product", "prod_a"), None, Some(dec!(10)), 1),
        ];
        assert_eq!(apply(&items, &PRICE, 4).unit_amount, dec!(18.00));
        assert_eq!(apply(&items, &PRICE, 5).unit_amount, dec!(12));
        assert_eq!(apply(&items, &PRICE, 0).rule, None);
    }

    #[test]
    fn rules_for_other_prices_of_the_product_do_not_apply() {
        let items = [rule(("price", "price_b"), Some(dec!(1)), None, 1)];
        assert_eq!(apply(&items, &PRICE, 1).rule, None);
    }
}
