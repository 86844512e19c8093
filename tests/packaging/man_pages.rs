//! The man pages, read the way users and distributions read them: man-db
//! renders each without a warning, finds its NAME line for whatis, and
//! shows every section and every option the command takes.

use std::process::Command;

use vethkit_tests::{bin_dir, workspace, COMMANDS};

const SECTIONS: [&str; 9] = [
    "NAME",
    "SYNOPSIS",
    "DESCRIPTION",
    "OPTIONS",
    "EXIT STATUS",
    "ENVIRONMENT",
    "FILES",
    "EXAMPLES",
    "SEE ALSO",
];

/// `man` run on the page of `command`: its status, stdout and stderr.
fn man(command: &str, arguments: &[&str]) -> (bool, String, String) {
    let page = workspace().join(format!("man/{command}.8"));
    let output = Command::new("man")
        .args(arguments)
        .arg("-l")
        .arg(&page)
        .env("MANWIDTH", "80")
        .env("MANPAGER", "cat")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .expect("man(1) from man-db is installed (apt-get install man-db)");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn every_page_renders_without_a_warning() {
    for command in COMMANDS {
        let (ok, text, warnings) = man(command, &["--warnings"]);
        assert!(ok, "man -l man/{command}.8 failed: {warnings}");
        assert_eq!(warnings, "", "man --warnings -l man/{command}.8 warns");
        assert!(text.contains(command), "{command}(8) rendered empty");
    }
}

#[test]
fn every_page_has_the_sections_in_order() {
    for command in COMMANDS {
        let (_, text, _) = man(command, &[]);
        let mut from = 0;
        for section in SECTIONS {
            let at = text[from..]
                .find(&format!("\n{section}\n"))
                .unwrap_or_else(|| {
                    panic!("{command}(8) has no {section} after byte {from}:\n{text}")
                });
            from += at + section.len();
        }
        assert!(
            text.contains("VETHKIT_STATE_DIR"),
            "{command}(8) ENVIRONMENT"
        );
        assert!(
            text.contains("/run/netns") && text.contains("/run/vethkit"),
            "{command}(8) FILES"
        );
        for other in COMMANDS.iter().filter(|other| **other != command) {
            assert!(
                text.contains(&format!("{other}(8)")),
                "{command}(8) does not point to {other}(8)"
            );
        }
        for page in ["ip(8)", "ip-netns(8)", "bridge(8)", "nft(8)", "sysctl(8)"] {
            assert!(text.contains(page), "{command}(8) does not point to {page}");
        }
    }
}

#[test]
fn whatis_finds_each_name_line() {
    for command in COMMANDS {
        let output = Command::new("lexgrog")
            .arg(workspace().join(format!("man/{command}.8")))
            .output()
            .expect("lexgrog from man-db is installed");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && text.contains(&format!("\"{command} - ")),
            "lexgrog cannot read the NAME of {command}(8): {text}"
        );
    }
}

#[test]
fn every_option_of_help_is_in_the_page() {
    for command in COMMANDS {
        let help = Command::new(bin_dir().join(command))
            .arg("--help")
            .output()
            .expect("the command runs");
        let help = String::from_utf8_lossy(&help.stdout);
        let (_, page, _) = man(command, &[]);
        let options = help
            .split_whitespace()
            .filter(|word| word.starts_with("--") && word.len() > 2)
            .map(|word| word.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()));
        for option in options {
            assert!(page.contains(option), "{command}(8) does not show {option}");
        }
    }
}

#[test]
fn the_veth_add_page_shows_the_ip_lines_each_example_replaces() {
    let (_, page, _) = man("veth-add", &[]);
    let examples = &page[page.find("\nEXAMPLES\n").expect("EXAMPLES")..];
    // Filled lines are justified: compare words, not spaces.
    let examples = examples.split_whitespace().collect::<Vec<_>>().join(" ");
    for line in [
        "veth-add veth1 veth2 --netns ns1 --addr 10.1.1.1/24",
        "It replaces:",
        "ip link add veth1 type veth peer name veth2",
        "ip link set veth1 netns ns1",
        "ip netns exec ns3 ip route add default via 10.1.1.1",
    ] {
        assert!(
            examples.contains(line),
            "veth-add(8) EXAMPLES lacks {line:?}:\n{examples}"
        );
    }
}

/// What a first reader of the pages stumbled on: a synopsis with clap's
/// "Usage:" in it, NAME and PEER shown as optional, clap's help line
/// pointing to `-h`, an exit status that forgot `--batch`, an example
/// claiming `lo` up with no line that does it, and one attaching a link
/// that never was in the namespace it came back from.
#[test]
fn the_pages_say_what_the_commands_do() {
    for command in COMMANDS {
        let (_, page, _) = man(command, &[]);
        let synopsis =
            &page[page.find("\nSYNOPSIS\n").unwrap()..page.find("\nDESCRIPTION\n").unwrap()];
        assert!(!synopsis.contains("Usage"), "{command}(8): {synopsis}");
        assert!(
            !page.contains("see a summary with"),
            "{command}(8) points to -h"
        );
    }
    let words = |command: &str| {
        let (_, page, _) = man(command, &[]);
        page.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let veth_add = words("veth-add");
    assert!(
        veth_add.contains("<NAME> Name of the first end"),
        "{veth_add}"
    );
    assert!(
        veth_add.contains("<PEER> Name of the other end"),
        "{veth_add}"
    );
    assert!(
        veth_add.contains("With --batch, the line that failed was undone"),
        "{veth_add}"
    );
    assert!(
        veth_add.contains("ip netns exec ns2 ip link set lo up"),
        "{veth_add}"
    );
    let netns_exec = words("netns-exec");
    assert!(
        netns_exec.contains("SYNOPSIS netns-exec [--create] NS [CMD [ARG...]]"),
        "{netns_exec}"
    );
    assert!(
        netns_exec.contains("or /bin/sh when $SHELL is not set"),
        "{netns_exec}"
    );
    let netns_reset = words("netns-reset");
    assert!(
        !netns_reset.contains("Bring br-veth3 back"),
        "{netns_reset}"
    );
    assert!(
        netns_reset.contains("netns-reset --keep-netns ns3 | br-attach br1 -"),
        "{netns_reset}"
    );
}
