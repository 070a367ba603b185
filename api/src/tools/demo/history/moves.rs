//! What the story's customers do, each through the API: sign up, change,
//! cancel, pause and resume, let a card fail and fix it, and come back.

use axum::http::StatusCode;
use chrono::{Days, NaiveDate};
use rand::Rng;
use rand::seq::IndexedRandom;
use renewly_types::{ChangeResult, CheckoutResult, Subscription, SubscriptionStatus};
use serde_json::{Value, json};

use super::catalog::{BUSINESS, PRO, STARTER, Shape};
use super::{Card, Person, Story, Sub, parse, people, weighted};
use crate::tools::demo::client::ApiKey;

/// Always charged.
const GOOD_CARD: &str = "4242424242424242";
/// Attaches, but every charge is declined.
const FAILING_CARD: &str = "4000000000000341";
/// What customers write when they leave, per close reason (in the plans' order).
const COMMENTS: [&str; 4] = [
    "Our budget was cut this quarter.",
    "We need single sign-on.",
    "Moving everything to one suite.",
    "The project has ended.",
];
/// How often each close reason is chosen (in the plans' order).
const REASON_WEIGHTS: [u32; 4] = [35, 20, 20, 25];

impl Story<'_> {
    /// A new customer: the profile, a card, and a first subscription.
    pub(super) async fn sign_up(&mut self) -> anyhow::Result<()> {
        let profile = people::profile(&mut self.rng, &mut self.emails);
        let shape = self.first_shape(profile.is_business());
        let salesperson = self.salesperson_for(shape, profile.is_business());
        let mut body = profile.customer_json();
        body["salesperson"] = json!(salesperson);
        let id = self.api.id("/v1/customers", body).await?;
        let mut person = Person {
            id,
            profile,
            salesperson,
            card: Card::Good,
            sub: None,
            last_shape: shape,
            churned: None,
        };
        if !self.catalog.tiers[shape.tier].signature {
            self.attach(&person.id, GOOD_CARD).await?;
        }
        person.sub = Some(self.subscribe(&person, shape).await?);
        self.people.push(person);
        self.summary.customers += 1;
        Ok(())
    }

    /// What a new customer buys: companies buy bigger plans and more seats.
    fn first_shape(&mut self, business: bool) -> Shape {
        let weights: [u32; 3] = if business { [20, 45, 35] } else { [65, 35, 0] };
        let tier = weighted(&mut self.rng, &weights);
        let yearly = self.rng.random_bool(if business { 0.3 } else { 0.15 });
        let seats = match tier {
            STARTER => 1,
            PRO if business => self.rng.random_range(2..=6),
            PRO => self.rng.random_range(1..=2),
            _ => self.rng.random_range(1..=3),
        };
        let storage = if self.catalog.tiers[tier].addons && self.rng.random_bool(0.25) {
            self.rng.random_range(1..=3)
        } else {
            0
        };
        Shape {
            tier,
            yearly,
            seats,
            storage,
        }
    }

    /// Business deals always have a salesperson, company Pro deals often, the
    /// rest seldom (self-serve).
    fn salesperson_for(&mut self, shape: Shape, business: bool) -> Option<String> {
        let odds = match shape.tier {
            BUSINESS => 1.0,
            PRO if business => 0.5,
            _ => 0.08,
        };
        if !self.rng.random_bool(odds) || self.salespeople.is_empty() {
            return None;
        }
        // Leads go round the sales team.
        let next = self.salespeople[self.deals % self.salespeople.len()].clone();
        self.deals += 1;
        Some(next)
    }

    /// Starts a subscription. A plan that requires a signature goes through the
    /// public checkout (signed, paid with a new card); others through the
    /// merchant API with the card on file.
    async fn subscribe(&mut self, person: &Person, shape: Shape) -> anyhow::Result<Sub> {
        let tier = &self.catalog.tiers[shape.tier];
        let subscription = if tier.signature {
            let addons: Vec<Value> = shape.addon_items(&self.catalog).into_iter().collect();
            let body = json!({
                "plan": tier.plan,
                "price": tier.price(shape.yearly).0,
                "quantity": shape.seats,
                "addons": addons,
                "customer": person.profile.customer_json(),
                "signature": {"name": person.profile.name},
                "payment_method": {"card": self.card(GOOD_CARD)}
            });
            let done: CheckoutResult = parse(
                self.api
                    .call_with(ApiKey::Publishable, "POST", "/v1/public/checkout", body)
                    .await?,
            )?;
            done.subscription
        } else {
            let body = json!({
                "customer": person.id,
                "plan": tier.plan,
                "items": shape.items(&self.catalog),
                "salesperson": person.salesperson
            });
            parse::<Subscription>(self.api.call("POST", "/v1/subscriptions", body).await?)?
        };
        self.summary.subscriptions += 1;
        Ok(Sub {
            id: subscription.id,
            shape,
            busy_until: self.later(28),
            paused_until: None,
            closing: false,
        })
    }

    fn later(&self, days: u64) -> NaiveDate {
        self.today
            .checked_add_days(Days::new(days))
            .unwrap_or(self.today)
    }

    fn card(&self, number: &str) -> Value {
        json!({"number": number, "exp_month": 12, "exp_year": self.card_year, "cvc": "123"})
    }

    /// Attaches a card as the customer's default (their subscriptions use it
    /// from now on; open invoices are retried with it).
    async fn attach(&self, customer: &str, number: &str) -> anyhow::Result<()> {
        self.api
            .call(
                "POST",
                &format!("/v1/customers/{customer}/payment_methods"),
                json!({"card": self.card(number), "default": true}),
            )
            .await?;
        Ok(())
    }

    /// A bigger subscription: the next plan, more seats or more storage.
    pub(super) fn expanded(&mut self, now: Shape) -> Shape {
        let mut ways = Vec::new();
        if now.tier < BUSINESS {
            ways.extend(["upgrade"; 3]);
        }
        if self.catalog.tiers[now.tier].addons {
            ways.extend(["seats", "seats", "seats", "seats", "storage", "storage"]);
        }
        let mut next = now;
        match ways.choose(&mut self.rng).copied() {
            Some("upgrade") => {
                next.tier += 1;
                next.seats = match now.tier {
                    STARTER => self.rng.random_range(1..=2),
                    _ => (now.seats / 3).max(1),
                };
                if !self.catalog.tiers[next.tier].addons {
                    next.storage = 0;
                }
            }
            Some("storage") => next.storage += self.rng.random_range(1..=2),
            _ => next.seats += self.rng.random_range(1..=3),
        }
        while self.catalog.amount(next) <= self.catalog.amount(now) {
            next.seats += 1;
        }
        next
    }

    /// A smaller subscription: the plan below, fewer seats or less storage.
    pub(super) fn contracted(&mut self, now: Shape) -> Option<Shape> {
        let mut ways = Vec::new();
        if now.tier > STARTER {
            ways.extend(["downgrade"; 2]);
        }
        if now.seats > 1 {
            ways.extend(["seats"; 4]);
        }
        if now.storage > 0 {
            ways.extend(["storage"; 2]);
        }
        let mut next = now;
        match ways.choose(&mut self.rng).copied()? {
            "downgrade" => {
                next.tier -= 1;
                next.seats = if next.tier == STARTER {
                    1
                } else {
                    now.seats * 2
                };
                if !self.catalog.tiers[next.tier].addons {
                    next.storage = 0;
                }
                while next.seats > 1 && self.catalog.amount(next) >= self.catalog.amount(now) {
                    next.seats -= 1;
                }
            }
            "storage" => next.storage -= 1,
            _ => next.seats -= self.rng.random_range(1..=(now.seats - 1).min(2)),
        }
        (self.catalog.amount(next) < self.catalog.amount(now)).then_some(next)
    }

    /// Changes customer `i`'s subscription to `next` (an upgrade now and
    /// prorated, a downgrade from the next renewal).
    pub(super) async fn change(&mut self, i: usize, next: Shape) -> anyhow::Result<bool> {
        let Some(sub_id) = self.people[i].sub.as_ref().map(|s| s.id.clone()) else {
            return Ok(false);
        };
        let body = json!({
            "plan": self.catalog.tiers[next.tier].plan,
            "items": next.items(&self.catalog)
        });
        let Some(done) = self
            .tolerant("POST", &format!("/v1/subscriptions/{sub_id}/change"), body)
            .await?
        else {
            return Ok(false);
        };
        let done: ChangeResult = parse(done)?;
        let busy = match done.preview.direction.as_str() {
            "downgrade" => done
                .preview
                .effective_date
                .parse::<NaiveDate>()
                .ok()
                .and_then(|d| d.checked_add_days(Days::new(1)))
                .unwrap_or(self.later(35)),
            _ => self.later(28),
        };
        if let Some(sub) = self.people[i].sub.as_mut() {
            sub.shape = next;
            sub.busy_until = busy;
        }
        self.people[i].last_shape = next;
        Ok(true)
    }

    /// A call whose refusal (402 declined, 409 wrong state) is a normal outcome
    /// of the story: `None` then.
    async fn tolerant(
        &self,
        method: &str,
        path: &str,
        body: Value,
    ) -> anyhow::Result<Option<Value>> {
        let (status, value) = self
            .api
            .send(ApiKey::Secret, method, path, Some(&body))
            .await?;
        if status == StatusCode::PAYMENT_REQUIRED || status == StatusCode::CONFLICT {
            return Ok(None);
        }
        if !status.is_success() {
            anyhow::bail!("demo {method} {path} failed: {status} {value}");
        }
        Ok(Some(value))
    }

    /// The customer cancels with one of the plan's reasons, mostly at the end
    /// of the paid period.
    pub(super) async fn close(&mut self, i: usize) -> anyhow::Result<bool> {
        let Some(sub) = self.people[i].sub.clone() else {
            return Ok(false);
        };
        let reasons = &self.catalog.tiers[sub.shape.tier].reasons;
        let pick = weighted(
            &mut self.rng,
            &REASON_WEIGHTS[..reasons.len().min(REASON_WEIGHTS.len())],
        );
        let reason = reasons
            .get(pick)
            .cloned()
            .unwrap_or_else(|| "Other".to_owned());
        let comment = self
            .rng
            .random_bool(0.4)
            .then(|| COMMENTS.get(pick).copied())
            .flatten();
        let when = if self.rng.random_bool(0.15) {
            "now"
        } else {
            "period_end"
        };
        let body = json!({"reason": reason, "when": when, "comment": comment});
        let Some(done) = self
            .tolerant("POST", &format!("/v1/subscriptions/{}/close", sub.id), body)
            .await?
        else {
            return Ok(false);
        };
        let done: Subscription = parse(done)?;
        self.summary.cancellations += 1;
        if let Some(s) = self.people[i].sub.as_mut() {
            s.closing = true;
        }
        self.observe(i, &done);
        Ok(true)
    }

    pub(super) async fn pause(&mut self, i: usize) -> anyhow::Result<bool> {
        let Some(sub_id) = self.people[i].sub.as_ref().map(|s| s.id.clone()) else {
            return Ok(false);
        };
        let path = format!("/v1/subscriptions/{sub_id}/pause");
        if self.tolerant("POST", &path, json!({})).await?.is_none() {
            return Ok(false);
        }
        let weeks = self.rng.random_range(3..=9);
        let until = self.later(weeks * 7);
        if let Some(sub) = self.people[i].sub.as_mut() {
            sub.paused_until = Some(until);
        }
        Ok(true)
    }

    pub(super) async fn resume(&mut self, i: usize) -> anyhow::Result<()> {
        let Some(sub_id) = self.people[i].sub.as_ref().map(|s| s.id.clone()) else {
            return Ok(());
        };
        let path = format!("/v1/subscriptions/{sub_id}/resume");
        self.tolerant("POST", &path, json!({})).await?;
        let busy = self.later(14);
        if let Some(sub) = self.people[i].sub.as_mut() {
            sub.paused_until = None;
            sub.busy_until = busy;
        }
        Ok(())
    }

    /// The customer's new card is declined on every charge: the next renewal
    /// fails and dunning starts. The first such customer later fixes it, the
    /// second does not; after that most do.
    pub(super) async fn card_fails(&mut self, i: usize) -> anyhow::Result<bool> {
        let customer = self.people[i].id.clone();
        self.attach(&customer, FAILING_CARD).await?;
        let recover = match self.card_failures {
            0 => true,
            1 => false,
            _ => self.rng.random_bool(0.6),
        };
        self.card_failures += 1;
        self.people[i].card = Card::Failing {
            recover,
            past_due_since: None,
        };
        Ok(true)
    }

    /// A past-due customer adds a good card; the open invoice is charged at once.
    pub(super) async fn new_card(&mut self, i: usize) -> anyhow::Result<()> {
        let customer = self.people[i].id.clone();
        self.attach(&customer, GOOD_CARD).await?;
        self.people[i].card = Card::Good;
        let Some(sub_id) = self.people[i].sub.as_ref().map(|s| s.id.clone()) else {
            return Ok(());
        };
        let fresh: Subscription = self
            .api
            .get_as(&format!("/v1/subscriptions/{sub_id}"))
            .await?;
        if fresh.status == SubscriptionStatus::Active {
            self.summary.recovered += 1;
        }
        self.observe(i, &fresh);
        Ok(())
    }

    /// A customer who left comes back, often to what they had.
    pub(super) async fn reactivate(&mut self, i: usize) -> anyhow::Result<bool> {
        if self.people[i].card != Card::Good {
            let customer = self.people[i].id.clone();
            self.attach(&customer, GOOD_CARD).await?;
            self.people[i].card = Card::Good;
        }
        let business = self.people[i].profile.is_business();
        let shape = if self.rng.random_bool(0.6) {
            self.people[i].last_shape
        } else {
            self.first_shape(business)
        };
        let person = self.people[i].clone();
        let sub = self.subscribe(&person, shape).await?;
        let p = &mut self.people[i];
        p.sub = Some(sub);
        p.last_shape = shape;
        p.churned = None;
        self.summary.reactivations += 1;
        Ok(true)
    }
}
