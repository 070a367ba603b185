//! Nederlands.

use super::*;

pub const STRINGS: Strings = Strings {
    interval: IntervalWords {
        day: ("dag", "dagen"),
        week: ("week", "weken"),
        month: ("maand", "maanden"),
        year: ("jaar", "jaar"),
        per_one: "{money} per {one}",
        every_n: "{money} elke {n} {many}",
    },
    hosted: HostedWords {
        portal_title: "Uw abonnement",
        checkout_title: "Afrekenen",
    },
    mail: MailWords {
        greeting_named: "Beste {name},",
        greeting: "Beste klant,",
        footer: "U ontvangt deze e-mail omdat u een abonnement bij ons heeft.",
        plan: "Abonnement",
        open_portal: "Open uw klantportaal",
        update_payment_method: "Betaalmethode wijzigen",
        confirmation: ConfirmationWords {
            subject: "Uw abonnement op {plan} is bevestigd",
            intro: "Bedankt voor uw abonnement op {plan} bij {merchant}. Hieronder vindt u een overzicht.",
            price: "Prijs (excl. btw)",
            start_date: "Startdatum",
            trial_until: "Gratis proefperiode tot",
            next_invoice: "Volgende factuur",
            portal: "In uw klantportaal kunt u altijd uw facturen bekijken, uw betaalmethode wijzigen of uw abonnement aanpassen:",
        },
        invoice: InvoiceWords {
            subject_paid: "Betaalbewijs voor factuur {number} van {merchant}",
            subject_open: "Factuur {number} van {merchant}",
            text_paid: "Bedankt voor uw betaling van {total}. Uw factuur {number} vindt u als pdf in de bijlage.",
            text_open: "Uw factuur {number} van {total} vindt u als pdf in de bijlage. Graag {due} betalen vóór {due_date}.",
            number: "Factuurnummer",
            issue_date: "Factuurdatum",
            total: "Totaal",
            amount_due: "Te betalen",
            pay: "Betaal deze factuur",
        },
        payment_failed: PaymentFailedWords {
            subject: "Betaling mislukt voor factuur {number}",
            text: "We konden {due} voor factuur {number} niet afschrijven van uw betaalmethode.",
            reason: "Reden opgegeven door uw bank: {reason}.",
            retry: "We proberen het opnieuw op {date}. Controleer of wijzig uw betaalmethode om onderbreking van uw abonnement te voorkomen:",
            no_retry: "Wijzig uw betaalmethode om uw abonnement actief te houden:",
        },
        dunning: DunningWords {
            subject: "Herinnering: factuur {number} is nog niet betaald",
            text: "Factuur {number} van {due}, te betalen op {due_date}, is nog niet voldaan.",
            closes: "Blijft de factuur onbetaald, dan wordt uw abonnement op {date} beëindigd.",
            update: "Wijzig uw betaalmethode zodat wij de betaling kunnen innen:",
        },
        cancellation: CancellationWords {
            subject: "Uw abonnement op {plan} is opgezegd",
            text: "Uw abonnement op {plan} is zoals gevraagd opgezegd. Het eindigt op {ends}; daarna wordt er niets meer in rekening gebracht.",
            ends_on: "Einddatum",
            reason: "Reden",
            goodbye: "Jammer dat u vertrekt. Bedacht? U kunt altijd opnieuw een abonnement nemen.",
        },
        magic_link: MagicLinkWords {
            subject: "Uw inloglink voor {merchant}",
            text: "Gebruik de knop hieronder om uw klantportaal te openen. De link werkt één keer en verloopt over {minutes} minuten.",
            sign_in: "Inloggen",
            footer: "Heeft u deze link niet aangevraagd? Dan kunt u deze e-mail negeren.",
        },
    },
};
