//! `make demo` and `make test` first check for the programs they run, and
//! on a machine that lacks some, name the packages and the one command
//! that installs them, before doing anything else.

use std::process::Command;

use vethkit_tests::workspace;

/// `tests/need-tools GOAL` with a search path holding only `sort` (which
/// the check itself needs) besides the system directories it looks in.
fn need_tools(goal: &str, path: &str) -> (i32, String) {
    let output = Command::new("/bin/sh")
        .arg(workspace().join("tests/need-tools"))
        .arg(goal)
        .env_clear()
        .env("PATH", path)
        .output()
        .expect("/bin/sh runs");
    (
        output.status.code().unwrap_or(128),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn missing_programs_are_named_with_their_packages_and_how_to_install_them() {
    let directory = std::env::temp_dir().join(format!("vethkit-tools-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).expect("temporary directory");
    std::os::unix::fs::symlink("/usr/bin/sort", directory.join("sort")).expect("a link to sort");
    // ping and unshare live in /usr/bin, which the path leaves out.
    let (status, stderr) = need_tools("demo", directory.to_str().unwrap());
    assert_eq!(status, 1, "{stderr}");
    assert_eq!(
        stderr,
        "make demo: missing packages: iputils-ping util-linux\n\
         make demo: install them with: sudo apt-get install iputils-ping util-linux\n"
    );
    let (status, stderr) = need_tools("test", &std::env::var("PATH").unwrap_or_default());
    assert_eq!((status, stderr.as_str()), (0, ""), "everything is here");
    std::fs::remove_dir_all(directory).unwrap();
}
