//! `vethkit-test-state`: prints the kernel's state in every namespace (the
//! caller's, as `""`, and each named one) as one JSON object of iproute2's
//! views, `{"NS": {"links", "addrs", "routes", "routes6"}}`, once it has
//! settled.
//!
//! The kernel settles some state asynchronously: linkwatch sets a link's
//! operstate and clears the `linkdown` flag of its routes a while after
//! its carrier changes. The state is settled when every link's operstate
//! agrees with its carrier, no route of a device with carrier is marked
//! `linkdown`, and two dumps in a row are the same once what differs
//! between equal setups is left out. A snapshot taken before that races
//! the kernel.

use std::process::{Command, ExitCode};
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};
use vethkit_tests::normalize;

/// How long the state may take to settle before it is printed anyway.
const PATIENCE: Duration = Duration::from_secs(20);
/// The pause between two dumps.
const PAUSE: Duration = Duration::from_millis(50);

fn main() -> ExitCode {
    let started = Instant::now();
    let mut previous: Option<Value> = None;
    loop {
        let state = match dump() {
            Ok(state) => state,
            Err(error) => {
                eprintln!("vethkit-test-state: {error}");
                return ExitCode::FAILURE;
            }
        };
        let unsettled = unsettled(&state);
        let normalized = normalize(&state);
        if unsettled.is_none() && previous.as_ref() == Some(&normalized) {
            println!("{state}");
            return ExitCode::SUCCESS;
        }
        if started.elapsed() > PATIENCE {
            eprintln!(
                "vethkit-test-state: the state did not settle in {} s: {}",
                PATIENCE.as_secs(),
                unsettled.unwrap_or_else(|| "two dumps in a row differ".into())
            );
            return ExitCode::FAILURE;
        }
        previous = unsettled.is_none().then_some(normalized);
        sleep(PAUSE);
    }
}

/// Every namespace's links, addresses and routes.
fn dump() -> Result<Value, String> {
    let mut state = Map::new();
    state.insert(String::new(), dump_one(&[])?);
    let listing = run(&["netns", "list"])?;
    for name in listing.lines().filter_map(|line| line.split(' ').next()) {
        state.insert(name.to_string(), dump_one(&["-n", name])?);
    }
    Ok(Value::Object(state))
}

fn dump_one(netns: &[&str]) -> Result<Value, String> {
    let json = |words: &[&str]| -> Result<Value, String> {
        let arguments: Vec<&str> = netns.iter().chain(words).copied().collect();
        let text = run(&arguments)?;
        serde_json::from_str(&text).map_err(|error| format!("ip {}: {error}", arguments.join(" ")))
    };
    let mut one = Map::new();
    one.insert("links".into(), json(&["-j", "-d", "link", "show"])?);
    one.insert("addrs".into(), json(&["-j", "addr", "show"])?);
    one.insert(
        "routes".into(),
        json(&["-j", "route", "show", "table", "all"])?,
    );
    one.insert(
        "routes6".into(),
        json(&["-j", "-6", "route", "show", "table", "all"])?,
    );
    Ok(Value::Object(one))
}

fn run(arguments: &[&str]) -> Result<String, String> {
    let output = Command::new("ip")
        .args(arguments)
        .output()
        .map_err(|error| format!("cannot run ip: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "ip {} failed: {}",
            arguments.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// What is not settled yet, in words; `None` when everything is.
fn unsettled(state: &Value) -> Option<String> {
    let malformed = || Some(format!("iproute2's dump is not as expected: {state}"));
    let Some(namespaces) = state.as_object() else {
        return malformed();
    };
    for (netns, one) in namespaces {
        let (Some(links), Some(routes), Some(routes6)) = (
            one["links"].as_array(),
            one["routes"].as_array(),
            one["routes6"].as_array(),
        ) else {
            return malformed();
        };
        let has_carrier_now = |name: &str| {
            links
                .iter()
                .any(|link| link["ifname"] == name && has_carrier(link))
        };
        for link in links {
            let (Some(name), Some(operstate)) =
                (link["ifname"].as_str(), link["operstate"].as_str())
            else {
                return malformed();
            };
            let settled = match (flag(link, "UP"), has_carrier(link)) {
                (false, _) => operstate == "DOWN",
                (true, true) => operstate == "UP" || operstate == "UNKNOWN",
                (true, false) => operstate != "UP",
            };
            if !settled {
                return Some(format!("{name} in {netns:?} is {operstate}"));
            }
        }
        for route in routes.iter().chain(routes6) {
            let device = route["dev"].as_str().unwrap_or_default();
            if flag(route, "linkdown") && has_carrier_now(device) {
                return Some(format!("a route in {netns:?} is still linkdown: {route}"));
            }
        }
    }
    None
}

fn flag(item: &Value, name: &str) -> bool {
    item["flags"]
        .as_array()
        .is_some_and(|flags| flags.iter().any(|flag| flag == name))
}

/// Whether a link has carrier: `LOWER_UP`, or lo, which has none to lose.
fn has_carrier(link: &Value) -> bool {
    flag(link, "LOWER_UP") || flag(link, "LOOPBACK")
}
