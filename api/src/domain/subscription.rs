//! The subscription lifecycle (SPEC §3): which status a subscription can move to
//! from which, as a pure function. The store applies a transition with an update
//! conditional on the status it starts from, so that of two changes racing for
//! one subscription only one happens.

pub use renewly_types::SubscriptionStatus as Status;

/// What happens to a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The first payment of a draft was confirmed.
    Activate,
    /// The merchant or customer pauses it.
    Pause,
    /// A paused subscription resumes.
    Resume,
    /// A payment of an active subscription failed.
    PaymentFailed,
    /// A past-due subscription's invoice was paid.
    Recover,
    /// It closes: now, at a scheduled date, or when dunning ran out.
    Close,
}

impl Event {
    /// What the event does, for messages ("paused", …).
    pub fn verb(self) -> &'static str {
        match self {
            Self::Activate => "activated",
            Self::Pause => "paused",
            Self::Resume => "resumed",
            Self::PaymentFailed => "marked past due",
            Self::Recover => "recovered",
            Self::Close => "closed",
        }
    }
}

/// A transition the lifecycle does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {} subscription cannot be {}", .from.as_str(), .event.verb())]
pub struct Refused {
    pub from: Status,
    pub event: Event,
}

/// The status after `event` happens to a subscription in `from`, or why it
/// cannot happen.
pub fn transition(from: Status, event: Event) -> Result<Status, Refused> {
    use Event as E;
    use Status as S;
    match (from, event) {
        (S::Draft, E::Activate) => Ok(S::Active),
        (S::Active, E::Pause) => Ok(S::Paused),
        (S::Paused, E::Resume) => Ok(S::Active),
        (S::Active, E::PaymentFailed) => Ok(S::PastDue),
        (S::PastDue, E::Recover) => Ok(S::Active),
        (S::Draft | S::Active | S::Paused | S::PastDue, E::Close) => Ok(S::Closed),
        (S::Draft | S::Active | S::Paused | S::PastDue | S::Closed, _) => {
            Err(Refused { from, event })
        }
    }
}

/// A status change the lifecycle allows: the store makes it only while the
/// subscription is still `from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub from: Status,
    pub to: Status,
}

/// [`transition`] as the change from `from` it makes.
pub fn change(from: Status, event: Event) -> Result<Change, Refused> {
    transition(from, event).map(|to| Change { from, to })
}

/// Whether its lines and plan can change: only while it runs (active or past due).
pub fn can_change(status: Status) -> bool {
    matches!(status, Status::Active | Status::PastDue)
}

/// Whether it renews and is charged: active or past due; a draft waits for its
/// first payment, a paused or closed one for nothing.
pub fn is_billed(status: Status) -> bool {
    matches!(status, Status::Active | Status::PastDue)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const STATUSES: [Status; 5] = [
        Status::Draft,
        Status::Active,
        Status::Paused,
        Status::PastDue,
        Status::Closed,
    ];
    const EVENTS: [Event; 6] = [
        Event::Activate,
        Event::Pause,
        Event::Resume,
        Event::PaymentFailed,
        Event::Recover,
        Event::Close,
    ];

    fn status() -> impl Strategy<Value = Status> {
        proptest::sample::select(STATUSES.to_vec())
    }

    fn event() -> impl Strategy<Value = Event> {
        proptest::sample::select(EVENTS.to_vec())
    }

    #[test]
    fn a_subscription_pauses_resumes_falls_behind_recovers_and_closes() {
        assert_eq!(
            transition(Status::Draft, Event::Activate),
            Ok(Status::Active)
        );
        assert_eq!(transition(Status::Active, Event::Pause), Ok(Status::Paused));
        assert_eq!(
            transition(Status::Paused, Event::Resume),
            Ok(Status::Active)
        );
        assert_eq!(
            transition(Status::Active, Event::PaymentFailed),
            Ok(Status::PastDue)
        );
        assert_eq!(
            transition(Status::PastDue, Event::Recover),
            Ok(Status::Active)
        );
        assert_eq!(transition(Status::Paused, Event::Close), Ok(Status::Closed));
        assert_eq!(
            transition(Status::Paused, Event::Pause),
            Err(Refused {
                from: Status::Paused,
                event: Event::Pause
            })
        );
    }

    proptest! {
        #[test]
        fn closed_is_final(e in event()) {
            prop_assert!(transition(Status::Closed, e).is_err());
        }

        #[test]
        fn every_open_subscription_can_close(s in status()) {
            prop_assert_eq!(transition(s, Event::Close).is_ok(), s != Status::Closed);
        }

        #[test]
        fn an_event_changes_the_status_or_is_refused(s in status(), e in event()) {
            match transition(s, e) {
                Ok(to) => prop_assert_ne!(to, s),
                Err(r) => prop_assert_eq!(r, Refused { from: s, event: e }),
            }
        }

        #[test]
        fn nothing_returns_to_draft(s in status(), e in event()) {
            prop_assert_ne!(transition(s, e).ok(), Some(Status::Draft));
        }

        #[test]
        fn every_path_of_events_ends_in_a_known_status_and_closed_stays_closed(
            events in proptest::collection::vec(event(), 0..20)
        ) {
            let mut s = Status::Draft;
            let mut closed = false;
            for e in events {
                if let Ok(to) = transition(s, e) {
                    prop_assert!(!closed);
                    s = to;
                    closed = s == Status::Closed;
                }
            }
            prop_assert_eq!(closed, s == Status::Closed);
        }

        #[test]
        fn only_running_subscriptions_change_and_are_billed(s in status()) {
            prop_assert_eq!(can_change(s), is_billed(s));
            prop_assert_eq!(
                can_change(s),
                transition(s, Event::Pause).is_ok() || transition(s, Event::Recover).is_ok()
            );
        }
    }
}
