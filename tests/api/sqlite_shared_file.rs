//! Another process on the SQLite file of a running server, as an operator's script, a backup
//! or the sqlite3 shell does it: opening, reading and closing a connection must leave the
//! server's write-ahead log alone, so that what the server wrote stays and it goes on writing.

use std::process::Command;

use crate::user_support::register;
use gatehouse_testkit::spawn_app;

/// Python's sqlite3 module: a SQLite library of its own, in a process of its own.
const COUNT_USERS: &str = "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nprint(c.execute('SELECT count(*) FROM users').fetchone()[0])\nc.close()";

#[tokio::test]
async fn a_reader_in_another_process_leaves_the_servers_log_alone() {
    let app = spawn_app().await;
    let Some(file) =
        app.config.storage.url.strip_prefix("sqlite://").map(|url| url.split('?').next().unwrap().to_string())
    else {
        return; // PostgreSQL: no file shared between processes.
    };
    let wal = format!("{file}-wal");
    for round in 0..3 {
        register(&app, &format!("writer{round}")).await.data();
        let reader = Command::new("python3").args(["-c", COUNT_USERS, &file]).output().expect("python3 runs");
        assert!(reader.status.success(), "{}", String::from_utf8_lossy(&reader.stderr));
        assert_eq!(String::from_utf8_lossy(&reader.stdout).trim(), (round + 1).to_string());
        // The server's connections are open: the log they write to must still be there.
        assert!(std::path::Path::new(&wal).exists(), "round {round}: the reader removed the server's WAL");
        for earlier in 0..=round {
            let login = app.login(&format!("writer{earlier}"), "secret123").await;
            assert!(login.data()["login"]["jwt"].is_string(), "round {round}: {}", login.body);
        }
    }
}
