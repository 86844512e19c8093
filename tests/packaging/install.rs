//! `make install` and `make uninstall` as a packager drives them: into a
//! staging DESTDIR, with PREFIX and each directory variable honoured, and
//! nothing left behind by uninstall. Needs the release build (`make`).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use vethkit_tests::{workspace, COMMANDS};

/// A fresh, empty staging directory.
fn staging(name: &str) -> PathBuf {
    let directory = std::env::temp_dir().join(format!("vethkit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).expect("temporary directory");
    directory
}

/// Runs `make TARGET VARIABLES...` in the workspace and insists it succeeds.
fn make(target: &str, variables: &[String]) {
    let output = Command::new("make")
        .arg("--no-print-directory")
        .arg("-C")
        .arg(workspace())
        .arg(target)
        .args(variables)
        .output()
        .expect("make runs");
    assert!(
        output.status.success(),
        "make {target} {variables:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every file under `directory`, relative to it, sorted.
fn files_under(directory: &Path) -> Vec<String> {
    let output = Command::new("find")
        .arg(directory)
        .args(["-type", "f", "-o", "-type", "l"])
        .output()
        .expect("find runs");
    let mut files: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            line.strip_prefix(&*directory.to_string_lossy())
                .unwrap_or(line)
                .to_string()
        })
        .collect();
    files.sort();
    files
}

/// What an install holds: each command in `bin`, its page in `man`/man8,
/// and its completions in the `bash`, `zsh` and `fish` directories.
fn installed_files(bin: &str, man: &str, bash: &str, zsh: &str, fish: &str) -> Vec<String> {
    let mut files: Vec<String> = COMMANDS
        .iter()
        .flat_map(|command| {
            [
                format!("{bin}/{command}"),
                format!("{man}/man8/{command}.8"),
                format!("{bash}/{command}"),
                format!("{zsh}/_{command}"),
                format!("{fish}/{command}.fish"),
            ]
        })
        .collect();
    files.sort();
    files
}

/// `make uninstall` with the variables of the install into `destdir`
/// removes every file it put there.
fn uninstall_leaves_nothing(destdir: &Path, variables: &[String]) {
    make("uninstall", variables);
    assert_eq!(
        files_under(destdir),
        Vec::<String>::new(),
        "uninstall left files"
    );
    std::fs::remove_dir_all(destdir).expect("cleanup");
}

#[test]
fn install_puts_each_file_where_distributions_look_and_uninstall_removes_them() {
    let destdir = staging("install");
    let variables = [
        format!("DESTDIR={}", destdir.display()),
        "PREFIX=/usr".to_string(),
    ];
    make("install", &variables);
    assert_eq!(
        files_under(&destdir),
        installed_files(
            "/usr/bin",
            "/usr/share/man",
            "/usr/share/bash-completion/completions",
            "/usr/share/zsh/site-functions",
            "/usr/share/fish/vendor_completions.d",
        )
    );
    for command in COMMANDS {
        let binary = destdir.join("usr/bin").join(command);
        let mode = std::fs::metadata(&binary)
            .expect("installed")
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o755,
            "{} has mode {mode:o}",
            binary.display()
        );
        let version = Command::new(&binary)
            .arg("--version")
            .output()
            .expect("runs");
        assert!(
            String::from_utf8_lossy(&version.stdout).starts_with(&format!("{command} ")),
            "the installed {command} does not run"
        );
        let page = destdir.join(format!("usr/share/man/man8/{command}.8"));
        let mode = std::fs::metadata(&page)
            .expect("installed")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644, "{} has mode {mode:o}", page.display());
    }
    uninstall_leaves_nothing(&destdir, &variables);
}

#[test]
fn every_directory_variable_is_honoured() {
    let destdir = staging("install-dirs");
    let variables = [
        format!("DESTDIR={}", destdir.display()),
        "PREFIX=/opt/vethkit".to_string(),
        "BINDIR=/sbin".to_string(),
        "MANDIR=/man".to_string(),
        "BASHCOMPDIR=/bash".to_string(),
        "ZSHCOMPDIR=/zsh".to_string(),
        "FISHCOMPDIR=/fish".to_string(),
    ];
    make("install", &variables);
    assert_eq!(
        files_under(&destdir),
        installed_files("/sbin", "/man", "/bash", "/zsh", "/fish")
    );
    uninstall_leaves_nothing(&destdir, &variables);
}
