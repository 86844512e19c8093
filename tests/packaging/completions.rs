//! The shell completions, loaded in bash, zsh and fish as a user's shell
//! loads them, in a sandbox holding namespaces, links and a bridge: each
//! registers itself, and tab offers the namespaces, interfaces and sysctl
//! keys that are there, and clap's options everywhere else.

use std::process::Command;

use vethkit_tests::{sandbox, workspace, COMMANDS};

/// The sandbox's contents: namespaces ns1 and lab2, the pair vA (in ns1)
/// and vB (here), and bridge br0 (here).
const SETUP: &str = "
ip netns add lab2
veth-add vA vB --netns ns1 >/dev/null
br-attach br0 >/dev/null
";

/// A command line, what tab must offer for its last word, and what it
/// must not.
struct Case {
    line: &'static str,
    offers: &'static [&'static str],
    not: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        line: "netns-exec ",
        offers: &["ns1", "lab2"],
        not: &["vB"],
    },
    Case {
        line: "netns-exec --create l",
        offers: &["lab2"],
        not: &["ns1"],
    },
    Case {
        line: "netns-exec ns1 pin",
        offers: &["ping"],
        not: &["ns1"],
    },
    Case {
        line: "veth-add a b --peer-netns ",
        offers: &["ns1", "lab2"],
        not: &[],
    },
    Case {
        line: "veth-add a b --peer-",
        offers: &["--peer-netns", "--peer-addr", "--peer-gateway"],
        not: &["--netns"],
    },
    Case {
        line: "br-attach br0 ",
        offers: &["vB", "br0", "lo"],
        not: &["vA"],
    },
    Case {
        line: "br-attach -n ns1 br0 ",
        offers: &["vA", "lo"],
        not: &["vB", "br0"],
    },
    Case {
        line: "br-attach br0 --detach v",
        offers: &["vB"],
        not: &["vA"],
    },
    Case {
        line: "sysctl-set net.ipv4.ip_fo",
        offers: &["net.ipv4.ip_forward"],
        not: &["net.ipv4.conf.all.forwarding"],
    },
    Case {
        line: "sysctl-set -n ns1 net.ipv4.conf.vA.rp",
        offers: &["net.ipv4.conf.vA.rp_filter"],
        not: &[],
    },
    Case {
        line: "netns-reset ",
        offers: &["ns1", "lab2"],
        not: &[],
    },
    Case {
        line: "nat-masq b",
        offers: &["br0"],
        not: &["vB"],
    },
    Case {
        line: "link-shape --rate 10mbit ",
        offers: &["vB", "br0", "lo"],
        not: &["vA", "10mbit"],
    },
    Case {
        line: "link-shape -n ns1 --show ",
        offers: &["vA", "lo"],
        not: &["vB", "br0"],
    },
    Case {
        line: "link-shape --de",
        offers: &["--delay"],
        not: &["vB"],
    },
];

/// Runs every case through `complete` (a shell command taking the line)
/// in one sandbox, and checks what each offered.
fn check_cases(shell: &str, complete: &str) {
    let mut script = String::from(SETUP);
    for (number, case) in CASES.iter().enumerate() {
        script.push_str(&format!("section {number}\n{complete} '{}'\n", case.line));
    }
    let run = sandbox(&script).ok();
    for (number, case) in CASES.iter().enumerate() {
        let offered = run.section(&number.to_string());
        let offered: Vec<&str> = offered
            .lines()
            .map(|line| line.split('\t').next().unwrap_or_default())
            .collect();
        for expected in case.offers {
            assert!(
                offered.contains(expected),
                "{shell}: {:?} + tab does not offer {expected}; it offers {offered:?}",
                case.line
            );
        }
        for unexpected in case.not {
            assert!(
                !offered.contains(unexpected),
                "{shell}: {:?} + tab offers {unexpected}: {offered:?}",
                case.line
            );
        }
    }
}

#[test]
fn each_bash_completion_loads_and_registers_itself() {
    for command in COMMANDS {
        let file = workspace().join(format!("completions/bash/{command}"));
        let output = Command::new("bash")
            .args([
                "--norc",
                "--noprofile",
                "-c",
                "source \"$1\" && complete -p \"$2\"",
                "bash",
            ])
            .arg(&file)
            .arg(command)
            .output()
            .expect("bash runs");
        let registration = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success()
                && registration.contains("-F _vethkit_")
                && registration.trim_end().ends_with(command),
            "loading {} does not register a completion for {command}: {registration}{}",
            file.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// The command running `tests/packaging/complete-SHELL` on the workspace's
/// completions for `shell`.
fn harness(shell: &str) -> String {
    format!(
        "{} {}",
        workspace()
            .join(format!("tests/packaging/complete-{shell}"))
            .display(),
        workspace().join("completions").join(shell).display()
    )
}

#[test]
fn bash_offers_what_is_there() {
    check_cases("bash", &harness("bash"));
}

#[test]
fn zsh_registers_each_completion_with_compinit() {
    let directory = workspace().join("completions/zsh");
    let script = "fpath=($1 $fpath); autoload -U compinit; compinit -u -D; for c in ${@:2}; do print -r -- \"$c=$_comps[$c]\"; done";
    let output = Command::new("zsh")
        .args(["-f", "-c", script, "zsh"])
        .arg(&directory)
        .args(COMMANDS)
        .output()
        .expect("zsh is installed (apt-get install zsh)");
    let text = String::from_utf8_lossy(&output.stdout);
    for command in COMMANDS {
        assert!(
            text.contains(&format!("{command}=_{command}\n")),
            "compinit does not register _{command}: {text}"
        );
    }
}

#[test]
fn zsh_offers_what_is_there() {
    check_cases("zsh", &harness("zsh"));
}

#[test]
fn fish_offers_what_is_there() {
    let directory = workspace().join("completions/fish");
    check_cases(
        "fish",
        &format!(
            "fish --no-config -c 'set fish_complete_path {} $fish_complete_path; complete -C \"$argv\"' --",
            directory.display()
        ),
    );
}
