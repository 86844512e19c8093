//! What a sysctl-set command line asks: keys to set, or keys to print,
//! from the arguments and from `KEY = VALUE` lines on stdin.

use std::io::BufRead;

use vethkit_core::error::{io_words, quoted};
use vethkit_core::sysctl::{self, Key};
use vethkit_core::{Error, Result};

/// A key and the value to give it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// KEY, dotted or with slashes as `sysctl` takes it.
    pub key: Key,
    /// VALUE, without the blanks around it.
    pub value: String,
}

/// What the arguments ask for.
#[derive(Debug, PartialEq, Eq)]
pub enum Request {
    /// Set these keys, in order.
    Set(Vec<Assignment>),
    /// Print these keys' values, in order.
    Print(Vec<Key>),
}

/// Reads the arguments (`-` standing for the lines of `stdin`) into one request.
pub fn parse(arguments: &[String], stdin: impl FnOnce() -> Box<dyn BufRead>) -> Result<Request> {
    if arguments.is_empty() {
        return Err(Error::usage(
            "expected KEY=VALUE to set, KEY to print, or - (see --help)",
        ));
    }
    let mut assignments = Vec::new();
    let mut keys = Vec::new();
    let mut stdin = Some(stdin);
    for argument in arguments {
        if argument == "-" {
            let Some(stdin) = stdin.take() else {
                return Err(Error::usage("- may be given once"));
            };
            assignments.extend(read_lines(stdin())?);
        } else if let Some((key, value)) = argument.split_once('=') {
            assignments.push(assignment(key.trim(), value).map_err(Error::usage)?);
        } else {
            keys.push(argument.trim().parse::<Key>().map_err(Error::usage)?);
        }
    }
    match (assignments.is_empty(), keys.is_empty()) {
        (false, false) => Err(Error::usage(
            "give KEY=VALUE to set or KEY to print, not both at once",
        )),
        (true, _) if !keys.is_empty() => Ok(Request::Print(keys)),
        _ => Ok(Request::Set(without_repeats(assignments)?)),
    }
}

/// `KEY = VALUE` lines, as sysctl.conf(5) has them: blank lines and lines
/// starting with `#` or `;` are skipped.
fn read_lines(input: Box<dyn BufRead>) -> Result<Vec<Assignment>> {
    let mut assignments = Vec::new();
    for (number, line) in input.lines().enumerate() {
        let at = |message: String| Error::usage(format!("stdin: line {}: {message}", number + 1));
        let line = line.map_err(|error| at(format!("cannot read: {}", io_words(&error))))?;
        let line = line.trim();
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(at(format!("expected KEY = VALUE, not {}", quoted(line))));
        };
        if key.trim_start().starts_with('-') {
            return Err(at(
                "a '-' before the key (ignore failures) is not supported: every key must be set"
                    .into(),
            ));
        }
        assignments.push(assignment(key.trim(), value).map_err(at)?);
    }
    Ok(assignments)
}

fn assignment(key: &str, value: &str) -> Result<Assignment, String> {
    let key: Key = key.parse()?;
    let value = value.trim();
    if value.is_empty() {
        return Err(format!("no value given for {key}"));
    }
    if value.contains(['\n', '\r', '\0']) {
        return Err(format!(
            "the value for {key} has a line break or a NUL in it"
        ));
    }
    Ok(Assignment {
        key,
        value: value.to_string(),
    })
}

/// Each key once: a key given twice with the same value counts once; with
/// two values, it is an error.
fn without_repeats(assignments: Vec<Assignment>) -> Result<Vec<Assignment>> {
    let mut kept: Vec<Assignment> = Vec::with_capacity(assignments.len());
    for assignment in assignments {
        match kept.iter().find(|earlier| earlier.key == assignment.key) {
            None => kept.push(assignment),
            Some(earlier) if sysctl::same_value(&earlier.value, &assignment.value) => {}
            Some(earlier) => {
                return Err(Error::usage(format!(
                    "{} is given twice, as {} and as {}",
                    assignment.key, earlier.value, assignment.value
                )))
            }
        }
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    fn no_stdin() -> Box<dyn BufRead> {
        panic!("stdin is not read")
    }

    fn stdin(text: &'static str) -> impl FnOnce() -> Box<dyn BufRead> {
        move || Box::new(text.as_bytes())
    }

    /// The keys (dotted) and values a request sets.
    fn assignments(request: Request) -> Vec<(String, String)> {
        let Request::Set(set) = request else {
            panic!("a set request")
        };
        set.into_iter()
            .map(|a| (a.key.to_string(), a.value))
            .collect()
    }

    fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
        expected
            .iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn assignments_from_arguments_and_stdin() {
        let request = parse(
            &args(&["net.ipv4.ip_forward=1", "-"]),
            stdin("# comment\n; another\n\n net/ipv4/conf/all/rp_filter = 0 \nnet.ipv4.ping_group_range = 0 2147483647\n"),
        )
        .unwrap();
        assert_eq!(
            assignments(request),
            pairs(&[
                ("net.ipv4.ip_forward", "1"),
                ("net.ipv4.conf.all.rp_filter", "0"),
                ("net.ipv4.ping_group_range", "0 2147483647"),
            ])
        );
    }

    #[test]
    fn blanks_around_the_key_and_the_value_are_dropped_as_sysctl_does() {
        let request = parse(
            &args(&[
                "net.ipv4.ip_forward =1",
                " net.ipv4.conf.all.rp_filter = 2 ",
            ]),
            no_stdin,
        )
        .unwrap();
        assert_eq!(
            assignments(request),
            pairs(&[
                ("net.ipv4.ip_forward", "1"),
                ("net.ipv4.conf.all.rp_filter", "2"),
            ])
        );
    }

    #[test]
    fn keys_alone_are_printed() {
        let request = parse(&args(&["net.ipv4.ip_forward"]), no_stdin).unwrap();
        assert_eq!(
            request,
            Request::Print(vec!["net.ipv4.ip_forward".parse().unwrap()])
        );
    }

    #[test]
    fn bad_requests_are_usage_errors() {
        for (words, input, problem) in [
            (&["kernel.hostname=x"][..], "", "only keys under net."),
            (&["net.ipv4.ip_forward="], "", "no value"),
            (
                &["net.ipv4.ip_forward=1", "net.ipv4.ip_forward"],
                "",
                "not both",
            ),
            (
                &["net.ipv4.ip_forward=1", "net/ipv4/ip_forward=0"],
                "",
                "twice",
            ),
            (
                &["-"],
                "net.ipv4.ip_forward\n",
                "line 1: expected KEY = VALUE",
            ),
            (&["-"], "\n-net.ipv4.ip_forward = 1\n", "line 2: a '-'"),
            (
                &["-"],
                "net.ipv4.conf.../x = 1\n",
                "line 1: invalid sysctl key",
            ),
            (&[], "", "expected KEY=VALUE"),
        ] {
            let error = parse(&args(words), stdin(input)).unwrap_err();
            assert_eq!(error.exit_status(), 2, "{words:?}");
            assert!(error.to_string().contains(problem), "{words:?}: {error}");
        }
    }
}
