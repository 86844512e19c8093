//! `make vendor` gives a distribution what an offline build needs: in a
//! copy of the source tree, after `make vendor`, cargo builds every command
//! with no network and an empty cargo home (no registry cache to fall back on).

use std::process::Command;

use vethkit_tests::{workspace, COMMANDS};

/// Runs `command`, insisting it succeeds.
fn run(command: &mut Command) {
    let output = command.output().expect("the command runs");
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_vendored_tree_builds_offline() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let scratch = std::env::temp_dir().join(format!("vethkit-vendor-{}", std::process::id()));
    let source = scratch.join("source");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&source).expect("scratch directory");
    run(Command::new("sh").args(["-c", "tar -C \"$1\" --exclude=./target --exclude=./vendor --exclude=./.git --exclude=./.cargo -cf - . | tar -C \"$2\" -xf -", "sh"])
        .arg(workspace())
        .arg(&source));

    run(Command::new("make")
        .arg("-C")
        .arg(&source)
        .arg("vendor")
        .arg(format!("CARGO={cargo}")));
    assert!(
        source.join(".cargo/config.toml").is_file(),
        "make vendor wrote no .cargo/config.toml"
    );

    let empty_home = scratch.join("cargo-home");
    std::fs::create_dir_all(&empty_home).expect("cargo home");
    run(Command::new(&cargo)
        .args(["build", "--offline", "--locked", "--bins"])
        .current_dir(&source)
        .env("CARGO_HOME", &empty_home)
        .env("CARGO_TARGET_DIR", scratch.join("target"))
        .env("CARGO_NET_OFFLINE", "true"));
    for command in COMMANDS {
        assert!(
            scratch.join("target/debug").join(command).is_file(),
            "the offline build made no {command}"
        );
    }
    std::fs::remove_dir_all(&scratch).expect("cleanup");
}
