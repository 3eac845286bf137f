//! Both backends against one conformance suite, against each other, and across restarts.

mod common;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::thread::sleep;
use std::time::Duration;

use common::suite::{self, check_ntopng_state, conformance, write_ntopng_state, GLOB_KEYS, GLOB_PATTERNS};
use common::{expect_err, snapshot, RedisServer, Rng};
use ntopng_store::{
    glob_match, open, EmbeddedOptions, EmbeddedStore, FsyncPolicy, KeyType, KvStore, RedisStore, StoreError, Ttl,
};

fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("kvs-test").tempdir().unwrap()
}

fn journal(dir: &Path) -> std::path::PathBuf {
    dir.join("journal")
}

/// Options that compact often, to exercise compaction in every test that uses them.
fn compacting() -> EmbeddedOptions {
    EmbeddedOptions { fsync: FsyncPolicy::EverySecond, compact_ratio: 2, compact_min_bytes: 2048 }
}

// ---------------------------------------------------------------- conformance

#[test]
fn embedded_conformance() {
    let dir = tempdir();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    conformance(&store);
}

#[test]
fn embedded_conformance_compacting_and_fsync_always() {
    let dir = tempdir();
    let opts = EmbeddedOptions { fsync: FsyncPolicy::Always, ..compacting() };
    let store = EmbeddedStore::open_with(dir.path(), opts).unwrap();
    conformance(&store);
    // what the suite left behind comes back identical
    write_ntopng_state(&store);
    let before = snapshot(&store);
    drop(store);
    let store = EmbeddedStore::open(dir.path()).unwrap();
    assert_eq!(snapshot(&store), before);
}

#[test]
fn redis_conformance() {
    let Some(server) = RedisServer::start("redis_conformance") else { return };
    let store = RedisStore::connect(&server.spec(0)).unwrap();
    assert_eq!(store.backend(), "redis");
    conformance(&store);
}

#[test]
fn redis_conformance_unix_socket_other_db() {
    let Some(server) = RedisServer::start("redis_conformance_unix_socket_other_db") else { return };
    let store = RedisStore::connect(&server.socket_spec(3)).unwrap();
    assert_eq!(store.info().location, format!("{}@3", server.socket.display()));
    conformance(&store);
    // the database index is honoured: db 3 and db 0 are separate
    store.set("only.in.db3", "x", None).unwrap();
    let db0 = RedisStore::connect(&server.spec(0)).unwrap();
    assert_eq!(db0.get("only.in.db3").unwrap(), None);
    let db3_tcp = RedisStore::connect(&server.spec(3)).unwrap();
    assert_eq!(db3_tcp.get("only.in.db3").unwrap().as_deref(), Some("x"));
}

// ---------------------------------------------------------------- the backends agree

#[test]
fn backends_agree_on_random_operations() {
    let Some(server) = RedisServer::start("backends_agree_on_random_operations") else { return };
    let redis = RedisStore::connect(&server.spec(1)).unwrap();
    let dir = tempdir();
    let embedded = EmbeddedStore::open_with(dir.path(), compacting()).unwrap();
    let mut all = Vec::new();
    for seed in 1..=6u64 {
        redis.flush().unwrap();
        embedded.flush().unwrap();
        let a = suite::random_ops(&redis, &mut Rng::new(seed), 1500);
        let b = suite::random_ops(&embedded, &mut Rng::new(seed), 1500);
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            assert_eq!(x, y, "seed {seed}, operation {i}: redis vs embedded");
        }
        assert_eq!(snapshot(&redis), snapshot(&embedded), "seed {seed}: final states differ");
        all.extend(a);
    }
    // the random operations did reach the interesting cases
    for needle in ["WrongType", "NotInteger", "NoSuchKey", "KeyExists", "Ok(Some(", "Ok(None)"] {
        assert!(all.iter().any(|l| l.contains(needle)), "no outcome {needle:?} in the random operations");
    }
    for (op, outcome) in [("lrem", "Ok(2)"), ("ltrim", "Ok(())"), ("incr_by", "Ok(-"), ("lindex", "Ok(Some(")] {
        assert!(all.iter().any(|l| l.starts_with(op) && l.contains(outcome)), "no {op} with outcome {outcome}");
    }
    // and the embedded state comes back identical after a restart
    let before = snapshot(&embedded);
    drop(embedded);
    let embedded = EmbeddedStore::open(dir.path()).unwrap();
    assert_eq!(snapshot(&embedded), before);
}

#[test]
fn backends_agree_on_globs() {
    let Some(server) = RedisServer::start("backends_agree_on_globs") else { return };
    let redis = RedisStore::connect(&server.spec(0)).unwrap();
    let dir = tempdir();
    let embedded = EmbeddedStore::open(dir.path()).unwrap();
    for k in GLOB_KEYS {
        redis.set(k, "1", None).unwrap();
        embedded.set(k, "1", None).unwrap();
    }
    for p in GLOB_PATTERNS {
        let want = redis.keys(p).unwrap();
        assert_eq!(embedded.keys(p).unwrap(), want, "pattern {p:?}");
        // glob_match itself, key by key
        for k in GLOB_KEYS {
            assert_eq!(glob_match(p, k), want.iter().any(|w| w == k), "pattern {p:?} key {k:?}");
        }
    }
}

// ---------------------------------------------------------------- persistence

#[test]
fn embedded_state_survives_restart_and_ttls_expire_across_it() {
    let dir = tempdir();
    {
        let store = EmbeddedStore::open(dir.path()).unwrap();
        write_ntopng_state(&store);
        check_ntopng_state(&store, true);
    }
    {
        let store = EmbeddedStore::open(dir.path()).unwrap();
        check_ntopng_state(&store, true);
        assert!(matches!(store.ttl(suite::SESSION_KEY).unwrap(), Ttl::Expires(d) if d <= Duration::from_secs(1)));
    }
    sleep(Duration::from_millis(1200));
    let store = EmbeddedStore::open(dir.path()).unwrap();
    check_ntopng_state(&store, false);
    assert!(store.keys("ntopng.session.*").unwrap().is_empty());
    // the expired key is gone from the file too (purged at open, so not in the next compaction)
    store.compact().unwrap();
    assert!(!fs::read_to_string(journal(dir.path())).unwrap().contains("ntopng.session."));
}

#[test]
fn redis_state_survives_reconnect_and_ttls_expire() {
    let Some(server) = RedisServer::start("redis_state_survives_reconnect_and_ttls_expire") else { return };
    {
        let store = RedisStore::connect(&server.spec(2)).unwrap();
        write_ntopng_state(&store);
    }
    {
        let store = RedisStore::connect(&server.spec(2)).unwrap();
        check_ntopng_state(&store, true);
    }
    sleep(Duration::from_millis(1200));
    let store = RedisStore::connect(&server.socket_spec(2)).unwrap();
    check_ntopng_state(&store, false);
}

#[test]
fn embedded_replay_sees_expiry_as_it_happened() {
    let dir = tempdir();
    {
        let store = EmbeddedStore::open(dir.path()).unwrap();
        store.set("cnt", "5", Some(Duration::from_millis(300))).unwrap();
        store.rpush("lst", "old").unwrap();
        store.expire("lst", Duration::from_millis(300)).unwrap();
        store.hset("h", "f", "v").unwrap();
        store.expire("h", Duration::from_millis(300)).unwrap();
        sleep(Duration::from_millis(400));
        // each of these finds its key expired, so starts afresh without a TTL
        assert_eq!(store.incr("cnt").unwrap(), 1);
        assert_eq!(store.rpush("lst", "new").unwrap(), 1);
        assert!(store.hset("h", "g", "w").unwrap());
        store.set("short", "s", Some(Duration::from_secs(60))).unwrap();
    }
    let store = EmbeddedStore::open(dir.path()).unwrap();
    assert_eq!(store.get("cnt").unwrap().as_deref(), Some("1"));
    assert_eq!(store.ttl("cnt").unwrap(), Ttl::Persistent);
    assert_eq!(store.lrange("lst", 0, -1).unwrap(), vec!["new".to_string()]);
    assert_eq!(store.hkeys("h").unwrap(), vec!["g".to_string()]);
    assert_eq!(store.ttl("h").unwrap(), Ttl::Persistent);
    assert!(matches!(store.ttl("short").unwrap(), Ttl::Expires(d) if d > Duration::from_secs(55)));
}

#[test]
fn embedded_random_histories_replay_identically() {
    for (seed, opts) in [(11, EmbeddedOptions::default()), (12, compacting()), (13, compacting())] {
        let dir = tempdir();
        let mut rng = Rng::new(seed);
        let mut expected = None;
        for round in 0..5 {
            let store = EmbeddedStore::open_with(dir.path(), opts.clone()).unwrap();
            if let Some(expected) = &expected {
                assert_eq!(&snapshot(&store), expected, "seed {seed}: state after restart {round}");
            }
            suite::random_ops(&store, &mut rng, 800);
            expected = Some(snapshot(&store));
        }
    }
}

#[test]
fn embedded_compaction_keeps_the_journal_small() {
    let dir = tempdir();
    let opts = EmbeddedOptions { compact_min_bytes: 16 * 1024, ..EmbeddedOptions::default() };
    {
        let store = EmbeddedStore::open_with(dir.path(), opts.clone()).unwrap();
        for i in 0..20_000 {
            store.set("ntopng.prefs.flapping", &format!("value number {i}"), None).unwrap();
            store.hset("ntopng.user.admin", "last_seen", &i.to_string()).unwrap();
        }
        let size = fs::metadata(journal(dir.path())).unwrap().len();
        assert!(size < 4 * 16 * 1024 + 1024, "journal not compacted: {size} bytes");
        assert_eq!(store.info().bytes, size);
    }
    let store = EmbeddedStore::open_with(dir.path(), opts).unwrap();
    assert_eq!(store.get("ntopng.prefs.flapping").unwrap().as_deref(), Some("value number 19999"));
    assert_eq!(store.hget("ntopng.user.admin", "last_seen").unwrap().as_deref(), Some("19999"));
}

#[test]
fn embedded_concurrent_writers() {
    let dir = tempdir();
    {
        let store = Arc::new(EmbeddedStore::open_with(dir.path(), compacting()).unwrap());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let store = Arc::clone(&store);
                std::thread::spawn(move || {
                    for i in 0..500 {
                        store.incr("ntopng.cache.hits").unwrap();
                        store.rpush("ntopng.queue", &format!("{t}:{i}")).unwrap();
                        store.sadd("ntopng.members", &format!("{t}")).unwrap();
                        let _ = store.get("ntopng.cache.hits").unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(store.get("ntopng.cache.hits").unwrap().as_deref(), Some("2000"));
    }
    let store = EmbeddedStore::open(dir.path()).unwrap();
    assert_eq!(store.get("ntopng.cache.hits").unwrap().as_deref(), Some("2000"));
    assert_eq!(store.llen("ntopng.queue").unwrap(), 2000);
    assert_eq!(store.smembers("ntopng.members").unwrap().len(), 4);
    // each writer's own elements kept their order
    let queue = store.lrange("ntopng.queue", 0, -1).unwrap();
    for t in 0..4 {
        let mine: Vec<usize> =
            queue.iter().filter_map(|e| e.strip_prefix(&format!("{t}:")).map(|n| n.parse().unwrap())).collect();
        assert_eq!(mine, (0..500).collect::<Vec<_>>());
    }
}

// ---------------------------------------------------------------- damaged files

fn store_with_data(dir: &Path) {
    let store = EmbeddedStore::open(dir).unwrap();
    write_ntopng_state(&store);
    store.set("after", "1", None).unwrap();
}

#[test]
fn embedded_torn_tail_is_ignored() {
    for tail in [
        &b"{\"t\":1,\"op\":{\"set\":[\"torn\",\"val"[..],
        b"garbage\n\0\0\0\0",
        b"\0\0\0\0\0\0",
        b"{\"t\":1,\"op\":\"flush\"}",
    ] {
        let dir = tempdir();
        store_with_data(dir.path());
        let good = fs::read(journal(dir.path())).unwrap();
        fs::OpenOptions::new().append(true).open(journal(dir.path())).unwrap().write_all(tail).unwrap();
        {
            let store = EmbeddedStore::open(dir.path()).unwrap();
            check_ntopng_state(&store, true);
            assert_eq!(store.get("torn").unwrap(), None);
            assert_eq!(store.get("after").unwrap().as_deref(), Some("1"), "an unterminated flush is not replayed");
            assert_eq!(fs::read(journal(dir.path())).unwrap(), good, "the tail is cut off the file");
            store.set("later", "2", None).unwrap();
        }
        let store = EmbeddedStore::open(dir.path()).unwrap();
        check_ntopng_state(&store, true);
        assert_eq!(store.get("later").unwrap().as_deref(), Some("2"));
    }
}

#[test]
fn embedded_cut_header_starts_empty() {
    let dir = tempdir();
    fs::write(journal(dir.path()), b"{\"format\":\"ntopng-st").unwrap();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    assert!(store.keys("*").unwrap().is_empty());
    store.set("k", "v", None).unwrap();
    drop(store);
    assert_eq!(EmbeddedStore::open(dir.path()).unwrap().get("k").unwrap().as_deref(), Some("v"));
}

#[test]
fn embedded_corruption_inside_is_an_error_naming_file_and_line() {
    let dir = tempdir();
    store_with_data(dir.path());
    let path = journal(dir.path());
    let text = fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() > 5);
    lines.insert(3, "{\"t\":1,\"op\":{\"no_such_op\":[]}}");
    let damaged = lines.join("\n") + "\n";
    fs::write(&path, &damaged).unwrap();

    let err = expect_err(EmbeddedStore::open(dir.path()), "Corrupt");
    let msg = err.to_string();
    assert!(matches!(&err, StoreError::Corrupt { line: 4, .. }), "{err:?}");
    assert!(msg.contains(&path.display().to_string()) && msg.contains("line 4"), "{msg}");
    assert_eq!(fs::read_to_string(&path).unwrap(), damaged, "a corrupt journal is left as it is");

    // a garbage line followed by valid ones, in the middle
    lines[3] = "not json at all";
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    let err = expect_err(EmbeddedStore::open(dir.path()), "Corrupt");
    assert!(err.to_string().contains("line 4"), "{err}");

    // a record that does not apply
    lines[3] = "{\"t\":1,\"op\":{\"rename\":[\"no.such.key\",\"x\"]}}";
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    let err = expect_err(EmbeddedStore::open(dir.path()), "Corrupt");
    assert!(err.to_string().contains("does not apply"), "{err}");

    // a foreign file
    fs::write(&path, "hello\nworld\n").unwrap();
    let err = expect_err(EmbeddedStore::open(dir.path()), "Corrupt");
    assert!(err.to_string().contains("line 1"), "{err}");
}

#[test]
fn embedded_directory_is_locked_while_open() {
    let dir = tempdir();
    let a = EmbeddedStore::open(dir.path()).unwrap();
    let err = expect_err(EmbeddedStore::open(dir.path()), "Locked");
    assert!(err.to_string().contains(&dir.path().display().to_string()));
    a.set("k", "v", None).unwrap();
    drop(a);
    let b = EmbeddedStore::open(dir.path()).unwrap();
    assert_eq!(b.get("k").unwrap().as_deref(), Some("v"));
}

#[test]
fn embedded_leftover_tmp_file_is_ignored() {
    let dir = tempdir();
    store_with_data(dir.path());
    fs::write(dir.path().join("journal.tmp"), "half a compaction").unwrap();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    check_ntopng_state(&store, true);
    assert!(!dir.path().join("journal.tmp").exists());
}

// ---------------------------------------------------------------- open() and Redis connections

#[test]
fn open_chooses_the_backend() {
    let dir = tempdir();
    {
        let store = open(None, dir.path()).unwrap();
        assert_eq!(store.backend(), "embedded");
        store.set("ntopng.prefs.x", "1", None).unwrap();
        assert!(dir.path().join("kvstore").join("journal").exists());
    }
    assert_eq!(open(None, dir.path()).unwrap().get("ntopng.prefs.x").unwrap().as_deref(), Some("1"));

    let err = expect_err(open(Some("localhost:notaport"), dir.path()), "BadRedisSpec");
    assert!(err.to_string().contains("notaport"), "{err}");
    // nothing listens on port 1
    let err = expect_err(open(Some("127.0.0.1:1@0"), dir.path()), "Connection");
    assert!(err.to_string().contains("127.0.0.1:1@0"), "{err}");

    let Some(server) = RedisServer::start("open_chooses_the_backend") else { return };
    let store = open(Some(&server.spec(4)), dir.path()).unwrap();
    assert_eq!(store.backend(), "redis");
    assert_eq!(store.get("ntopng.prefs.x").unwrap(), None);
}

#[test]
fn redis_reconnects_after_broken_connections_and_restarts() {
    let Some(mut server) = RedisServer::start("redis_reconnects_after_broken_connections_and_restarts") else {
        return;
    };
    let store = RedisStore::connect(&server.spec(0)).unwrap();
    store.set("k", "v", None).unwrap();

    // the server drops our connection: a read is retried transparently
    assert!(server.raw("CLIENT KILL TYPE normal").starts_with(':'));
    assert_eq!(store.get("k").unwrap().as_deref(), Some("v"));

    // a non-idempotent command is not retried blindly, but the store recovers at once
    server.raw("CLIENT KILL TYPE normal");
    match store.incr("n") {
        Ok(1) => {}
        Err(StoreError::Connection { .. }) => {}
        other => panic!("{other:?}"),
    }
    let n = store.incr("n").unwrap();
    assert!(n == 1 || n == 2, "{n}");

    // the server goes away: clear errors, and info() says so
    server.stop();
    expect_err(store.get("k"), "Connection");
    expect_err(store.incr("n"), "Connection");
    let info = store.info();
    assert!(!info.connected && info.backend == "redis");

    // and comes back (empty: no persistence in the test server): the store works again
    server.restart();
    assert_eq!(store.get("k").unwrap(), None);
    store.set("k", "again", None).unwrap();
    assert_eq!(store.get("k").unwrap().as_deref(), Some("again"));
    assert!(store.info().connected);

    // other Redis types are reported, and are the wrong type for our commands
    assert_eq!(server.raw("ZADD zs 1 a"), ":1");
    assert_eq!(store.key_type("zs").unwrap(), Some(KeyType::Other));
    expect_err(store.get("zs"), "WrongType");
    expect_err(store.lpush("zs", "x"), "WrongType");
    assert!(store.del("zs").unwrap());
}

#[test]
fn redis_password_from_the_spec() {
    let Some(server) = RedisServer::start_with("redis_password_from_the_spec", &["--requirepass", "s3cr:et@x"]) else {
        return;
    };
    // the password may hold ':' and '@'; db after the last '@'
    let spec = format!("127.0.0.1:{}:s3cr:et@x@5", server.port);
    let store = RedisStore::connect(&spec).unwrap();
    assert_eq!(store.spec().db, 5);
    store.set("ntopng.prefs.x", "1", None).unwrap();
    assert!(!store.info().location.contains("s3cr"), "password shown: {}", store.info().location);
    let sock = format!("{}::s3cr:et@x@5", server.socket.display());
    assert_eq!(RedisStore::connect(&sock).unwrap().get("ntopng.prefs.x").unwrap().as_deref(), Some("1"));

    let err = expect_err(RedisStore::connect(&server.spec(5)), "Connection");
    assert!(err.to_string().contains(&server.spec(5)), "{err}");
    expect_err(RedisStore::connect(&format!("127.0.0.1:{}:wrong@5", server.port)), "Connection");
}
