//! The public plans a widget reads on every page load are kept in memory with an
//! `ETag` (304 to `If-None-Match`) until the catalog changes: at once after a
//! change through the API, within the recheck interval after a change made by
//! another process (here: the store called on another connection pool, as a
//! second `renewly serve` or the CLI would). A key revoked from the command line
//! stops working within the same interval.

use std::time::{Duration, Instant};

use renewly::store::{Scope, merchants, plans};

use super::*;

/// The recheck interval of the test server (`Config::for_database`'s default).
const RECHECK: Duration = Duration::from_secs(1);

fn test_scope(app: &TestApp) -> Scope {
    Scope {
        merchant_id: app.keys.merchant.clone(),
        livemode: false,
    }
}

/// Asks `check` again every 50 ms until it holds, failing after `within`.
async fn eventually<F, Fut>(within: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(
            start.elapsed() < within,
            "{what} did not happen within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

scenarios! {
    async fn public_plans_carry_an_etag_that_answers_304_until_the_catalog_changes(app) {
        let (plan, _) = plan_of(app, "10.00", "month", 1).await;
        let first = app.get_as(&app.keys.pk, "/v1/public/plans").await;
        assert_eq!(first.status, 200, "{}", first.text);
        assert_eq!(first.body["data"][0]["id"], plan.as_str());
        let etag = first.header("etag").expect("an ETag").to_owned();
        assert_eq!(first.header("cache-control"), Some("no-cache"));
        let again = app.send(reqwest::Method::GET, "/v1/public/plans", Some(&app.keys.pk), None,
            &[("if-none-match", etag.as_str())]).await;
        assert_eq!(again.status, 304);
        assert!(again.text.is_empty());
        assert_eq!(again.header("etag"), Some(etag.as_str()));
        // The same bytes a second time.
        let second = app.get_as(&app.keys.pk, "/v1/public/plans").await;
        assert_eq!(second.text, first.text);
        // A change through the API shows at once, with another ETag.
        let (other, _) = plan_of(app, "20.00", "month", 1).await;
        let changed = app.send(reqwest::Method::GET, "/v1/public/plans", Some(&app.keys.pk), None,
            &[("if-none-match", etag.as_str())]).await;
        assert_eq!(changed.status, 200);
        assert_eq!(changed.body["data"].as_array().unwrap().len(), 2);
        assert_eq!(changed.body["data"][1]["id"], other.as_str());
        assert_ne!(changed.header("etag"), Some(etag.as_str()));
        // Unpublishing a plan too.
        ok(app.patch(&format!("/v1/plans/{other}"), json!({"published": false})).await);
        let after = app.get_as(&app.keys.pk, "/v1/public/plans").await;
        assert_eq!(after.body["data"].as_array().unwrap().len(), 1, "{}", after.text);
        // A picked selection is kept on its own.
        let picked = app.get_as(&app.keys.pk, &format!("/v1/public/plans?plans={plan}")).await;
        assert_eq!(picked.body["data"].as_array().unwrap().len(), 1);
        // The other mode and another merchant never see these answers.
        let live = app.get_as(app.keys.live_pk.as_deref().unwrap(), "/v1/public/plans").await;
        assert_eq!(live.body["data"], json!([]), "{}", live.text);
    }

    async fn a_catalog_change_made_by_another_process_shows_within_the_recheck_interval(app) {
        let (plan, _) = plan_of(app, "10.00", "month", 1).await;
        let first = app.get_as(&app.keys.pk, "/v1/public/plans").await;
        assert_eq!(first.body["data"][0]["name"], "Pro 10.00");
        // Another process renames the plan: the server learns it from the
        // merchant's answer version.
        let scope = test_scope(app);
        let mut p = plans::get_plan(app.db(), &scope, &plan).await.unwrap().unwrap();
        p.name = "Pro, renamed".to_owned();
        plans::update_plan(app.db(), &scope, &p).await.unwrap();
        eventually(RECHECK * 3, "the rename showing", || async {
            app.get_as(&app.keys.pk, "/v1/public/plans").await.body["data"][0]["name"] == "Pro, renamed"
        }).await;
    }

    async fn a_key_revoked_from_the_command_line_stops_working_within_the_recheck_interval(app) {
        assert_eq!(app.get_as(&app.keys.pk, "/v1/public/plans").await.status, 200);
        assert!(merchants::revoke_key(app.db(), &app.keys.pk).await.unwrap());
        eventually(RECHECK * 3, "the revoked key refused", || async {
            app.get_as(&app.keys.pk, "/v1/public/plans").await.status == 401
        }).await;
    }
}
