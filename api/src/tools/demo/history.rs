//! `renewly demo`'s past: about two years of a subscription business, made by
//! calling the public HTTP API in process ([`Api`]) and never the database.
//!
//! The merchant's test clock starts [`HistoryOptions::months`] back and walks to
//! today a week at a time (`POST /v1/test_clock/advance`), so renewals, failed
//! charges, dunning, scheduled downgrades and cancellations all happen in the
//! real billing worker. Within each week customers do what customers do: sign up
//! (more as time goes on), upgrade, add seats and storage, downgrade, pause and
//! resume, let a card fail (and fix it, or not), cancel, and come back months
//! later. Every choice comes from a fixed-seed RNG, so every demo tells the same
//! story.

mod catalog;
mod moves;
mod people;

use std::collections::{HashMap, HashSet};

use axum::http::StatusCode;
use chrono::{Datelike, Days, Months, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use renewly_types::{BillingSummary, Invoice, List, MrrSeries, Subscription, SubscriptionStatus};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::client::{Api, ApiKey};
use crate::billing::clock;
use catalog::{Catalog, STARTER, Shape};
use people::Profile;

/// What an active subscriber may do in a week, with the weekly odds.
const WEEKLY: [(Kind, f64); 5] = [
    (Kind::Close, 0.0065),
    (Kind::Expand, 0.013),
    (Kind::Contract, 0.008),
    (Kind::Pause, 0.002),
    (Kind::CardFails, 0.003),
];
/// Weekly odds that a customer who left at least [`COMEBACK_DAYS`] ago subscribes again.
const WEEKLY_COMEBACK: f64 = 0.025;
const COMEBACK_DAYS: i64 = 56;
/// A kind of event that has not happened for this many weeks is made to happen,
/// so that short histories (and every stretch of a long one) show each of them.
const AT_LEAST_EVERY_WEEKS: [(Kind, i64); 6] = [
    (Kind::Expand, 5),
    (Kind::Contract, 5),
    (Kind::Close, 5),
    (Kind::CardFails, 12),
    (Kind::Reactivate, 12),
    (Kind::Pause, 26),
];

/// How much history to make.
#[derive(Debug, Clone)]
pub struct HistoryOptions {
    /// How many months back the story starts; it ends on the calendar today.
    pub months: u32,
    /// About how many customers sign up over the whole story.
    pub customers: u32,
    /// The seed of every random choice: the same seed tells the same story.
    pub seed: u64,
    /// Days the test clock moves per step.
    pub step_days: u32,
    /// Print a line per simulated quarter.
    pub progress: bool,
}

impl Default for HistoryOptions {
    fn default() -> Self {
        Self {
            months: 24,
            customers: 150,
            seed: 20_240_501,
            step_days: 7,
            progress: true,
        }
    }
}

/// What the history made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistorySummary {
    /// The first day of the story (where the test clock started).
    pub from: NaiveDate,
    /// The last day: the calendar today, where the test clock is left.
    pub to: NaiveDate,
    /// Customers who signed up.
    pub customers: u32,
    /// Subscriptions started, comebacks included.
    pub subscriptions: u32,
    /// Every invoice: first invoices, renewals and prorated upgrades.
    pub invoices: u64,
    /// Declined charges (first attempts and dunning retries).
    pub failed_payments: u64,
    /// Past-due subscriptions saved by a new card.
    pub recovered: u32,
    /// Subscriptions the merchant was asked to close.
    pub cancellations: u32,
    /// Customers who left and subscribed again.
    pub reactivations: u32,
}

/// Seeds the history of the merchant behind `api`, whose test mode must have the
/// demo catalog ([`super::seed_catalog`]) and no subscriptions yet. Leaves
/// the test clock on the calendar today.
pub async fn seed_history(api: &Api, options: HistoryOptions) -> anyhow::Result<HistorySummary> {
    let to = clock::calendar_today();
    let from = to
        .checked_sub_months(Months::new(options.months))
        .ok_or_else(|| anyhow::anyhow!("{} months back is out of range", options.months))?;
    let (status, body) = api
        .send(
            ApiKey::Secret,
            "POST",
            "/v1/test_clock",
            Some(&json!({"now": from.to_string()})),
        )
        .await?;
    if status == StatusCode::CONFLICT {
        anyhow::bail!("the demo history needs a merchant without test subscriptions: {body}");
    }
    if !status.is_success() {
        anyhow::bail!("demo POST /v1/test_clock failed: {status} {body}");
    }
    let catalog = Catalog::load(api).await?;
    let mut story = Story::new(api, &options, catalog, from).await?;
    let step = u64::from(options.step_days.max(1));
    let mut days = vec![from];
    while let Some(&last) = days.last().filter(|d| **d < to) {
        days.push(last.checked_add_days(Days::new(step)).unwrap_or(to).min(to));
    }
    // Sign-ups grow over time: the k-th step gets a share proportional to 1 + 2k/n.
    let n = days.len() as f64;
    let weight = |k: usize| 1.0 + 2.0 * k as f64 / n;
    let total: f64 = (0..days.len()).map(weight).sum();
    let mut due = 0.99;
    let mut quarter = quarter_of(from);
    for (k, &day) in days.iter().enumerate() {
        let next = days.get(k + 1).copied();
        due += f64::from(options.customers) * weight(k) / total;
        let sign_ups = due.floor();
        due -= sign_ups;
        let span = next.map_or(1, |nx| u32::try_from((nx - day).num_days()).unwrap_or(1));
        story.step(day, span.max(1), sign_ups as u32).await?;
        if options.progress && (quarter_of(day) != quarter || next.is_none()) {
            quarter = quarter_of(day);
            println!("{}", story.progress_line().await?);
        }
        if let Some(next) = next {
            story.advance_to(next).await?;
        }
    }
    story.summary.invoices = count_invoices(api).await?;
    story.summary.to = story.today;
    Ok(story.summary)
}

fn quarter_of(day: NaiveDate) -> (i32, u32) {
    (day.year(), day.month0() / 3)
}

/// Reads an API answer as `T`.
fn parse<T: DeserializeOwned>(value: Value) -> anyhow::Result<T> {
    serde_json::from_value(value)
        .map_err(|e| anyhow::anyhow!("the API answered an unexpected shape: {e}"))
}

/// Every invoice of the merchant's test mode, counted page by page.
async fn count_invoices(api: &Api) -> anyhow::Result<u64> {
    let mut count = 0;
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(id) => format!("/v1/invoices?limit=100&starting_after={id}"),
            None => "/v1/invoices?limit=100".to_owned(),
        };
        let page: List<Invoice> = api.get_as(&path).await?;
        count += page.data.len() as u64;
        match page.data.last() {
            Some(last) if page.has_more => after = Some(last.id.clone()),
            _ => return Ok(count),
        }
    }
}

/// What a customer does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    /// Upgrade, more seats or more storage.
    Expand,
    /// Downgrade, fewer seats or less storage (from the next renewal).
    Contract,
    /// Cancel, mostly at the end of the paid period.
    Close,
    Pause,
    /// The card on file is replaced by one whose charges are declined.
    CardFails,
    /// A customer who left subscribes again.
    Reactivate,
}

/// One thing to do on a day of a step.
#[derive(Debug, Clone, Copy)]
enum Act {
    SignUp,
    Resume(usize),
    /// A past-due customer adds a good card (the open invoice is retried at once).
    NewCard(usize),
    Do(Kind, usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Card {
    Good,
    Failing {
        /// Whether the customer will add a good card once reminded.
        recover: bool,
        /// When the story first saw the subscription past due.
        past_due_since: Option<NaiveDate>,
    },
}

#[derive(Debug, Clone)]
struct Sub {
    id: String,
    shape: Shape,
    /// No change before this day (a scheduled downgrade, or a recent change).
    busy_until: NaiveDate,
    paused_until: Option<NaiveDate>,
    /// A close at the end of the paid period is scheduled.
    closing: bool,
}

#[derive(Debug, Clone)]
struct Person {
    id: String,
    profile: Profile,
    salesperson: Option<String>,
    card: Card,
    sub: Option<Sub>,
    /// What the customer had last (a comeback often takes it again).
    last_shape: Shape,
    /// When the last subscription ended.
    churned: Option<NaiveDate>,
}

struct Story<'a> {
    api: &'a Api,
    rng: StdRng,
    catalog: Catalog,
    salespeople: Vec<String>,
    people: Vec<Person>,
    emails: HashSet<String>,
    /// The test clock.
    today: NaiveDate,
    /// When each kind of event last happened.
    last: HashMap<Kind, NaiveDate>,
    card_failures: u32,
    /// Deals the sales team has had so far.
    deals: usize,
    card_year: i32,
    summary: HistorySummary,
}

impl<'a> Story<'a> {
    async fn new(
        api: &'a Api,
        options: &HistoryOptions,
        catalog: Catalog,
        from: NaiveDate,
    ) -> anyhow::Result<Self> {
        let salespeople = catalog::salespeople(api).await?;
        Ok(Self {
            api,
            rng: StdRng::seed_from_u64(options.seed),
            catalog,
            salespeople,
            people: Vec::new(),
            emails: HashSet::new(),
            today: from,
            last: HashMap::new(),
            card_failures: 0,
            deals: 0,
            card_year: clock::calendar_today().year() + 4,
            summary: HistorySummary {
                from,
                to: from,
                customers: 0,
                subscriptions: 0,
                invoices: 0,
                failed_payments: 0,
                recovered: 0,
                cancellations: 0,
                reactivations: 0,
            },
        })
    }

    /// One step of `span` days from `day`: what the engine did since the last
    /// step is read back, then this step's events happen, each on its own day.
    async fn step(&mut self, day: NaiveDate, span: u32, sign_ups: u32) -> anyhow::Result<()> {
        self.sync().await?;
        let scale = f64::from(span) / 7.0;
        let mut plan: Vec<(u32, Act)> = Vec::new();
        for i in 0..self.people.len() {
            let roll: f64 = self.rng.random();
            let offset = self.rng.random_range(0..span);
            if let Some(kind) = self.draw(i, roll, scale) {
                plan.push((offset, Act::Do(kind, i)));
            }
            let p = &self.people[i];
            if let Some(until) = p.sub.as_ref().and_then(|s| s.paused_until) {
                let wait = (until - day).num_days().max(0);
                if wait < i64::from(span) {
                    plan.push((u32::try_from(wait).unwrap_or(0), Act::Resume(i)));
                }
            }
            if let Card::Failing {
                recover: true,
                past_due_since: Some(_),
            } = p.card
            {
                // Well within the dunning schedule (closed 15 days after the failure).
                plan.push((offset.min(3), Act::NewCard(i)));
            }
        }
        self.keep_alive(day, span, &mut plan);
        for _ in 0..sign_ups {
            plan.push((self.rng.random_range(0..span), Act::SignUp));
        }
        plan.sort_by_key(|(offset, _)| *offset);
        for (offset, act) in plan {
            let on = day
                .checked_add_days(Days::new(u64::from(offset)))
                .unwrap_or(day);
            self.advance_to(on).await?;
            self.act(act).await?;
        }
        Ok(())
    }

    /// Moves the test clock to `day`, running the billing worker for every day.
    async fn advance_to(&mut self, day: NaiveDate) -> anyhow::Result<()> {
        if day <= self.today {
            return Ok(());
        }
        let ran: BillingSummary = parse(
            self.api
                .call(
                    "POST",
                    "/v1/test_clock/advance",
                    json!({"to": day.to_string()}),
                )
                .await?,
        )?;
        self.summary.failed_payments += ran.charges_failed;
        self.today = day;
        Ok(())
    }

    /// Reads back the subscriptions the worker may have changed: scheduled
    /// closes, and customers whose card fails.
    async fn sync(&mut self) -> anyhow::Result<()> {
        for i in 0..self.people.len() {
            let p = &self.people[i];
            let Some(sub) = &p.sub else { continue };
            if !sub.closing && p.card == Card::Good {
                continue;
            }
            let fresh: Subscription = self
                .api
                .get_as(&format!("/v1/subscriptions/{}", sub.id))
                .await?;
            self.observe(i, &fresh);
        }
        Ok(())
    }

    fn observe(&mut self, i: usize, fresh: &Subscription) {
        let today = self.today;
        let p = &mut self.people[i];
        match fresh.status {
            SubscriptionStatus::Closed => {
                if let Some(sub) = p.sub.take() {
                    p.last_shape = sub.shape;
                }
                let ended = fresh.closed_at.as_deref().and_then(|d| d.parse().ok());
                p.churned = Some(ended.unwrap_or(today));
            }
            SubscriptionStatus::PastDue => {
                if let Card::Failing {
                    past_due_since: since @ None,
                    ..
                } = &mut p.card
                {
                    *since = Some(today);
                }
            }
            SubscriptionStatus::Draft | SubscriptionStatus::Active | SubscriptionStatus::Paused => {
            }
        }
    }

    /// What customer `i` does this step, if anything.
    fn draw(&self, i: usize, roll: f64, scale: f64) -> Option<Kind> {
        if self.people[i].sub.is_none() {
            return (roll < WEEKLY_COMEBACK * scale && self.can(i, Kind::Reactivate))
                .then_some(Kind::Reactivate);
        }
        let mut edge = 0.0;
        for (kind, odds) in WEEKLY {
            edge += odds * scale;
            if roll < edge {
                return self.can(i, kind).then_some(kind);
            }
        }
        None
    }

    /// Whether customer `i` can do `kind` today.
    fn can(&self, i: usize, kind: Kind) -> bool {
        let p = &self.people[i];
        let Some(sub) = &p.sub else {
            return kind == Kind::Reactivate
                && p.churned
                    .is_some_and(|d| (self.today - d).num_days() >= COMEBACK_DAYS);
        };
        let settled = !sub.closing
            && sub.paused_until.is_none()
            && p.card == Card::Good
            && sub.busy_until <= self.today;
        let s = sub.shape;
        settled
            && match kind {
                Kind::Expand | Kind::Close => true,
                Kind::Contract => s.tier > STARTER || s.seats > 1 || s.storage > 0,
                Kind::Pause => !s.yearly && self.catalog.tiers[s.tier].pausable,
                Kind::CardFails => !s.yearly,
                Kind::Reactivate => false,
            }
    }

    /// Makes each kind of event happen at least every few weeks.
    fn keep_alive(&mut self, day: NaiveDate, span: u32, plan: &mut Vec<(u32, Act)>) {
        for (kind, weeks) in AT_LEAST_EVERY_WEEKS {
            let since = self.last.get(&kind).copied().unwrap_or(self.summary.from);
            let planned = plan
                .iter()
                .any(|(_, a)| matches!(a, Act::Do(k, _) if *k == kind));
            if planned || (day - since).num_days() < weeks * 7 {
                continue;
            }
            let eligible: Vec<usize> = (0..self.people.len())
                .filter(|&i| self.can(i, kind))
                .collect();
            if let Some(&i) = eligible.choose(&mut self.rng) {
                plan.push((self.rng.random_range(0..span), Act::Do(kind, i)));
            }
        }
    }

    async fn act(&mut self, act: Act) -> anyhow::Result<()> {
        match act {
            Act::SignUp => self.sign_up().await,
            Act::Resume(i) => self.resume(i).await,
            Act::NewCard(i) => self.new_card(i).await,
            Act::Do(kind, i) => {
                // Earlier events of the step may have changed things.
                if !self.can(i, kind) {
                    return Ok(());
                }
                let done = match kind {
                    Kind::Expand => {
                        let now = self.shape_of(i);
                        let next = self.expanded(now);
                        self.change(i, next).await?
                    }
                    Kind::Contract => match self.contracted(self.shape_of(i)) {
                        Some(next) => self.change(i, next).await?,
                        None => false,
                    },
                    Kind::Close => self.close(i).await?,
                    Kind::Pause => self.pause(i).await?,
                    Kind::CardFails => self.card_fails(i).await?,
                    Kind::Reactivate => self.reactivate(i).await?,
                };
                if done {
                    self.last.insert(kind, self.today);
                }
                Ok(())
            }
        }
    }

    fn shape_of(&self, i: usize) -> Shape {
        let p = &self.people[i];
        p.sub.as_ref().map_or(p.last_shape, |s| s.shape)
    }

    /// A line about where the story is: customers so far, paying customers and
    /// MRR (from the analytics API).
    async fn progress_line(&self) -> anyhow::Result<String> {
        let month = self.today.format("%Y-%m");
        let series: MrrSeries = self
            .api
            .get_as(&format!("/v1/analytics/mrr?from={month}&to={month}"))
            .await?;
        let (mrr, paying) = series
            .months
            .last()
            .map(|m| (m.mrr, m.paying_customers))
            .unwrap_or_default();
        Ok(format!(
            "  {}  {:>4} customers  {:>4} paying  MRR {} {:>9}",
            self.today,
            self.summary.customers,
            paying,
            series.currency,
            mrr.round_dp(2)
        ))
    }
}

/// An index drawn with the given relative weights.
fn weighted(rng: &mut StdRng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    if total == 0 {
        return 0;
    }
    let mut pick = rng.random_range(0..total);
    for (i, w) in weights.iter().enumerate() {
        if pick < *w {
            return i;
        }
        pick -= w;
    }
    0
}
