//! The conformance suite every [`KvStore`] backend must pass, plus shared scenario helpers.

use std::collections::BTreeMap;
use std::thread::sleep;
use std::time::Duration;

use ntopng_store::{KeyType, KvStore, Ttl};

use super::{expect_err, kind, Rng};

fn v(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn s(x: &str) -> Option<String> {
    Some(x.to_string())
}

/// Runs every check on `store` (which it flushes first). Takes a bit over one second (TTL expiry).
pub fn conformance(store: &dyn KvStore) {
    store.flush().unwrap();
    assert_eq!(store.keys("*").unwrap(), Vec::<String>::new());
    assert_eq!(store.info().keys, 0);

    strings(store);
    counters(store);
    renames(store);
    hashes(store);
    lists(store);
    sets(store);
    any_type(store);
    globs(store);
    dumps(store);
    ttls(store); // sleeps
    info_and_flush(store);
}

fn strings(st: &dyn KvStore) {
    assert_eq!(st.get("str.missing").unwrap(), None);
    assert!(!st.exists("str.missing").unwrap());
    assert_eq!(st.key_type("str.missing").unwrap(), None);

    st.set("str.a", "1", None).unwrap();
    assert_eq!(st.get("str.a").unwrap(), s("1"));
    st.set("str.a", "two", None).unwrap();
    assert_eq!(st.get("str.a").unwrap(), s("two"));
    assert!(st.exists("str.a").unwrap());
    assert_eq!(st.key_type("str.a").unwrap(), Some(KeyType::String));

    // odd values survive as they are
    for val in ["", " spaced ", "line\nbreak\r\n", "quote\"s and \\ back", "ünïcødé ✓ 日本", "{\"json\":[1,2]}"]
    {
        st.set("str.odd", val, None).unwrap();
        assert_eq!(st.get("str.odd").unwrap().as_deref(), Some(val));
    }
    let big = "x".repeat(200_000);
    st.set("str.big", &big, None).unwrap();
    assert_eq!(st.get("str.big").unwrap().as_deref(), Some(big.as_str()));
    // keys with odd characters
    st.set("key with spaces\nand newline", "v", None).unwrap();
    assert_eq!(st.get("key with spaces\nand newline").unwrap(), s("v"));

    // SET replaces a value of any type
    st.hset("str.was_hash", "f", "v").unwrap();
    st.set("str.was_hash", "now a string", None).unwrap();
    assert_eq!(st.key_type("str.was_hash").unwrap(), Some(KeyType::String));
    assert_eq!(st.get("str.was_hash").unwrap(), s("now a string"));

    // SETNX
    assert!(st.setnx("str.nx", "first", None).unwrap());
    assert!(!st.setnx("str.nx", "second", None).unwrap());
    assert_eq!(st.get("str.nx").unwrap(), s("first"));
    st.rpush("str.nx_list", "x").unwrap();
    assert!(!st.setnx("str.nx_list", "v", None).unwrap(), "setnx on a key of another type");
    assert_eq!(st.key_type("str.nx_list").unwrap(), Some(KeyType::List));

    // DEL
    assert!(st.del("str.a").unwrap());
    assert!(!st.del("str.a").unwrap());
    assert_eq!(st.get("str.a").unwrap(), None);

    // GET on another type
    st.sadd("str.set", "m").unwrap();
    expect_err(st.get("str.set"), "WrongType");
    expect_err(st.get("str.nx_list"), "WrongType");

    // a zero TTL is refused by both backends (ntopng's "0 = no expiry" is the caller's business)
    expect_err(st.set("str.zero_ttl", "v", Some(Duration::ZERO)), "InvalidArgument");
    expect_err(st.setnx("str.zero_ttl", "v", Some(Duration::ZERO)), "InvalidArgument");
    assert!(!st.exists("str.zero_ttl").unwrap());
}

fn counters(st: &dyn KvStore) {
    assert_eq!(st.incr("cnt.missing").unwrap(), 1);
    assert_eq!(st.incr("cnt.missing").unwrap(), 2);
    assert_eq!(st.get("cnt.missing").unwrap(), s("2"));
    assert_eq!(st.incr_by("cnt.missing", 10).unwrap(), 12);
    assert_eq!(st.incr_by("cnt.missing", -20).unwrap(), -8);
    assert_eq!(st.incr_by("cnt.b", 0).unwrap(), 0);
    assert_eq!(st.get("cnt.b").unwrap(), s("0"));

    st.set("cnt.neg", "-7", None).unwrap();
    assert_eq!(st.incr("cnt.neg").unwrap(), -6);

    // INCR accepts only canonical integers
    for bad in ["abc", "1.5", " 1", "1 ", "+1", "007", "-0", "", "1e3", "99999999999999999999"] {
        st.set("cnt.bad", bad, None).unwrap();
        expect_err(st.incr("cnt.bad"), "NotInteger");
        assert_eq!(st.get("cnt.bad").unwrap().as_deref(), Some(bad), "a failed INCR leaves the value");
    }

    st.set("cnt.max", &i64::MAX.to_string(), None).unwrap();
    expect_err(st.incr("cnt.max"), "Overflow");
    assert_eq!(st.get("cnt.max").unwrap(), s(&i64::MAX.to_string()));
    st.set("cnt.min", &i64::MIN.to_string(), None).unwrap();
    expect_err(st.incr_by("cnt.min", -1), "Overflow");
    assert_eq!(st.incr_by("cnt.min", i64::MAX).unwrap(), -1);
    assert_eq!(st.incr_by("cnt.zero", i64::MIN).unwrap(), i64::MIN);

    st.hset("cnt.hash", "f", "1").unwrap();
    expect_err(st.incr("cnt.hash"), "WrongType");
    st.lpush("cnt.list", "1").unwrap();
    expect_err(st.incr_by("cnt.list", 5), "WrongType");
}

fn renames(st: &dyn KvStore) {
    expect_err(st.rename("ren.missing", "ren.x"), "NoSuchKey");
    assert!(!st.exists("ren.x").unwrap());

    st.set("ren.a", "A", None).unwrap();
    st.rename("ren.a", "ren.b").unwrap();
    assert_eq!(st.get("ren.a").unwrap(), None);
    assert_eq!(st.get("ren.b").unwrap(), s("A"));

    // onto an existing key of another type: replaced
    st.rpush("ren.list", "1").unwrap();
    st.rpush("ren.list", "2").unwrap();
    st.rename("ren.list", "ren.b").unwrap();
    assert_eq!(st.key_type("ren.b").unwrap(), Some(KeyType::List));
    assert_eq!(st.lrange("ren.b", 0, -1).unwrap(), v(&["1", "2"]));
    assert!(!st.exists("ren.list").unwrap());

    // onto itself: nothing changes
    st.rename("ren.b", "ren.b").unwrap();
    assert_eq!(st.lrange("ren.b", 0, -1).unwrap(), v(&["1", "2"]));

    // the TTL moves with the value; the target's own TTL is gone
    st.set("ren.ttl", "t", Some(Duration::from_secs(100))).unwrap();
    st.set("ren.target", "old", Some(Duration::from_secs(500))).unwrap();
    st.rename("ren.ttl", "ren.target").unwrap();
    match st.ttl("ren.target").unwrap() {
        Ttl::Expires(d) => assert!(d <= Duration::from_secs(100) && d > Duration::from_secs(90), "{d:?}"),
        other => panic!("TTL not moved: {other:?}"),
    }
    st.set("ren.plain", "p", None).unwrap();
    st.rename("ren.plain", "ren.target").unwrap();
    assert_eq!(st.ttl("ren.target").unwrap(), Ttl::Persistent);
    assert_eq!(st.ttl("ren.ttl").unwrap(), Ttl::Missing);
}

fn hashes(st: &dyn KvStore) {
    let k = "ntopng.user.admin";
    assert_eq!(st.hget(k, "password").unwrap(), None);
    assert_eq!(st.hkeys(k).unwrap(), Vec::<String>::new());
    assert!(st.hgetall(k).unwrap().is_empty());
    assert!(!st.hdel(k, "password").unwrap());

    assert!(st.hset(k, "password", "21232f297a57a5a743894a0e4a801fc3").unwrap());
    assert!(st.hset(k, "full_name", "ntopng Administrator").unwrap());
    assert!(st.hset(k, "group", "administrator").unwrap());
    assert!(!st.hset(k, "full_name", "Admin").unwrap(), "existing field");
    assert_eq!(st.hget(k, "full_name").unwrap(), s("Admin"));
    assert_eq!(st.hget(k, "nope").unwrap(), None);
    assert_eq!(st.hkeys(k).unwrap(), v(&["full_name", "group", "password"]));
    let all = st.hgetall(k).unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all["group"], "administrator");
    assert_eq!(st.key_type(k).unwrap(), Some(KeyType::Hash));

    assert!(st.hdel(k, "group").unwrap());
    assert!(!st.hdel(k, "group").unwrap());
    assert!(st.hset(k, "", "empty field name").unwrap());
    assert_eq!(st.hget(k, "").unwrap(), s("empty field name"));
    assert!(st.hset(k, "empty value", "").unwrap());
    assert_eq!(st.hget(k, "empty value").unwrap(), s(""));

    // removing the last field removes the key
    st.hset("hash.one", "f", "v").unwrap();
    assert!(st.hdel("hash.one", "f").unwrap());
    assert!(!st.exists("hash.one").unwrap());
    assert_eq!(st.key_type("hash.one").unwrap(), None);

    st.set("hash.str", "x", None).unwrap();
    expect_err(st.hget("hash.str", "f"), "WrongType");
    expect_err(st.hset("hash.str", "f", "v"), "WrongType");
    expect_err(st.hdel("hash.str", "f"), "WrongType");
    expect_err(st.hkeys("hash.str"), "WrongType");
    expect_err(st.hgetall("hash.str"), "WrongType");
    assert_eq!(st.get("hash.str").unwrap(), s("x"));
}

fn lists(st: &dyn KvStore) {
    let k = "list.a";
    assert_eq!(st.llen(k).unwrap(), 0);
    assert_eq!(st.lrange(k, 0, -1).unwrap(), Vec::<String>::new());
    assert_eq!(st.lindex(k, 0).unwrap(), None);
    assert_eq!(st.lpop(k).unwrap(), None);
    assert_eq!(st.rpop(k).unwrap(), None);
    assert_eq!(st.lrem(k, 0, "x").unwrap(), 0);
    st.ltrim(k, 0, 1).unwrap();
    assert!(!st.exists(k).unwrap());

    assert_eq!(st.rpush(k, "b").unwrap(), 1);
    assert_eq!(st.rpush(k, "c").unwrap(), 2);
    assert_eq!(st.lpush(k, "a").unwrap(), 3);
    assert_eq!(st.rpush(k, "d").unwrap(), 4);
    assert_eq!(st.llen(k).unwrap(), 4);
    assert_eq!(st.key_type(k).unwrap(), Some(KeyType::List));

    // LRANGE indices
    assert_eq!(st.lrange(k, 0, -1).unwrap(), v(&["a", "b", "c", "d"]));
    assert_eq!(st.lrange(k, 1, 2).unwrap(), v(&["b", "c"]));
    assert_eq!(st.lrange(k, -2, -1).unwrap(), v(&["c", "d"]));
    assert_eq!(st.lrange(k, -100, 1).unwrap(), v(&["a", "b"]));
    assert_eq!(st.lrange(k, 2, 100).unwrap(), v(&["c", "d"]));
    assert_eq!(st.lrange(k, 3, 1).unwrap(), Vec::<String>::new());
    assert_eq!(st.lrange(k, 4, 10).unwrap(), Vec::<String>::new());
    assert_eq!(st.lrange(k, 0, -5).unwrap(), Vec::<String>::new());
    assert_eq!(st.lrange(k, -1, -2).unwrap(), Vec::<String>::new());
    assert_eq!(st.lrange(k, i64::MIN, i64::MAX).unwrap(), v(&["a", "b", "c", "d"]));

    // LINDEX
    assert_eq!(st.lindex(k, 0).unwrap(), s("a"));
    assert_eq!(st.lindex(k, 3).unwrap(), s("d"));
    assert_eq!(st.lindex(k, -1).unwrap(), s("d"));
    assert_eq!(st.lindex(k, -4).unwrap(), s("a"));
    assert_eq!(st.lindex(k, 4).unwrap(), None);
    assert_eq!(st.lindex(k, -5).unwrap(), None);

    // POP; the last pop removes the key
    assert_eq!(st.lpop(k).unwrap(), s("a"));
    assert_eq!(st.rpop(k).unwrap(), s("d"));
    assert_eq!(st.lpop(k).unwrap(), s("b"));
    assert_eq!(st.rpop(k).unwrap(), s("c"));
    assert_eq!(st.rpop(k).unwrap(), None);
    assert!(!st.exists(k).unwrap());

    // LREM counts
    let fill = |st: &dyn KvStore| {
        st.del("list.r").unwrap();
        for x in ["a", "b", "a", "c", "a", "b", "a"] {
            st.rpush("list.r", x).unwrap();
        }
    };
    fill(st);
    assert_eq!(st.lrem("list.r", 2, "a").unwrap(), 2);
    assert_eq!(st.lrange("list.r", 0, -1).unwrap(), v(&["b", "c", "a", "b", "a"]));
    assert_eq!(st.lrem("list.r", -1, "a").unwrap(), 1);
    assert_eq!(st.lrange("list.r", 0, -1).unwrap(), v(&["b", "c", "a", "b"]));
    assert_eq!(st.lrem("list.r", 0, "b").unwrap(), 2);
    assert_eq!(st.lrange("list.r", 0, -1).unwrap(), v(&["c", "a"]));
    assert_eq!(st.lrem("list.r", 1, "zzz").unwrap(), 0);
    fill(st);
    assert_eq!(st.lrem("list.r", -3, "a").unwrap(), 3);
    assert_eq!(st.lrange("list.r", 0, -1).unwrap(), v(&["a", "b", "c", "b"]));
    fill(st);
    assert_eq!(st.lrem("list.r", 100, "a").unwrap(), 4);
    assert_eq!(st.lrem("list.r", i64::MIN, "b").unwrap(), 2);
    assert_eq!(st.lrange("list.r", 0, -1).unwrap(), v(&["c"]));
    assert_eq!(st.lrem("list.r", 0, "c").unwrap(), 1);
    assert!(!st.exists("list.r").unwrap(), "LREM of the last element removes the key");

    // LTRIM
    let fill10 = |st: &dyn KvStore| {
        st.del("list.t").unwrap();
        for i in 0..10 {
            st.rpush("list.t", &i.to_string()).unwrap();
        }
    };
    fill10(st);
    st.ltrim("list.t", 2, -3).unwrap();
    assert_eq!(st.lrange("list.t", 0, -1).unwrap(), v(&["2", "3", "4", "5", "6", "7"]));
    st.ltrim("list.t", -100, 100).unwrap();
    assert_eq!(st.llen("list.t").unwrap(), 6);
    st.ltrim("list.t", -2, -1).unwrap();
    assert_eq!(st.lrange("list.t", 0, -1).unwrap(), v(&["6", "7"]));
    st.ltrim("list.t", 100, 200).unwrap();
    assert!(!st.exists("list.t").unwrap(), "LTRIM out of range empties and removes the list");
    fill10(st);
    st.ltrim("list.t", 5, 2).unwrap();
    assert!(!st.exists("list.t").unwrap(), "LTRIM start > stop removes the list");
    fill10(st);
    st.ltrim("list.t", 0, 0).unwrap();
    assert_eq!(st.lrange("list.t", 0, -1).unwrap(), v(&["0"]));
    fill10(st);
    st.ltrim("list.t", 0, -11).unwrap();
    assert!(!st.exists("list.t").unwrap());
    // ntopng's capped queues: lpush + ltrim 0 N-1
    for i in 0..20 {
        st.lpush("list.cap", &i.to_string()).unwrap();
        st.ltrim("list.cap", 0, 4).unwrap();
    }
    assert_eq!(st.lrange("list.cap", 0, -1).unwrap(), v(&["19", "18", "17", "16", "15"]));

    // wrong types
    st.set("list.str", "x", None).unwrap();
    expect_err(st.lpush("list.str", "v"), "WrongType");
    expect_err(st.rpush("list.str", "v"), "WrongType");
    expect_err(st.lpop("list.str"), "WrongType");
    expect_err(st.rpop("list.str"), "WrongType");
    expect_err(st.lrem("list.str", 0, "x"), "WrongType");
    expect_err(st.ltrim("list.str", 0, 1), "WrongType");
    expect_err(st.lrange("list.str", 0, -1), "WrongType");
    expect_err(st.llen("list.str"), "WrongType");
    expect_err(st.lindex("list.str", 0), "WrongType");
    st.hset("list.hash", "f", "v").unwrap();
    expect_err(st.lpush("list.hash", "v"), "WrongType");
}

fn sets(st: &dyn KvStore) {
    let k = "set.a";
    assert_eq!(st.smembers(k).unwrap(), Vec::<String>::new());
    assert!(!st.sismember(k, "x").unwrap());
    assert!(!st.srem(k, "x").unwrap());

    assert!(st.sadd(k, "b").unwrap());
    assert!(st.sadd(k, "a").unwrap());
    assert!(!st.sadd(k, "b").unwrap());
    assert!(st.sadd(k, "").unwrap());
    assert_eq!(st.smembers(k).unwrap(), v(&["", "a", "b"]));
    assert!(st.sismember(k, "a").unwrap());
    assert!(!st.sismember(k, "c").unwrap());
    assert_eq!(st.key_type(k).unwrap(), Some(KeyType::Set));
    assert!(st.srem(k, "a").unwrap());
    assert!(!st.srem(k, "a").unwrap());
    assert!(st.srem(k, "").unwrap());
    assert!(st.srem(k, "b").unwrap());
    assert!(!st.exists(k).unwrap(), "SREM of the last member removes the key");

    st.set("set.str", "x", None).unwrap();
    expect_err(st.sadd("set.str", "m"), "WrongType");
    expect_err(st.srem("set.str", "m"), "WrongType");
    expect_err(st.sismember("set.str", "m"), "WrongType");
    expect_err(st.smembers("set.str"), "WrongType");
}

/// DEL, EXISTS, TYPE, TTL, EXPIRE, PERSIST, DUMP work on every type.
fn any_type(st: &dyn KvStore) {
    st.set("any.s", "v", None).unwrap();
    st.hset("any.h", "f", "v").unwrap();
    st.rpush("any.l", "v").unwrap();
    st.sadd("any.z", "v").unwrap();
    for (k, t) in
        [("any.s", KeyType::String), ("any.h", KeyType::Hash), ("any.l", KeyType::List), ("any.z", KeyType::Set)]
    {
        assert_eq!(st.key_type(k).unwrap(), Some(t));
        assert!(st.exists(k).unwrap());
        assert_eq!(st.ttl(k).unwrap(), Ttl::Persistent);
        assert!(st.expire(k, Duration::from_secs(100)).unwrap());
        assert!(matches!(st.ttl(k).unwrap(), Ttl::Expires(_)));
        assert!(st.persist(k).unwrap());
        assert!(!st.persist(k).unwrap());
        assert!(st.dump(k).unwrap().is_some());
        assert!(st.del(k).unwrap());
        assert!(!st.exists(k).unwrap());
    }
}

/// Keys for the glob checks (also used by the cross-backend glob comparison).
pub const GLOB_KEYS: &[&str] = &[
    "g:hello",
    "g:hallo",
    "g:hillo",
    "g:hbllo",
    "g:hllo",
    "g:heeello",
    "g:a*b",
    "g:a?b",
    "g:a[b",
    "g:a]b",
    "g:a\\b",
    "g:a-b",
    "g:axb",
    "g:ab",
    "g:^x",
    "g:ünï",
    "ntopng.prefs.a",
    "ntopng.prefs.bb",
    "ntopng.user.admin.x",
    "ntopng.cache.x",
];

/// Patterns for the cross-backend glob comparison, odd ones included.
pub const GLOB_PATTERNS: &[&str] = &[
    "*",
    "g:*",
    "ntopng.prefs.*",
    "ntopng.*.x",
    "ntopng.user.?dmin*",
    "g:h?llo",
    "g:h*llo",
    "g:h[ae]llo",
    "g:h[^e]llo",
    "g:h[a-b]llo",
    "g:h[b-a]llo",
    "g:h[a-bi]llo",
    "g:a\\*b",
    "g:a\\?b",
    "g:a\\[b",
    "g:a\\\\b",
    "g:a]b",
    "g:a[]]b",
    "g:a[\\]]b",
    "g:a[-]b",
    "g:a[x-]b",
    "g:a[]b",
    "g:a[^]b",
    "g:a[b",
    "g:a[*",
    "g:a\\",
    "g:a?",
    "g:??",
    "g:???",
    "g:a*",
    "g:*b",
    "g:**b",
    "g:[^a-h]*",
    "g:[\\^]x",
    "g:[!a]*",
    "g:ü*",
    "g:??n?",
    "*x",
    "nomatch*",
    "",
];

fn globs(st: &dyn KvStore) {
    for k in GLOB_KEYS {
        st.set(k, "1", None).unwrap();
    }
    let keys = |p: &str| st.keys(p).unwrap();
    assert_eq!(keys("ntopng.prefs.*"), v(&["ntopng.prefs.a", "ntopng.prefs.bb"]));
    assert_eq!(keys("ntopng.*.x"), v(&["ntopng.cache.x", "ntopng.user.admin.x"]));
    assert_eq!(keys("g:h?llo"), v(&["g:hallo", "g:hbllo", "g:hello", "g:hillo"]));
    assert_eq!(keys("g:h*llo"), v(&["g:hallo", "g:hbllo", "g:heeello", "g:hello", "g:hillo", "g:hllo"]));
    assert_eq!(keys("g:h[ae]llo"), v(&["g:hallo", "g:hello"]));
    assert_eq!(keys("g:h[^e]llo"), v(&["g:hallo", "g:hbllo", "g:hillo"]));
    assert_eq!(keys("g:h[a-b]llo"), v(&["g:hallo", "g:hbllo"]));
    assert_eq!(keys("g:h[b-a]llo"), v(&["g:hallo", "g:hbllo"]));
    assert_eq!(keys("g:a\\*b"), v(&["g:a*b"]));
    assert_eq!(keys("g:a\\?b"), v(&["g:a?b"]));
    assert_eq!(keys("g:a\\[b"), v(&["g:a[b"]));
    assert_eq!(keys("g:a\\\\b"), v(&["g:a\\b"]));
    assert_eq!(keys("g:a?b"), v(&["g:a*b", "g:a-b", "g:a?b", "g:a[b", "g:a\\b", "g:a]b", "g:axb"]));
    assert_eq!(keys("g:a[\\]]b"), v(&["g:a]b"]));
    assert_eq!(keys("nomatch*"), Vec::<String>::new());
    assert_eq!(keys("g:ab"), v(&["g:ab"]));
    assert_eq!(keys("*").len(), st.info().keys as usize);
    for k in GLOB_KEYS {
        st.del(k).unwrap();
    }
}

fn dumps(st: &dyn KvStore) {
    assert_eq!(st.dump("dump.missing").unwrap(), None);

    st.set("dump.s", "string ✓\n", None).unwrap();
    st.hset("dump.h", "a", "1").unwrap();
    st.hset("dump.h", "b", "2").unwrap();
    for x in ["3", "1", "2", "1"] {
        st.rpush("dump.l", x).unwrap();
    }
    st.sadd("dump.z", "m1").unwrap();
    st.sadd("dump.z", "m2").unwrap();
    st.set("dump.i", "12345", None).unwrap(); // Redis stores it as an integer: a different encoding

    for k in ["dump.s", "dump.h", "dump.l", "dump.z", "dump.i"] {
        let before = super::snapshot_key(st, k);
        let blob = st.dump(k).unwrap().expect("dump of an existing key");
        let copy = format!("{k}.copy");
        st.restore(&copy, &blob, None, false).unwrap();
        assert_eq!(super::snapshot_key(st, &copy), before, "{k}");
        assert_eq!(st.ttl(&copy).unwrap(), Ttl::Persistent);
        // onto an existing key: refused without replace, done with it
        expect_err(st.restore(&copy, &blob, None, false), "KeyExists");
        st.set("dump.target", "other type", None).unwrap();
        st.restore("dump.target", &blob, Some(Duration::from_secs(60)), true).unwrap();
        let replaced = super::snapshot_key(st, "dump.target").map(|x| (x.ty, x.content));
        assert_eq!(replaced, before.clone().map(|x| (x.ty, x.content)), "{k} restored with replace");
        assert!(matches!(st.ttl("dump.target").unwrap(), Ttl::Expires(d) if d <= Duration::from_secs(60)));
        // and the source is untouched
        assert_eq!(super::snapshot_key(st, k), before);
        st.del(&copy).unwrap();
    }
    expect_err(st.restore("dump.bad", b"not a dump at all", None, false), "BadDump");
    expect_err(st.restore("dump.bad", b"", None, true), "BadDump");
    let mut blob = st.dump("dump.h").unwrap().unwrap();
    let mid = blob.len() / 2;
    blob[mid] ^= 0x55;
    expect_err(st.restore("dump.bad", &blob, None, true), "BadDump");
    assert!(!st.exists("dump.bad").unwrap());
    expect_err(
        st.restore("dump.bad", &st.dump("dump.s").unwrap().unwrap(), Some(Duration::ZERO), true),
        "InvalidArgument",
    );
    for k in ["dump.s", "dump.h", "dump.l", "dump.z", "dump.i", "dump.i.copy", "dump.target"] {
        st.del(k).unwrap();
    }
}

fn ttls(st: &dyn KvStore) {
    let one = Duration::from_secs(1);
    assert_eq!(st.ttl("ttl.missing").unwrap(), Ttl::Missing);
    assert!(!st.expire("ttl.missing", one).unwrap());
    assert!(!st.persist("ttl.missing").unwrap());

    st.set("ttl.s", "v", Some(one)).unwrap();
    match st.ttl("ttl.s").unwrap() {
        Ttl::Expires(d) => assert!(d <= one && d > Duration::from_millis(500), "{d:?}"),
        other => panic!("{other:?}"),
    }
    assert!(st.setnx("ttl.nx", "v", Some(one)).unwrap());
    assert!(!st.setnx("ttl.nx", "v2", Some(Duration::from_secs(100))).unwrap());
    st.hset("ttl.h", "f", "v").unwrap();
    assert!(st.expire("ttl.h", one).unwrap());
    st.hset("ttl.h", "g", "v").unwrap(); // modifying keeps the TTL
    st.rpush("ttl.l", "v").unwrap();
    assert!(st.expire("ttl.l", one).unwrap());
    st.lpush("ttl.l", "w").unwrap();
    st.sadd("ttl.z", "v").unwrap();
    assert!(st.expire("ttl.z", Duration::from_millis(800)).unwrap());
    st.set("ttl.cnt", "5", Some(one)).unwrap();
    assert_eq!(st.incr("ttl.cnt").unwrap(), 6); // INCR keeps the TTL
    assert!(matches!(st.ttl("ttl.cnt").unwrap(), Ttl::Expires(_)));
    // SET without a TTL drops it; PERSIST drops it
    st.set("ttl.reset", "v", Some(one)).unwrap();
    st.set("ttl.reset", "v2", None).unwrap();
    assert_eq!(st.ttl("ttl.reset").unwrap(), Ttl::Persistent);
    st.set("ttl.persist", "v", Some(one)).unwrap();
    assert!(st.persist("ttl.persist").unwrap());
    assert_eq!(st.ttl("ttl.persist").unwrap(), Ttl::Persistent);
    // a longer expire replaces a shorter one
    st.set("ttl.longer", "v", Some(one)).unwrap();
    assert!(st.expire("ttl.longer", Duration::from_secs(100)).unwrap());
    // EXPIRE 0 deletes
    st.set("ttl.zero", "v", None).unwrap();
    assert!(st.expire("ttl.zero", Duration::ZERO).unwrap());
    assert!(!st.exists("ttl.zero").unwrap());
    assert!(!st.expire("ttl.zero", Duration::ZERO).unwrap());

    sleep(Duration::from_millis(1200));

    for k in ["ttl.s", "ttl.nx", "ttl.h", "ttl.l", "ttl.z", "ttl.cnt"] {
        assert!(!st.exists(k).unwrap(), "{k} should have expired");
        assert_eq!(st.ttl(k).unwrap(), Ttl::Missing, "{k}");
        assert_eq!(st.key_type(k).unwrap(), None, "{k}");
        assert_eq!(st.dump(k).unwrap(), None, "{k}");
    }
    assert_eq!(st.get("ttl.s").unwrap(), None);
    assert!(st.hgetall("ttl.h").unwrap().is_empty());
    assert_eq!(st.lrange("ttl.l", 0, -1).unwrap(), Vec::<String>::new());
    assert_eq!(st.smembers("ttl.z").unwrap(), Vec::<String>::new());
    assert_eq!(st.keys("ttl.*").unwrap(), v(&["ttl.longer", "ttl.persist", "ttl.reset"]));
    expect_err(st.rename("ttl.s", "ttl.s2"), "NoSuchKey");
    // an expired key is a missing key for every command
    assert_eq!(st.incr("ttl.cnt").unwrap(), 1);
    assert_eq!(st.ttl("ttl.cnt").unwrap(), Ttl::Persistent);
    assert!(st.setnx("ttl.nx", "again", None).unwrap());
    assert_eq!(st.rpush("ttl.l", "fresh").unwrap(), 1);
    assert_eq!(st.ttl("ttl.l").unwrap(), Ttl::Persistent);
    assert!(!st.del("ttl.s").unwrap());
    for k in ["ttl.longer", "ttl.persist", "ttl.reset", "ttl.cnt", "ttl.nx", "ttl.l"] {
        st.del(k).unwrap();
    }
}

fn info_and_flush(st: &dyn KvStore) {
    st.set("info.a", "1", None).unwrap();
    let info = st.info();
    assert!(info.connected);
    assert_eq!(info.backend, st.backend());
    assert_eq!(info.keys as usize, st.keys("*").unwrap().len());
    assert!(info.keys > 0);
    assert!(info.bytes > 0);
    st.flush().unwrap();
    assert_eq!(st.keys("*").unwrap(), Vec::<String>::new());
    assert_eq!(st.info().keys, 0);
    assert_eq!(st.get("info.a").unwrap(), None);
    st.sync().unwrap();
}

// ---- ntopng-like state for the persistence tests ----

pub const SESSION_KEY: &str = "ntopng.session.abcdef";

/// Writes users, preferences, tokens, a list, a set, and a session that expires after 1 s.
pub fn write_ntopng_state(st: &dyn KvStore) {
    st.hset("ntopng.user.admin", "password", "21232f297a57a5a743894a0e4a801fc3").unwrap();
    st.hset("ntopng.user.admin", "full_name", "ntopng Administrator").unwrap();
    st.hset("ntopng.user.admin", "group", "administrator").unwrap();
    st.hset("ntopng.user.admin", "allowed_nets", "0.0.0.0/0,::/0").unwrap();
    st.hset("ntopng.user.bob", "group", "unprivileged").unwrap();
    st.set("ntopng.prefs.x", "1", None).unwrap();
    st.set("ntopng.prefs.http_port", "3000", None).unwrap();
    st.set("ntopng.prefs.theme", "dark\nmode \"quoted\"", None).unwrap();
    st.incr_by("ntopng.prefs.counter", 41).unwrap();
    st.incr("ntopng.prefs.counter").unwrap();
    st.hset("ntopng.api_tokens", "0123456789abcdef", "admin").unwrap();
    st.hset("ntopng.api_tokens", "fedcba9876543210", "bob").unwrap();
    for i in 0..5 {
        st.rpush("ntopng.alerts.queue", &format!("{{\"alert\":{i}}}")).unwrap();
    }
    st.lpop("ntopng.alerts.queue").unwrap();
    st.sadd("ntopng.prefs.ifaces", "eth0").unwrap();
    st.sadd("ntopng.prefs.ifaces", "eth1").unwrap();
    st.set("ntopng.prefs.temp", "gone", None).unwrap();
    st.del("ntopng.prefs.temp").unwrap();
    st.set(SESSION_KEY, "admin", Some(Duration::from_secs(1))).unwrap();
    st.set("ntopng.cache.long", "stays", Some(Duration::from_secs(3600))).unwrap();
}

/// Checks what [`write_ntopng_state`] wrote; `session_alive` says whether the 1 s session should still be.
pub fn check_ntopng_state(st: &dyn KvStore, session_alive: bool) {
    let admin = st.hgetall("ntopng.user.admin").unwrap();
    let want: BTreeMap<String, String> = [
        ("password", "21232f297a57a5a743894a0e4a801fc3"),
        ("full_name", "ntopng Administrator"),
        ("group", "administrator"),
        ("allowed_nets", "0.0.0.0/0,::/0"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(admin, want);
    assert_eq!(st.hget("ntopng.user.bob", "group").unwrap(), s("unprivileged"));
    assert_eq!(st.get("ntopng.prefs.x").unwrap(), s("1"));
    assert_eq!(st.get("ntopng.prefs.http_port").unwrap(), s("3000"));
    assert_eq!(st.get("ntopng.prefs.theme").unwrap(), s("dark\nmode \"quoted\""));
    assert_eq!(st.get("ntopng.prefs.counter").unwrap(), s("42"));
    assert_eq!(st.hget("ntopng.api_tokens", "0123456789abcdef").unwrap(), s("admin"));
    assert_eq!(st.hkeys("ntopng.api_tokens").unwrap(), v(&["0123456789abcdef", "fedcba9876543210"]));
    assert_eq!(
        st.lrange("ntopng.alerts.queue", 0, -1).unwrap(),
        v(&["{\"alert\":1}", "{\"alert\":2}", "{\"alert\":3}", "{\"alert\":4}"])
    );
    assert_eq!(st.smembers("ntopng.prefs.ifaces").unwrap(), v(&["eth0", "eth1"]));
    assert!(!st.exists("ntopng.prefs.temp").unwrap());
    assert_eq!(st.get(SESSION_KEY).unwrap().is_some(), session_alive, "session key alive?");
    assert_eq!(st.get("ntopng.cache.long").unwrap(), s("stays"));
    assert!(matches!(st.ttl("ntopng.cache.long").unwrap(), Ttl::Expires(d) if d > Duration::from_secs(3500)));
}

// ---- random operations, for cross-backend and restart comparisons ----

/// Runs `n` random operations over a few keys; returns one line per operation describing its outcome
/// (errors by kind only), so two backends given the same seed must return the same lines.
pub fn random_ops(st: &dyn KvStore, rng: &mut Rng, n: usize) -> Vec<String> {
    const KEYS: &[&str] = &["k0", "k1", "k2", "k3", "k4"];
    const VALS: &[&str] = &["a", "b", "c", "1", "-2", "10", "x y", ""];
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let k = rng.pick(KEYS);
        let k2 = rng.pick(KEYS);
        let val = rng.pick(VALS);
        // list and set elements from fewer values, so duplicates (LREM counts) are common
        let elem = rng.pick(&VALS[..3]);
        let i = rng.int(-6, 6);
        let j = rng.int(-6, 6);
        let long = Some(Duration::from_secs(1000));
        let op = rng.below(32);
        let line = match op {
            0 => format!("get {k} {:?}", st.get(k).map_err(|e| kind(&e))),
            1 => format!("set {k} {:?}", st.set(k, val, None).map_err(|e| kind(&e))),
            2 => format!("set+ttl {k} {:?}", st.set(k, val, long).map_err(|e| kind(&e))),
            3 => format!("setnx {k} {:?}", st.setnx(k, val, None).map_err(|e| kind(&e))),
            4 => format!("del {k} {:?}", st.del(k).map_err(|e| kind(&e))),
            5 => format!("rename {k} {k2} {:?}", st.rename(k, k2).map_err(|e| kind(&e))),
            6 => format!("incr_by {k} {i} {:?}", st.incr_by(k, i).map_err(|e| kind(&e))),
            7 => format!("exists {k} {:?}", st.exists(k).map_err(|e| kind(&e))),
            8 => format!("type {k} {:?}", st.key_type(k).map_err(|e| kind(&e))),
            9 => {
                let t = st.ttl(k).map(|t| match t {
                    Ttl::Expires(_) => "expires",
                    Ttl::Persistent => "persistent",
                    Ttl::Missing => "missing",
                });
                format!("ttl {k} {:?}", t.map_err(|e| kind(&e)))
            }
            10 => format!("expire {k} {:?}", st.expire(k, Duration::from_secs(1000)).map_err(|e| kind(&e))),
            11 => format!("persist {k} {:?}", st.persist(k).map_err(|e| kind(&e))),
            12 => format!("hget {k} {:?}", st.hget(k, val).map_err(|e| kind(&e))),
            13 => format!("hset {k} {:?}", st.hset(k, val, rng.pick(VALS)).map_err(|e| kind(&e))),
            14 => format!("hdel {k} {:?}", st.hdel(k, val).map_err(|e| kind(&e))),
            15 => format!("hgetall {k} {:?}", st.hgetall(k).map_err(|e| kind(&e))),
            16 | 29 => format!("lpush {k} {:?}", st.lpush(k, elem).map_err(|e| kind(&e))),
            17 | 18 => format!("rpush {k} {:?}", st.rpush(k, elem).map_err(|e| kind(&e))),
            19 => format!("lpop {k} {:?}", st.lpop(k).map_err(|e| kind(&e))),
            20 => format!("rpop {k} {:?}", st.rpop(k).map_err(|e| kind(&e))),
            21 => format!("lrem {k} {} {:?}", i / 2, st.lrem(k, i / 2, elem).map_err(|e| kind(&e))),
            22 => format!("ltrim {k} {i} {j} {:?}", st.ltrim(k, i, j).map_err(|e| kind(&e))),
            23 => format!("lrange {k} {i} {j} {:?}", st.lrange(k, i, j).map_err(|e| kind(&e))),
            24 => format!("lindex {k} {i} {:?}", st.lindex(k, i).map_err(|e| kind(&e))),
            25 => format!("sadd {k} {:?}", st.sadd(k, elem).map_err(|e| kind(&e))),
            26 => format!("srem {k} {:?}", st.srem(k, elem).map_err(|e| kind(&e))),
            27 => format!("smembers {k} {:?}", st.smembers(k).map_err(|e| kind(&e))),
            28 => {
                let r = st.dump(k).and_then(|d| match d {
                    Some(d) => st.restore(k2, &d, None, rng.below(2) == 0).map(|()| true),
                    None => Ok(false),
                });
                format!("dump {k} restore {k2} {:?}", r.map_err(|e| kind(&e)))
            }
            30 => format!("lrem {k} {} {:?}", i / 3, st.lrem(k, i / 3, elem).map_err(|e| kind(&e))),
            _ => format!("llen {k} {:?}", st.llen(k).map_err(|e| kind(&e))),
        };
        out.push(line);
    }
    out
}
