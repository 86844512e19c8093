//! Helpers for vethkit's end-to-end tests: run a shell script in a fresh
//! sandbox (`tests/sandbox`) with the built commands on `PATH`, and read
//! the kernel's state back through iproute2's JSON output.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

/// The vethkit commands, in the walk-through's order.
pub const COMMANDS: [&str; 8] = [
    "veth-add",
    "netns-exec",
    "br-attach",
    "sysctl-set",
    "nat-masq",
    "netns-reset",
    "vxlan-add",
    "link-shape",
];

/// The directory holding the built vethkit commands (the test binary's
/// `target/<profile>`), built first when the tests run under cargo.
pub fn bin_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Some(cargo) = std::env::var_os("CARGO") {
            let status = Command::new(cargo)
                .args(["build", "--quiet", "--bins"])
                .current_dir(workspace())
                .status()
                .expect("cargo runs");
            assert!(status.success(), "cargo build --bins failed");
        }
        let exe = std::env::current_exe().expect("test binary path");
        let dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>/deps/..")
            .to_path_buf();
        assert!(
            dir.join("veth-add").exists(),
            "no veth-add in {}: run `cargo build` first",
            dir.display()
        );
        dir
    })
}

/// The workspace's top directory.
pub fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
}

/// What a sandboxed script did.
#[derive(Debug)]
pub struct Run {
    /// Exit status (128+signal if killed).
    pub status: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Panics, showing everything, unless the script succeeded.
    pub fn ok(self) -> Self {
        assert_eq!(
            self.status, 0,
            "script failed:\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// The lines of stdout between `=== NAME` and the next `===` line.
    pub fn section(&self, name: &str) -> String {
        let marker = format!("=== {name}");
        let mut lines = self.stdout.lines().skip_while(|line| *line != marker);
        assert!(
            lines.next().is_some(),
            "no section {name} in:\n{}",
            self.stdout
        );
        lines
            .take_while(|line| !line.starts_with("=== "))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A section holding one JSON document.
    pub fn json(&self, name: &str) -> Value {
        let text = self.section(name);
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("section {name} is not JSON ({e}):\n{text}"))
    }
}

/// Runs `script` with `sh -eu` in a fresh sandbox (`tests/sandbox`, or
/// `$VETHKIT_TEST_SANDBOX` when the tests run from a copy, as `tests/as-user` does), the vethkit commands
/// first on `PATH`, and a `section NAME` shell function that prints the
/// marker [`Run::section`] looks for.
pub fn sandbox(script: &str) -> Run {
    let path = format!(
        "{}:{}:/usr/sbin:/sbin",
        bin_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script = format!("section() {{ echo \"=== $1\"; }}\n{DUMP_STATE}\n{script}");
    let sandbox = std::env::var_os("VETHKIT_TEST_SANDBOX")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("tests/sandbox"));
    let output = Command::new(sandbox)
        .args(["sh", "-eu", "-c", &script])
        .env("PATH", path)
        .env_remove("VETHKIT_STATE_DIR")
        .current_dir("/")
        .output()
        .expect("tests/sandbox runs");
    Run {
        status: output.status.code().unwrap_or(128),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Shell functions printing the state of every namespace (the sandbox's
/// own and each named one): `dump_state`, iproute2's view of links,
/// addresses and routes as one JSON object once the kernel has settled it
/// (`vethkit-test-state`), and `dump_sysctls`, sysctl(8)'s view of the
/// `net.` keys, one `NS: key = value` a line.
const DUMP_STATE: &str = r#"
dump_state() { vethkit-test-state; }
dump_sysctls() {
    sysctl -a 2>/dev/null | grep '^net\.' | sed 's/^/: /'
    for ns in $(ip netns list | cut -d' ' -f1); do
        ip netns exec "$ns" sysctl -a 2>/dev/null | grep '^net\.' | sed "s/^/$ns: /"
    done
}
"#;

/// A fake outside, made by hand with `ip`: namespace `outside` holding
/// 203.0.113.1 (TEST-NET-3), reached through the uplink veth (203.0.113.2),
/// the sandbox's default route. It has no route back to the 10.x subnets.
pub const FAKE_OUTSIDE: &str = r#"
ip netns add outside
ip link add uplink type veth peer name wan netns outside
ip addr add 203.0.113.2/24 dev uplink
ip link set uplink up
ip -n outside addr add 203.0.113.1/24 dev wan
ip -n outside link set wan up
ip -n outside link set lo up
ip route add default via 203.0.113.1
"#;

/// Docker's FORWARD policies, as a host with Docker's IPv6 networks has
/// them: DROP for iptables and ip6tables.
pub const DOCKER_STYLE_DROP_BOTH: &str = "iptables -P FORWARD DROP\nip6tables -P FORWARD DROP";

/// Keys whose values differ between two equal setups: indexes, random
/// MACs (and the bridge ids made from them), namespace ids, lifetimes,
/// counters, bridge timers, and the operstate and bridge port state the
/// kernel settles on asynchronously.
const VOLATILE_KEYS: &[&str] = &[
    "ifindex",
    "link_index",
    "address",
    "link_netnsid",
    "operstate",
    "stats",
    "stats64",
    "valid_life_time",
    "preferred_life_time",
    "tentative",
    "gc_timer",
    "hello_timer",
    "tcn_timer",
    "topology_change_timer",
    "hold_timer",
    "message_age_timer",
    "forward_delay_timer",
    "bridge_id",
    "root_id",
    "designated_root",
    "designated_bridge",
    "state",
];

/// Flag words ip derives from the operstate, which the kernel settles asynchronously.
const VOLATILE_FLAGS: &[&str] = &["NO-CARRIER"];

/// The output of `dump_state` without what differs between equal setups
/// (see [`VOLATILE_KEYS`] and [`VOLATILE_FLAGS`]), with each IPv6
/// link-local address turned into the same word (they derive from random
/// MACs, but whether a link has one says whether its IPv6 is on), and
/// without the per-link IPv6 routes (`fe80::/64`, `ff00::/8`, the local
/// route of a link-local address once its DAD is done).
pub fn normalize(state: &Value) -> Value {
    match state {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| !VOLATILE_KEYS.contains(&key.as_str()))
                .map(|(key, value)| match value.as_str() {
                    Some(ip) if key == "local" && ip.starts_with("fe80:") => {
                        (key.clone(), Value::from("fe80::(link-local)"))
                    }
                    _ => (key.clone(), normalize(value)),
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .filter(|item| {
                    !is_link_local_route(item)
                        && !VOLATILE_FLAGS.contains(&item.as_str().unwrap_or_default())
                })
                .map(normalize)
                .collect(),
        ),
        other => other.clone(),
    }
}

fn is_link_local_route(item: &Value) -> bool {
    let dst = item.get("dst").and_then(Value::as_str).unwrap_or_default();
    dst.starts_with("fe80:") || dst == "ff00::/8"
}

/// The journal entries still standing, read straight from the journal's
/// JSON lines (an independent reading of its format): an `amend` line
/// replaces the undo of the entry it names while it stands, a `gone` line
/// removes it.
pub fn journal_standing(journal: &str) -> Vec<Value> {
    let mut standing: Vec<Value> = Vec::new();
    for line in journal.lines() {
        let Ok(value) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if let Some(gone) = value.get("gone") {
            standing.retain(|entry| entry.get("id") != Some(gone));
        } else if let Some(amended) = value.get("amend") {
            let entry = standing
                .iter_mut()
                .find(|entry| entry.get("id") == Some(amended));
            if let Some(entry) = entry {
                entry["undo"] = value["undo"].clone();
            }
        } else {
            standing.push(value);
        }
    }
    standing
}

/// The lines one of `expected` and `actual` has more often than the other,
/// marked `-` and `+`, at most `MAX_DIFF_LINES` of them; when both have the
/// same lines in another order, that is said.
pub fn diff_lines(expected: &str, actual: &str) -> Vec<String> {
    if expected == actual {
        return Vec::new();
    }
    let mut extra: HashMap<&str, i64> = HashMap::new();
    for line in expected.lines() {
        *extra.entry(line).or_default() += 1;
    }
    for line in actual.lines() {
        *extra.entry(line).or_default() -= 1;
    }
    let mut lines = Vec::new();
    for line in expected.lines() {
        let count = extra.get_mut(line).expect("counted");
        if *count > 0 {
            *count -= 1;
            lines.push(format!("- {line}"));
        }
    }
    for line in actual.lines() {
        let count = extra.get_mut(line).expect("counted");
        if *count < 0 {
            *count += 1;
            lines.push(format!("+ {line}"));
        }
    }
    if lines.is_empty() {
        lines.push("(the same lines, in another order)".to_string());
    }
    if lines.len() > MAX_DIFF_LINES {
        let more = lines.len() - MAX_DIFF_LINES;
        lines.truncate(MAX_DIFF_LINES);
        lines.push(format!("... and {more} more"));
    }
    lines
}

/// How many differing lines a failure shows.
const MAX_DIFF_LINES: usize = 40;

/// Asserts that two texts have the same lines, showing those that differ.
pub fn assert_same_lines(expected: &str, actual: &str, what: &str) {
    let differing = diff_lines(expected, actual);
    assert!(
        expected == actual,
        "{what}: they differ (- expected, + actual):\n{}",
        differing.join("\n")
    );
}

/// A kernel state (as `dump_state` prints it, normalized) as one line a
/// value: `ns1.links[veth1].mtu = 1400`, array items named by what they
/// are (their interface, route or address) rather than by position.
pub fn state_lines(state: &Value) -> String {
    let mut lines = Vec::new();
    flatten(&normalize(state), String::new(), &mut lines);
    lines.sort();
    lines.join("\n")
}

fn flatten(value: &Value, path: String, lines: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                let key = if key.is_empty() { "(here)" } else { key };
                let path = if path.is_empty() {
                    key.to_string()
                } else {
                    format!("{path}.{key}")
                };
                flatten(value, path, lines);
            }
        }
        Value::Array(items) => {
            for (position, item) in items.iter().enumerate() {
                let name = item_name(item).unwrap_or_else(|| position.to_string());
                flatten(item, format!("{path}[{name}]"), lines);
            }
        }
        leaf => lines.push(format!("{path} = {leaf}")),
    }
}

/// What an item of an `ip -j` list is: a flag, an interface, an address,
/// or a route (its destination, table and device).
fn item_name(item: &Value) -> Option<String> {
    let field = |key: &str| item.get(key).and_then(Value::as_str);
    if let Some(flag) = item.as_str() {
        return Some(flag.to_string());
    }
    if let Some(local) = field("local") {
        return Some(format!("{local}/{}", item["prefixlen"]));
    }
    if let Some(dst) = field("dst") {
        let table = field("table").unwrap_or("main");
        return Some(format!("{dst} {table} {}", field("dev").unwrap_or("")));
    }
    field("ifname").map(str::to_string)
}

/// Asserts that two kernel states (as `dump_state` prints them) are the
/// same once normalized, showing the values that differ.
pub fn assert_same_state(expected: &Value, actual: &Value, what: &str) {
    assert_same_lines(&state_lines(expected), &state_lines(actual), what);
}

/// What a refused command did.
#[derive(Debug)]
pub struct Refusal {
    /// Its exit status.
    pub status: i32,
    /// Its stderr.
    pub stderr: String,
    /// What it changed of links, addresses, routes, sysctls, the
    /// nf_tables ruleset and the journal's standing entries (nothing, when
    /// it left them all as they were), as differing lines.
    pub changes: Vec<String>,
}

/// Runs `command` after `setup` in a sandbox, its stdin `/run/stdin` (empty
/// unless the setup writes it); returns its status, its stderr, and whether
/// it left the kernel's state and the journal alone.
pub fn refusal(setup: &str, command: &str) -> Refusal {
    let run = sandbox(&format!(
        r#"
        {setup}
        [ -e /run/stdin ] || : > /run/stdin
        section before
        dump_state
        dump_sysctls > /run/sysctls-before
        nft -j list ruleset > /run/nft-before
        section journal-before
        cat /run/vethkit/journal 2>/dev/null || true
        status=0; {command} >/dev/null 2>/run/err </run/stdin || status=$?
        section status
        echo $status
        section stderr
        cat /run/err
        section after
        dump_state
        section sysctls
        dump_sysctls | diff /run/sysctls-before - && echo unchanged || true
        section nft
        nft -j list ruleset | cmp -s /run/nft-before - && echo unchanged || echo changed
        section journal-after
        cat /run/vethkit/journal 2>/dev/null || true
        "#
    ))
    .ok();
    let mut changes = diff_lines(
        &state_lines(&run.json("before")),
        &state_lines(&run.json("after")),
    );
    for part in ["sysctls", "nft"] {
        if run.section(part) != "unchanged" {
            changes.push(format!("{part}: {}", run.section(part)));
        }
    }
    let journal = |name: &str| -> String {
        let standing = journal_standing(&run.section(name));
        standing
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    };
    changes.extend(diff_lines(
        &journal("journal-before"),
        &journal("journal-after"),
    ));
    Refusal {
        status: run.section("status").parse().expect("a status"),
        stderr: run.section("stderr"),
        changes,
    }
}

/// Checks that each `(setup, command, status, words)` is refused with that
/// exit status and a one-line `PROG: ...` error containing `words`, and
/// changes nothing.
pub fn assert_refused(program: &str, cases: &[(&str, &str, i32, &str)]) {
    for (setup, command, status, words) in cases {
        let refusal = refusal(setup, command);
        let stderr = &refusal.stderr;
        assert_eq!(refusal.status, *status, "{command}: {stderr}");
        assert_eq!(
            stderr.lines().count(),
            1,
            "{command}: one line expected:\n{stderr}"
        );
        assert!(
            stderr.starts_with(&format!("{program}: ")),
            "{command}: {stderr}"
        );
        assert!(
            stderr.contains(words),
            "{command}: {stderr:?} should mention {words:?}"
        );
        assert!(
            refusal.changes.is_empty(),
            "{command}: changed the state or the journal:\n{}",
            refusal.changes.join("\n")
        );
    }
}

/// The two sides of a mirror test: a command, and its `--dry-run` lines run by a shell.
#[derive(Debug)]
pub struct Mirror {
    /// What `--dry-run` printed.
    pub plan: String,
    /// The state `dump` showed after the plan was run by `sh`.
    pub by_plan: String,
    /// The state `dump` showed after the command itself ran.
    pub by_command: String,
}

/// Runs, after `setup`, `COMMAND --dry-run ARGUMENTS` and then its output
/// with `sh -e` in one sandbox, and `COMMAND ARGUMENTS` in another; `dump`
/// (a shell command, like `dump_state`) shows each sandbox's state after.
pub fn mirror(command: &str, setup: &str, arguments: &str, dump: &str) -> Mirror {
    let by_plan = sandbox(&format!(
        "{setup}\n{command} --dry-run {arguments} > /run/plan\nsection plan\ncat /run/plan\nsh -e /run/plan >/dev/null\nsection state\n{dump}"
    ))
    .ok();
    let by_command = sandbox(&format!(
        "{setup}\n{command} {arguments} >/dev/null\nsection state\n{dump}"
    ))
    .ok();
    Mirror {
        plan: by_plan.section("plan"),
        by_plan: by_plan.section("state"),
        by_command: by_command.section("state"),
    }
}

/// A mirror test's check on iproute2's view: `COMMAND ARGUMENTS` and its
/// plan run by `ip` leave the same links, addresses and routes everywhere.
pub fn assert_mirrored_by_ip(command: &str, setup: &str, arguments: &str) {
    let mirror = mirror(command, setup, arguments, "dump_state");
    assert!(!mirror.plan.is_empty(), "{arguments}: empty plan");
    let state = |text: &str| -> Value {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
    };
    assert_same_state(
        &state(&mirror.by_plan),
        &state(&mirror.by_command),
        &format!(
            "{command} {arguments} (+) and its --dry-run plan run by ip (-); plan:\n{}",
            mirror.plan
        ),
    );
}
