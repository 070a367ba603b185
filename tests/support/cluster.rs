//! A private PostgreSQL cluster for one test: made with Debian's server binaries
//! in a temp folder, listening on a free loopback port, so a test can stop and
//! restart the database under a running worker without touching the shared
//! server. Run as the `postgres` user when the test runs as root (the server
//! refuses root).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A running private cluster; dropping it stops it and removes its files.
pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl Cluster {
    /// The folder of the newest installed server binaries (`initdb`, `pg_ctl`),
    /// if any.
    pub fn binaries() -> Option<PathBuf> {
        let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| {
                let e = e.ok()?;
                let version = e.file_name().to_str()?.parse().ok()?;
                let bin = e.path().join("bin");
                (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file())
                    .then_some((version, bin))
            })
            .collect();
        found.sort();
        found.pop().map(|(_, bin)| bin)
    }

    /// Makes and starts a cluster with the binaries in `bin`.
    pub fn start(bin: &Path) -> Self {
        // The server refuses to run as root: the postgres user runs it then.
        let as_postgres = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
        let dir = std::env::temp_dir().join(format!("renewly-pg-{}", crate::unique()));
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let cluster = Self {
            bin: bin.to_owned(),
            dir,
            port,
            as_postgres,
        };
        let dir = cluster.dir.display().to_string();
        cluster.run("mkdir", &["-p", &dir]);
        cluster.run(
            &cluster.tool("initdb"),
            &[
                "-D",
                &cluster.data(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        );
        let settings = format!(
            "\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{dir}'\n"
        );
        let conf = cluster.dir.join("data/postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).expect("postgresql.conf");
        text.push_str(&settings);
        std::fs::write(&conf, text).expect("postgresql.conf written");
        cluster.start_again();
        cluster
    }

    /// The admin URL (database `postgres`, user `postgres`).
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server at once, as a crash would (`pg_ctl stop -m immediate`):
    /// no checkpoint, every connection cut; the next start recovers from the WAL.
    pub fn stop_immediately(&self) {
        let data = self.data();
        self.run(
            &self.tool("pg_ctl"),
            &["-D", &data, "-m", "immediate", "stop"],
        );
    }

    /// Starts the server and waits until it accepts connections.
    pub fn start_again(&self) {
        let (data, log) = (self.data(), self.dir.join("log").display().to_string());
        self.run(
            &self.tool("pg_ctl"),
            &["-D", &data, "-l", &log, "-w", "-t", "120", "start"],
        );
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    fn tool(&self, name: &str) -> String {
        self.bin.join(name).display().to_string()
    }

    /// Runs a program (as the postgres user when needed); panics when it fails.
    fn run(&self, program: &str, args: &[&str]) {
        let output = self
            .command(program, args)
            .output()
            .expect("program started");
        assert!(
            output.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn command(&self, program: &str, args: &[&str]) -> Command {
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", program]).args(args);
            c
        } else {
            let mut c = Command::new(program);
            c.args(args);
            c
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self
            .command(
                &self.tool("pg_ctl"),
                &["-D", &data, "-m", "immediate", "stop"],
            )
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
