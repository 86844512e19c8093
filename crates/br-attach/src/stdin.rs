//! Ports read from stdin, one name a line, attached as they arrive: a few
//! dozen are planned ahead while more input comes, and all waiting ones
//! are attached once no more has come for a moment, so that
//! `veth-add --batch ... | br-attach br0 -` attaches each end soon after it
//! is made (see [`vethkit_core::ahead`]). Attaching ports in groups, rather
//! than each as its line comes, costs the kernel half as much: adding a
//! port walks the bridge's ports, which stay in the CPU's caches between
//! ports added one after the other.

use std::collections::HashSet;
use std::io::{self, BufRead, BufReader, Read};
use std::os::fd::AsFd;

use vethkit_core::ahead::{more_input_comes, Ahead, Units};
use vethkit_core::cover::Named;
use vethkit_core::error::io_words;
use vethkit_core::lookup;
use vethkit_core::name::IfName;
use vethkit_core::plan::{Applied, Executor};
use vethkit_core::{Error, Result};

use crate::bridge::Bridge;

/// Attaches the ports named on stdin to `bridge`, as part of the unit
/// whose changes so far are `applied`: any failure rolls them all back.
/// With `json`, the ports are added to `bridge.ports` for the report.
pub fn attach(
    executor: &mut Executor,
    bridge: &mut Bridge,
    mut applied: Applied,
    json: bool,
) -> Result<()> {
    let result = attach_all(executor, bridge, &mut applied, io::stdin().lock(), json);
    result.map_err(|error| executor.roll_back(error, applied))
}

fn attach_all(
    executor: &mut Executor,
    bridge: &mut Bridge,
    applied: &mut Applied,
    input: impl Read + AsFd,
    json: bool,
) -> Result<()> {
    let link = lookup::link(&mut executor.context, &bridge.netns, &bridge.name)?;
    let mut seen: HashSet<IfName> = bridge.ports.iter().cloned().collect();
    let mut ahead = Ahead::default();
    let mut reader = BufReader::new(input);
    let mut line = String::new();
    let mut number = 0;
    loop {
        if ahead.must_apply_before(&[])
            || reader.buffer().is_empty() && !more_input_comes(reader.get_ref().as_fd())
        {
            attach_waiting(executor, &mut ahead, applied)?;
        }
        line.clear();
        let read = reader
            .read_line(&mut line)
            .map_err(|error| Error::usage(format!("cannot read stdin: {}", io_words(&error))))?;
        if read == 0 {
            return attach_waiting(executor, &mut ahead, applied);
        }
        number += 1;
        let Some(port) = port_of(&line, number)? else {
            continue;
        };
        if !seen.insert(port.clone()) {
            continue;
        }
        let plan = bridge.plan_port(&mut executor.context, &port, link.as_ref(), &seen);
        ahead.push(
            (),
            plan?,
            vec![Named::Link(bridge.netns.clone(), port.clone())],
        );
        if json {
            bridge.ports.push(port);
        }
    }
}

/// Applies the plans waiting in `ahead`, adding their changes to `applied`.
fn attach_waiting(
    executor: &mut Executor,
    ahead: &mut Ahead<()>,
    applied: &mut Applied,
) -> Result<()> {
    ahead
        .apply(executor, (applied, Units::Joined), |_, _| {}, |()| {})
        .map_err(|failure| failure.error)
}

/// The interface name on a line, `None` for a blank line or a `#` comment.
fn port_of(line: &str, number: usize) -> Result<Option<IfName>> {
    let name = line.split('#').next().unwrap_or_default().trim();
    if name.is_empty() {
        return Ok(None);
    }
    name.parse()
        .map(Some)
        .map_err(|error| Error::usage(format!("stdin: line {number}: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_skip_blanks_and_comments_and_are_checked() {
        let ports: Vec<Option<IfName>> = ["br-veth3\n", "\n", "  br-veth4  \n", "# c\n", "x # t\n"]
            .iter()
            .enumerate()
            .map(|(index, line)| port_of(line, index + 1).unwrap())
            .collect();
        let names: Vec<&str> = ports.iter().flatten().map(|n| n.as_str()).collect();
        assert_eq!(names, ["br-veth3", "br-veth4", "x"]);
        let error = port_of("bad/name\n", 2).unwrap_err();
        assert!(error.to_string().starts_with("stdin: line 2: "), "{error}");
        assert_eq!(error.exit_status(), 2);
    }
}
