//! English.

use super::*;

pub const STRINGS: Strings = Strings {
    interval: IntervalWords {
        day: ("day", "days"),
        week: ("week", "weeks"),
        month: ("month", "months"),
        year: ("year", "years"),
        per_one: "{money} per {one}",
        every_n: "{money} every {n} {many}",
    },
    hosted: HostedWords {
        portal_title: "Your subscription",
        checkout_title: "Checkout",
    },
    mail: MailWords {
        greeting_named: "Hi {name},",
        greeting: "Hello,",
        footer: "You receive this email because you have a subscription with us.",
        plan: "Plan",
        open_portal: "Open your portal",
        update_payment_method: "Update payment method",
        confirmation: ConfirmationWords {
            subject: "Your {plan} subscription is confirmed",
            intro: "Thank you for subscribing to {plan} with {merchant}. Here is a summary of your subscription.",
            price: "Price (excl. tax)",
            start_date: "Start date",
            trial_until: "Free trial until",
            next_invoice: "Next invoice",
            portal: "You can see your invoices, update your payment method or change your plan at any time in your customer portal:",
        },
        invoice: InvoiceWords {
            subject_paid: "Receipt for invoice {number} from {merchant}",
            subject_open: "Invoice {number} from {merchant}",
            text_paid: "Thank you for your payment of {total}. Your invoice {number} is attached as a PDF.",
            text_open: "Your invoice {number} of {total} is attached as a PDF. Please pay {due} by {due_date}.",
            number: "Invoice number",
            issue_date: "Issue date",
            total: "Total",
            amount_due: "Amount due",
            pay: "Pay this invoice",
        },
        payment_failed: PaymentFailedWords {
            subject: "Payment failed for invoice {number}",
            text: "We could not charge {due} for invoice {number} to your payment method.",
            reason: "Reason given by your bank: {reason}.",
            retry: "We will try again on {date}. To avoid an interruption of your subscription, please check or update your payment method:",
            no_retry: "To keep your subscription active, please update your payment method:",
        },
        dunning: DunningWords {
            subject: "Reminder: invoice {number} is still unpaid",
            text: "Invoice {number} of {due}, due on {due_date}, has not been paid yet.",
            closes: "If it stays unpaid, your subscription will be cancelled on {date}.",
            update: "Please update your payment method so that we can collect the payment:",
        },
        cancellation: CancellationWords {
            subject: "Your {plan} subscription has been cancelled",
            text: "We have cancelled your {plan} subscription as requested. It ends on {ends}; you will not be charged again after that.",
            ends_on: "Ends on",
            reason: "Reason",
            goodbye: "We are sorry to see you go. Changed your mind? You can subscribe again at any time.",
        },
        magic_link: MagicLinkWords {
            subject: "Your sign-in link for {merchant}",
            text: "Use the button below to open your customer portal. The link works once and expires in {minutes} minutes.",
            sign_in: "Sign in",
            footer: "If you did not ask for this link, you can ignore this email.",
        },
    },
};
