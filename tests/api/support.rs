//! The test support itself: a scenario that panics still stops its server and
//! removes its database (the SQLite file, or the PostgreSQL database).

use renewly_tests::Backend;

use super::*;

/// Starts an app on `backend`, panics while it runs, and answers its database URL.
fn panic_with_a_running_app(backend: Backend) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    let outcome = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let app = TestApp::start(backend).await;
            let r = app.get("/v1/products").await;
            assert_eq!(r.status, 200, "{}", r.text);
            tx.send(app.database_url.clone()).unwrap();
            panic!("a deliberate failure, to check the cleanup after it");
        })
    })
    .join();
    assert!(outcome.is_err(), "the scenario panicked");
    rx.recv().unwrap()
}

#[test]
fn a_panicking_sqlite_scenario_leaves_no_file_behind() {
    let url = panic_with_a_running_app(Backend::Sqlite);
    let path = url.strip_prefix("sqlite://").unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{path}{suffix}");
        assert!(!std::path::Path::new(&file).exists(), "{file} is left");
    }
}

#[test]
fn a_panicking_postgres_scenario_leaves_no_database_behind() {
    let url = panic_with_a_running_app(Backend::Postgres);
    let (admin, name) = url.rsplit_once('/').unwrap();
    assert!(name.starts_with("renewly_t_"), "{url}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let left: i64 = runtime.block_on(async {
        use sqlx::Connection;
        let admin_url =
            std::env::var("RENEWLY_TEST_PG_URL").unwrap_or_else(|_| format!("{admin}/postgres"));
        let mut conn = sqlx::PgConnection::connect(&admin_url).await.unwrap();
        sqlx::query_scalar("SELECT COUNT(*) FROM pg_database WHERE datname = $1")
            .bind(name)
            .fetch_one(&mut conn)
            .await
            .unwrap()
    });
    assert_eq!(left, 0, "{name} is left");
}
