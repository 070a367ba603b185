//! The widget in a real browser: the demo merchant site (one origin) embeds the
//! widget served by the API (another origin), and headless Chromium, driven
//! through chromedriver, buys subscriptions the way a shopper would.
//!
//! Needs Debian `chromium` + `chromium-driver` and the built widget (`cargo xtask
//! widget`; `cargo xtask test` builds it first). Without Chromium every test here
//! fails, unless `RENEWLY_SKIP_BROWSER_TESTS=1` asks to skip them (loudly).
//! On failure a screenshot lands in `target/browser-screenshots/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;

use harness::{Browser, Result, eventually, run};

const PRICING: &str = "renewly-pricing";
const CHECKOUT: &str = "renewly-checkout";
const PORTAL: &str = "renewly-portal";

/// A fresh e-mail address per run, so customers never collide.
fn email(who: &str) -> String {
    format!(
        "{who}+{}@example.com",
        ulid::Ulid::generate().to_string().to_lowercase()
    )
}

/// Clicks "Subscribe" on the plan called `plan` in the pricing table.
async fn pick_plan(b: &Browser, plan: &str) -> Result {
    pick_plan_at(b, "/", plan).await
}

/// Clicks "Subscribe" on the plan called `plan` in the pricing table at `path`.
async fn pick_plan_at(b: &Browser, path: &str, plan: &str) -> Result {
    b.goto(path).await?;
    let cards = b.find_all(PRICING, ".rw-plan").await?;
    for card in cards {
        let title = card
            .find(fantoccini::Locator::Css("h3"))
            .await?
            .text()
            .await?;
        if title == plan {
            card.find(fantoccini::Locator::Css("button"))
                .await?
                .click()
                .await?;
            b.find(PRICING, "#rw-email").await?;
            return Ok(());
        }
    }
    Err(format!("no plan called {plan} in the pricing table").into())
}

/// Fills the shopper's details and a Dutch billing address.
async fn fill_details(b: &Browser, tag: &str, email: &str) -> Result {
    b.fill(tag, "#rw-email", email).await?;
    b.fill(tag, "#rw-name", "Anna de Wit").await?;
    b.find(tag, "#rw-country")
        .await?
        .select_by_value("NL")
        .await?;
    b.fill(tag, "#rw-line1", "Prinsengracht 263").await?;
    b.fill(tag, "#rw-postal", "1016 GV").await?;
    b.fill(tag, "#rw-city", "Amsterdam").await?;
    Ok(())
}

async fn fill_card(b: &Browser, tag: &str, number: &str) -> Result {
    b.fill(tag, "#rw-card-number", number).await?;
    b.fill(tag, "#rw-card-expiry", "1234").await?;
    b.fill(tag, "#rw-card-cvc", "123").await?;
    Ok(())
}

/// Waits for the live summary to show Dutch VAT, then submits.
async fn submit(b: &Browser, tag: &str) -> Result {
    b.text_contains(tag, ".rw-totals", "21%").await?;
    eventually("the summary to settle", || async {
        let busy = b
            .find(tag, ".rw-summary")
            .await
            .ok()?
            .attr("aria-busy")
            .await
            .ok()?;
        (busy.as_deref() == Some("false")).then_some(())
    })
    .await?;
    b.click(tag, "form button[type=submit]").await
}

/// The confirmation shows, and the host page heard `renewly:subscribed`.
async fn assert_subscribed(b: &Browser, tag: &str, plan: &str) -> Result {
    let heading = b.text_contains(tag, ".rw-done h2", plan).await?;
    assert!(heading.contains("subscribed"), "{heading}");
    let status = b
        .js("return window.__renewlySubscribed && window.__renewlySubscribed.subscription.status")
        .await?;
    assert_eq!(
        status, "active",
        "the renewly:subscribed event's subscription"
    );
    let invoice = b
        .js("return window.__renewlySubscribed.invoice && window.__renewlySubscribed.invoice.number")
        .await?;
    assert!(invoice.as_str().is_some_and(|n| !n.is_empty()), "{invoice}");
    Ok(())
}

/// Subscribes a new shopper to `plan` with a good card and opens the hosted
/// portal from the confirmation's "manage" link.
async fn open_portal(b: &Browser, plan: &str, who: &str) -> Result {
    pick_plan(b, plan).await?;
    fill_details(b, PRICING, &email(who)).await?;
    fill_card(b, PRICING, "4242424242424242").await?;
    submit(b, PRICING).await?;
    assert_subscribed(b, PRICING, plan).await?;
    follow_portal_link(b, plan).await
}

/// Follows the confirmation's "manage" link to the hosted portal showing `plan`.
async fn follow_portal_link(b: &Browser, plan: &str) -> Result {
    let url = b
        .js("return document.querySelector('renewly-pricing').shadowRoot.querySelector('.rw-done a.rw-button').href")
        .await?;
    b.client.goto(url.as_str().expect("a portal link")).await?;
    b.text_contains(PORTAL, ".rw-sub h4", plan).await?;
    Ok(())
}

#[test]
fn a_shopper_subscribes_to_business_with_a_typed_signature() {
    run("typed_signature", 1280, |b| async move {
        pick_plan(&b, "Business").await?;
        fill_details(&b, PRICING, &email("typed")).await?;
        b.text_contains(PRICING, ".rw-terms", "Business terms")
            .await?;
        b.fill(PRICING, "#rw-signer", "Anna de Wit").await?;
        b.text_contains(PRICING, ".rw-typed", "Anna de Wit").await?;
        b.click(PRICING, "#rw-agree").await?;
        fill_card(&b, PRICING, "4242424242424242").await?;
        let total = b.text_contains(PRICING, ".rw-total dd", "€").await?;
        assert_eq!(total, "€119.79", "99.00 + 21% VAT");
        submit(&b, PRICING).await?;
        assert_subscribed(&b, PRICING, "Business").await
    });
}

#[test]
fn a_drawn_signature_is_accepted() {
    run("drawn_signature", 1280, |b| async move {
        pick_plan(&b, "Business").await?;
        fill_details(&b, PRICING, &email("drawn")).await?;
        b.fill(PRICING, "#rw-signer", "Anna de Wit").await?;
        let draw = b.find_all(PRICING, ".rw-seg").await?;
        draw[1].click().await?;
        let pad = b.find(PRICING, "canvas#rw-signature-pad").await?;
        b.draw_on(&pad).await?;
        b.click(PRICING, "#rw-agree").await?;
        fill_card(&b, PRICING, "4242 4242 4242 4242").await?;
        submit(&b, PRICING).await?;
        assert_subscribed(&b, PRICING, "Business").await
    });
}

#[test]
fn a_declined_card_shows_the_error_and_a_retry_succeeds() {
    run("declined_then_retry", 1280, |b| async move {
        pick_plan(&b, "Pro").await?;
        fill_details(&b, PRICING, "not-an-email@nowhere").await?;
        fill_card(&b, PRICING, "4000000000000002").await?;
        submit(&b, PRICING).await?;
        // The API refuses the e-mail (422, param customer.email): shown at the field.
        b.text_contains(PRICING, "#rw-email-error", "e-mail address")
            .await?;
        b.fill(PRICING, "#rw-email", &email("declined")).await?;
        b.click(PRICING, "form button[type=submit]").await?;
        // The card is declined (402): shown at the card number.
        b.text_contains(PRICING, "#rw-card-number-error", "declined")
            .await?;
        let invalid = b
            .find(PRICING, "#rw-card-number")
            .await?
            .attr("aria-invalid")
            .await?;
        assert_eq!(invalid.as_deref(), Some("true"));
        fill_card(&b, PRICING, "4242424242424242").await?;
        assert!(!b.present(PRICING, "#rw-card-number-error").await);
        b.click(PRICING, "form button[type=submit]").await?;
        assert_subscribed(&b, PRICING, "Pro").await
    });
}

#[test]
fn a_card_that_needs_authentication_goes_through_the_confirm_step() {
    run("confirm_step", 1280, |b| async move {
        pick_plan(&b, "Starter").await?;
        fill_details(&b, PRICING, &email("3ds")).await?;
        fill_card(&b, PRICING, "4000002760003184").await?;
        submit(&b, PRICING).await?;
        b.text_contains(PRICING, ".rw-confirm", "confirm").await?;
        assert!(
            b.js("return window.__renewlySubscribed === undefined")
                .await?
                .as_bool()
                .unwrap_or(false),
            "no renewly:subscribed before the payment is confirmed"
        );
        b.text_contains(PRICING, ".rw-confirm button", "Authenticate payment")
            .await?;
        b.click(PRICING, ".rw-confirm button").await?;
        assert_subscribed(&b, PRICING, "Starter").await
    });
}

#[test]
fn the_standalone_checkout_speaks_dutch_and_formats_euros() {
    run("dutch_checkout", 375, |b| async move {
        b.goto("/checkout.html?lang=nl").await?;
        let width = b.js("return window.innerWidth").await?;
        assert_eq!(width, 375, "a phone-sized viewport");
        b.text_contains(CHECKOUT, "h2", "Abonneer op Pro").await?;
        b.find(CHECKOUT, "#rw-country")
            .await?
            .select_by_value("NL")
            .await?;
        b.text_contains(CHECKOUT, ".rw-totals", "Btw 21%").await?;
        b.text_contains(CHECKOUT, ".rw-total", "Totaal vandaag")
            .await?;
        // €29 plan + €49 set-up fee + 21% VAT = €94.38, written the Dutch way
        // (WebDriver's text() turns the no-break space into a space: read it raw).
        let total = b
            .js("return document.querySelector('renewly-checkout').shadowRoot.querySelector('.rw-total dd').textContent")
            .await?;
        assert_eq!(total, "€\u{a0}94,38");
        Ok(())
    });
}

#[test]
fn host_page_css_does_not_reach_inside_the_widget() {
    run("css_isolation", 1280, |b| async move {
        b.goto("/").await?;
        b.find(PRICING, ".rw-plan button").await?;
        let script = b
            .js("return document.querySelector('script[src$=\"/widget/renewly.js\"]').src")
            .await?;
        assert_ne!(
            b.api, b.site,
            "the widget runs on another origin than the API"
        );
        assert_eq!(script, format!("{}/widget/renewly.js", b.api));
        let styles = b
            .js(r#"
                const root = document.querySelector("renewly-pricing").shadowRoot;
                const css = (el) => getComputedStyle(el);
                const button = css(root.querySelector(".rw-plan button"));
                const host = css(document.querySelector("button.cta"));
                const desc = css(root.querySelector(".rw-plan-desc"));
                return {
                    transform: button.textTransform,
                    spacing: button.letterSpacing,
                    font: button.fontFamily,
                    align: desc.textAlign,
                    hostTransform: host.textTransform,
                    rootFont: css(root.querySelector(".rw")).fontSize,
                };
            "#)
            .await?;
        assert_eq!(
            styles["hostTransform"], "uppercase",
            "the host page's hostile rule is live"
        );
        assert_eq!(styles["transform"], "none", "{styles}");
        assert_eq!(styles["spacing"], "normal", "{styles}");
        assert_eq!(styles["align"], "left", "{styles}");
        assert_eq!(styles["rootFont"], "16px", "{styles}");
        assert!(
            !styles["font"]
                .as_str()
                .unwrap_or_default()
                .contains("Georgia"),
            "{styles}"
        );
        Ok(())
    });
}

#[test]
fn several_elements_share_one_wasm_instance_and_a_second_script_tag_is_harmless() {
    run("two_elements", 1280, |b| async move {
        b.goto("/").await?;
        b.find(PRICING, ".rw-plan").await?;
        // A second copy of the script tag and a second element, added late.
        b.js(r#"
            const plan = document.querySelector("renewly-pricing").getAttribute("plans").split(" ")[0];
            const again = document.createElement("script");
            again.src = document.querySelector('script[src$="/widget/renewly.js"]').src;
            document.head.append(again);
            const el = document.createElement("renewly-checkout");
            el.setAttribute("publishable-key", document.querySelector("renewly-pricing").getAttribute("publishable-key"));
            el.setAttribute("plan", plan);
            document.querySelector("main").append(el);
        "#)
        .await?;
        b.text_contains(CHECKOUT, "h2", "Starter").await?;
        assert_eq!(
            wasm_fetched(&b, "").await?,
            ["renewly_checkout_bg"],
            "the wasm module is fetched once"
        );
        assert!(
            b.present(PRICING, ".rw-plan").await,
            "the first element still shows"
        );
        Ok(())
    });
}

/// The wasm bundles the page (or the iframe with `frame` as its id) fetched, by
/// name without the content hash: `["renewly_checkout_bg"]`.
async fn wasm_fetched(b: &Browser, frame: &str) -> Result<Vec<String>> {
    let names = b
        .js(&format!(
            "const w = '{frame}' ? document.getElementById('{frame}').contentWindow : window;
             return w.performance.getEntriesByType('resource').map(r => r.name)
               .filter(n => /\\.wasm$/.test(n))
               .map(n => n.split('/').pop().replace(/-[0-9a-f]{{16}}\\.wasm$/, ''));"
        ))
        .await?;
    Ok(serde_json::from_value(names)?)
}

#[test]
fn each_page_downloads_only_the_bundle_with_its_elements() {
    run("bundles", 1280, |b| async move {
        b.goto("/account.html").await?;
        b.text_contains(PORTAL, ".rw", "E-mail me a link").await?;
        assert_eq!(wasm_fetched(&b, "").await?, ["renewly_portal_bg"]);

        b.goto("/").await?;
        b.find(PRICING, ".rw-plan").await?;
        assert_eq!(wasm_fetched(&b, "").await?, ["renewly_checkout_bg"]);

        // A page with both kinds of element, parsed after the script tag: one
        // instance of the full bundle serves both.
        b.js(r#"
            const script = document.querySelector('script[src$="/widget/renewly.js"]').src;
            const pricing = document.querySelector("renewly-pricing");
            const key = pricing.getAttribute("publishable-key");
            const frame = document.createElement("iframe");
            frame.id = "mixed";
            frame.style.cssText = "width: 900px; height: 1400px";
            frame.srcdoc = '<!doctype html><html lang="en"><body>'
              + '<script src="' + script + '"></' + 'script>'
              + '<renewly-pricing publishable-key="' + key + '" plans="' + pricing.getAttribute("plans") + '"></renewly-pricing>'
              + '<renewly-portal publishable-key="' + key + '"></renewly-portal></body></html>';
            document.body.append(frame);
        "#)
        .await?;
        eventually("both elements rendered in the mixed page", || async {
            let ready = b
                .js("const d = document.getElementById('mixed').contentDocument;
                     const p = d && d.querySelector('renewly-pricing');
                     const q = d && d.querySelector('renewly-portal');
                     return !!(p && p.shadowRoot && p.shadowRoot.querySelector('.rw-plan')
                       && q && q.shadowRoot && q.shadowRoot.textContent.includes('E-mail me a link'));")
                .await
                .ok()?;
            (ready == true).then_some(())
        })
        .await?;
        assert_eq!(wasm_fetched(&b, "mixed").await?, ["renewly_all_bg"]);
        Ok(())
    });
}

#[test]
fn time_to_first_render_is_measured() {
    run("first_render", 1280, |b| async move {
        b.goto("/").await?;
        b.find(PRICING, ".rw-plan").await?;
        // `renewly:pricing` is the widget's performance mark once the table shows.
        let t = eventually("the performance marks", || async {
            let v = b
                .js(r#"
                    const mark = performance.getEntriesByName("renewly:pricing")[0];
                    const nav = performance.getEntriesByType("navigation")[0];
                    return mark ? { render: mark.startTime, dom: nav.domContentLoadedEventEnd } : null;
                "#)
                .await
                .ok()?;
            (!v.is_null()).then_some(v)
        })
        .await?;
        let render = t["render"].as_f64().unwrap_or(f64::MAX);
        println!(
            "time to first render of the pricing table: {render:.0} ms after navigation start \
             (DOMContentLoaded at {:.0} ms; loopback, headless Chromium, plans fetched from the API)",
            t["dom"].as_f64().unwrap_or_default(),
        );
        assert!(render < 10_000.0, "{t}");
        Ok(())
    });
}

#[test]
fn a_customer_cancels_from_the_portal_after_seeing_the_retention_offer() {
    run("portal_cancel", 1280, |b| async move {
        // The confirmation's "manage" link opens the hosted portal.
        open_portal(&b, "Pro", "portal").await?;
        b.text_contains(PORTAL, ".rw-sub .rw-status", "Active")
            .await?;
        b.text_contains(PORTAL, ".rw-sub", "•••• 4242").await?;
        b.text_contains(PORTAL, ".rw-table", "Paid").await?;
        b.js("document.addEventListener('renewly:cancelled', e => { window.__renewlyCancelled = e.detail; })")
            .await?;
        b.click(PORTAL, ".rw-sub-actions .rw-link").await?;
        b.text_contains(PORTAL, "h2", "Why are you leaving").await?;
        // "Too expensive" comes with an offer, shown before anything is cancelled.
        b.click(PORTAL, ".rw-choice input").await?;
        b.click(PORTAL, "form button[type=submit]").await?;
        b.text_contains(PORTAL, ".rw-offer-text", "20%").await?;
        b.click(PORTAL, ".rw-offer .rw-secondary").await?;
        b.click(PORTAL, ".rw-danger").await?;
        b.text_contains(PORTAL, "h2", "cancelled").await?;
        b.text_contains(PORTAL, ".rw-portal-flow", "ends on")
            .await?;
        let cancel_at = eventually("the renewly:cancelled event", || async {
            b.js("return window.__renewlyCancelled && window.__renewlyCancelled.cancel_at")
                .await
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
        })
        .await?;
        assert_eq!(cancel_at.len(), 10, "{cancel_at}");
        // Back on the overview the subscription can be kept again.
        b.click(PORTAL, ".rw-center .rw-button").await?;
        b.text_contains(PORTAL, ".rw-banner", "Keep my subscription")
            .await?;
        Ok(())
    });
}

#[test]
fn a_customer_previews_and_makes_an_upgrade_and_replaces_the_card_in_the_portal() {
    run("portal_change", 1280, |b| async move {
        open_portal(&b, "Pro", "upgrade").await?;
        b.js("document.addEventListener('renewly:plan-changed', e => { window.__renewlyChanged = e.detail; })")
            .await?;
        b.click(PORTAL, ".rw-sub-actions .rw-secondary").await?;
        b.text_contains(PORTAL, "h2", "Change your plan").await?;
        // Business, monthly: an upgrade charged pro rata now.
        let choices = b.find_all(PORTAL, ".rw-choice").await?;
        let mut picked = false;
        for choice in choices {
            if choice.text().await?.contains("€99.00") {
                choice.click().await?;
                picked = true;
                break;
            }
        }
        assert!(picked, "Business monthly is offered");
        b.click(PORTAL, ".rw-sub-actions .rw-primary").await?;
        b.text_contains(PORTAL, ".rw-change-preview", "Upgrade")
            .await?;
        b.text_contains(PORTAL, ".rw-change-preview", "Due now")
            .await?;
        if let Ok(png) = b.client.screenshot().await {
            let _ = std::fs::write(std::env::temp_dir().join("portal-change-preview.png"), png);
        }
        b.click(PORTAL, ".rw-sub-actions .rw-primary").await?;
        b.text_contains(PORTAL, ".rw-notice", "changed").await?;
        b.text_contains(PORTAL, ".rw-sub h4", "Business").await?;
        let applied = b
            .js("return window.__renewlyChanged && window.__renewlyChanged.applied")
            .await?;
        assert_eq!(applied, true, "the renewly:plan-changed event");
        // A new card becomes the default.
        b.click(PORTAL, ".rw-portal-box .rw-button").await?;
        fill_card(&b, PORTAL, "5555555555554444").await?;
        b.click(PORTAL, "form button[type=submit]").await?;
        b.text_contains(PORTAL, ".rw-notice", "card has been saved")
            .await?;
        b.text_contains(PORTAL, ".rw-portal-side", "•••• 4444")
            .await?;
        Ok(())
    });
}

#[test]
fn a_customer_fixes_a_refused_email_and_moves_house_in_the_portal_and_it_sticks() {
    run("portal_details", 1280, |b| async move {
        open_portal(&b, "Starter", "details").await?;
        // The checkout made an order, listed with its plan and invoice.
        let orders = b.text_contains(PORTAL, ".rw-orders", "Starter").await?;
        assert!(orders.contains("INV/"), "{orders}");

        b.click_text(PORTAL, ".rw-portal-box button", "Edit details")
            .await?;
        b.text_contains(PORTAL, "h2", "Your details").await?;
        assert_eq!(
            b.focused(PORTAL).await?,
            "h2",
            "the panel's heading has the focus"
        );
        let name = b.find(PORTAL, "#rw-name").await?.prop("value").await?;
        assert_eq!(
            name.as_deref(),
            Some("Anna de Wit"),
            "the form starts from what is on file"
        );

        // The API refuses the e-mail address (422, param `email`): said at the input.
        b.fill(PORTAL, "#rw-email", "not-an-email@nowhere").await?;
        b.click(PORTAL, "form button[type=submit]").await?;
        b.text_contains(PORTAL, "#rw-email-error", "e-mail address")
            .await?;
        let invalid = b
            .find(PORTAL, "#rw-email")
            .await?
            .attr("aria-invalid")
            .await?;
        assert_eq!(invalid.as_deref(), Some("true"));
        assert_eq!(b.focused(PORTAL).await?, "input#rw-email");

        let new_email = email("moved");
        b.fill(PORTAL, "#rw-email", &new_email).await?;
        assert!(!b.present(PORTAL, "#rw-email-error").await);
        b.fill(PORTAL, "#rw-name", "Anna de Wit-Peeters").await?;
        b.fill(PORTAL, "#rw-company", "Peeters BV").await?;
        b.find(PORTAL, "#rw-country")
            .await?
            .select_by_value("BE")
            .await?;
        b.fill(PORTAL, "#rw-line1", "Grote Markt 1").await?;
        b.fill(PORTAL, "#rw-postal", "1000").await?;
        b.fill(PORTAL, "#rw-city", "Brussel").await?;
        b.click(PORTAL, "form button[type=submit]").await?;
        b.text_contains(PORTAL, ".rw-notice", "details have been saved")
            .await?;
        assert_eq!(b.focused(PORTAL).await?, "p.rw-banner.rw-notice");
        b.text_contains(PORTAL, ".rw-address", "Grote Markt 1")
            .await?;

        // A fresh page reads the details back from the API.
        b.client.refresh().await?;
        let address = b.text_contains(PORTAL, ".rw-address", "Brussel").await?;
        assert!(address.contains("Anna de Wit-Peeters"), "{address}");
        assert!(
            address.contains("1000 Brussel") && address.contains("BE"),
            "{address}"
        );
        assert!(!address.contains("Amsterdam"), "{address}");
        b.text_contains(PORTAL, ".rw-portal-head", "Peeters BV")
            .await?;
        // The new address waits for the link sent to it.
        b.text_contains(PORTAL, ".rw-pending-email", &new_email)
            .await?;
        let head = b
            .text_contains(PORTAL, ".rw-portal-head h2 + p", "Peeters BV")
            .await?;
        assert!(
            !head.contains(&new_email),
            "not yet the customer's address: {head}"
        );
        let portal = b.client.current_url().await?;
        let confirm = mailed_token(&b, &new_email, "/portal/email/", "/portal/email/").await?;
        b.client
            .goto(&format!("{}/portal/email/{confirm}", b.api))
            .await?;
        b.client
            .find(fantoccini::Locator::Css("form button[type=submit]"))
            .await?
            .click()
            .await?;
        // The button's post navigates: wait for the page it leads to.
        eventually("the address confirmed", || async {
            let h1 = b
                .js("return document.querySelector('h1').textContent")
                .await
                .ok()?;
            (h1 == "E-mail address confirmed").then_some(())
        })
        .await?;
        b.client.goto(portal.as_str()).await?;
        b.text_contains(PORTAL, ".rw-portal-head h2 + p", &new_email)
            .await?;
        assert!(!b.present(PORTAL, ".rw-pending-email").await);
        Ok(())
    });
}

#[test]
fn a_customer_pauses_and_resumes_a_subscription_in_a_phone_sized_portal() {
    run("portal_pause", 320, |b| async move {
        open_portal(&b, "Pro", "pause").await?;
        b.js("['renewly:paused', 'renewly:resumed'].forEach(n => document.addEventListener(n, e => { window[n] = e.detail.status; }))")
            .await?;
        let fits = b
            .js("const r = document.querySelector('renewly-portal'); \
                 return r.shadowRoot.querySelector('.rw-portal').scrollWidth <= r.clientWidth && r.clientWidth <= 320;")
            .await?;
        assert_eq!(fits, true, "nothing sticks out at 320 px");

        b.click_text(PORTAL, ".rw-sub-actions button", "Pause")
            .await?;
        b.text_contains(PORTAL, "h2", "Pause your subscription?")
            .await?;
        assert_eq!(b.focused(PORTAL).await?, "h2");
        b.click(PORTAL, ".rw-portal-flow .rw-primary").await?;
        b.text_contains(PORTAL, ".rw-notice", "is paused").await?;
        b.text_contains(PORTAL, ".rw-sub .rw-status", "Paused")
            .await?;
        b.text_contains(PORTAL, ".rw-sub .rw-warn", "Paused since")
            .await?;
        assert!(
            !b.present(PORTAL, ".rw-sub-actions .rw-secondary").await,
            "a paused subscription is neither changed nor paused again"
        );
        assert_eq!(b.js("return window['renewly:paused']").await?, "paused");

        b.click_text(PORTAL, ".rw-sub button", "Resume").await?;
        b.text_contains(PORTAL, "h2", "Resume your subscription?")
            .await?;
        b.click(PORTAL, ".rw-portal-flow .rw-primary").await?;
        b.text_contains(PORTAL, ".rw-notice", "resumed").await?;
        b.text_contains(PORTAL, ".rw-sub .rw-status", "Active")
            .await?;
        assert!(!b.present(PORTAL, ".rw-sub .rw-warn").await);
        assert_eq!(b.js("return window['renewly:resumed']").await?, "active");
        Ok(())
    });
}

#[test]
fn a_dutch_shopper_subscribes_upgrades_and_cancels_all_in_dutch() {
    run("dutch_journey", 1280, |b| async move {
        // The merchant's Dutch page: the widget follows its <html lang>.
        pick_plan_at(&b, "/?lang=nl", "Pro").await?;
        fill_details(&b, PRICING, &email("nl")).await?;
        fill_card(&b, PRICING, "4242424242424242").await?;
        b.text_contains(PRICING, ".rw-totals", "Btw 21%").await?;
        submit(&b, PRICING).await?;
        b.text_contains(PRICING, ".rw-done h2", "U bent geabonneerd op Pro")
            .await?;

        // The portal link opens the hosted portal in the customer's language.
        follow_portal_link(&b, "Pro").await?;
        let lang = b.js("return document.documentElement.lang").await?;
        assert_eq!(
            lang, "nl",
            "the hosted portal page speaks the customer's language"
        );
        b.text_contains(PORTAL, ".rw-sub .rw-status", "Actief")
            .await?;

        // Upgrade to Business monthly with the preview, in Dutch.
        b.click(PORTAL, ".rw-sub-actions .rw-secondary").await?;
        b.text_contains(PORTAL, "h2", "Abonnement wijzigen").await?;
        b.click_text(PORTAL, ".rw-choice", "99,00").await?;
        b.click(PORTAL, ".rw-sub-actions .rw-primary").await?;
        b.text_contains(PORTAL, ".rw-change-preview", "Nu te betalen")
            .await?;
        b.click(PORTAL, ".rw-sub-actions .rw-primary").await?;
        b.text_contains(PORTAL, ".rw-notice", "Uw abonnement is gewijzigd")
            .await?;
        b.text_contains(PORTAL, ".rw-sub h4", "Business").await?;

        // Cancel with a reason; the retention offer comes first.
        b.click(PORTAL, ".rw-sub-actions .rw-link").await?;
        b.text_contains(PORTAL, "h2", "Waarom zegt u op?").await?;
        b.click(PORTAL, ".rw-choice input").await?;
        b.click(PORTAL, "form button[type=submit]").await?;
        b.text_contains(PORTAL, ".rw-offer-text", "20%").await?;
        b.click(PORTAL, ".rw-offer .rw-secondary").await?;
        b.click(PORTAL, ".rw-danger").await?;
        b.text_contains(PORTAL, "h2", "Uw abonnement is opgezegd")
            .await?;
        Ok(())
    });
}

/// The token after `marker` in the delivered e-mail to `to` that contains
/// `needle` (the demo delivers every 10 seconds, so this waits up to a minute).
async fn mailed_token(b: &Browser, to: &str, needle: &str, marker: &str) -> Result<String> {
    let mut last = None;
    for _ in 0..3 {
        let found = eventually(needle, || async {
            b.mails_containing(needle)
                .iter()
                .find(|m| m.contains(to))
                .and_then(|m| token_after(m, marker))
        })
        .await;
        match found {
            Ok(token) => return Ok(token),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| "no e-mail".into()))
}

/// The 64-hex token after `marker` in `text`.
fn token_after(text: &str, marker: &str) -> Option<String> {
    let start = text.find(marker)? + marker.len();
    let token: String = text[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    (token.len() == 64).then_some(token)
}

#[test]
fn a_returning_shopper_asks_for_a_link_on_the_account_page_and_opens_the_portal_with_it() {
    run("magic_link", 1280, |b| async move {
        let shopper = email("returning");
        pick_plan(&b, "Pro").await?;
        fill_details(&b, PRICING, &shopper).await?;
        fill_card(&b, PRICING, "4242424242424242").await?;
        submit(&b, PRICING).await?;
        assert_subscribed(&b, PRICING, "Pro").await?;

        // The merchant's "My account" page has no token: it offers a link by e-mail.
        b.goto("/account.html").await?;
        b.text_contains(PORTAL, ".rw-sign-in", "send you a link")
            .await?;
        b.fill(PORTAL, "#rw-sign-in-email", &shopper).await?;
        b.click(PORTAL, ".rw-sign-in .rw-primary").await?;
        b.text_contains(PORTAL, ".rw-notice", "a link is on its way")
            .await?;

        let link = mailed_token(&b, &shopper, "Subject: Your sign-in link", "/portal/").await?;
        // Following the link shows one button; pressing it opens the portal.
        b.client.goto(&format!("{}/portal/{link}", b.api)).await?;
        assert!(
            !b.present(PORTAL, ".rw-sub").await,
            "nothing opens before the button"
        );
        b.client
            .find(fantoccini::Locator::Css("form button[type=submit]"))
            .await?
            .click()
            .await?;
        b.text_contains(PORTAL, ".rw-sub h4", "Pro").await?;
        // The page keeps working on reload; the used link does not.
        b.client.refresh().await?;
        b.text_contains(PORTAL, ".rw-sub h4", "Pro").await?;
        b.client.goto(&format!("{}/portal/{link}", b.api)).await?;
        let title = b
            .js("return document.querySelector('h1').textContent")
            .await?;
        assert_eq!(title, "This link has expired");
        Ok(())
    });
}
