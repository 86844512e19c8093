//! The generated files as a whole: made in memory, written under a
//! directory, and compared with the committed ones.

use std::fs;
use std::path::{Path, PathBuf};

use crate::commands::{self, Page};
use crate::completions::{self, Shell};
use crate::man;

/// A generated file: its path under the workspace and its text.
pub struct Document {
    /// Where it goes, relative to the workspace (`man/veth-add.8`).
    pub path: PathBuf,
    /// What the file holds, as committed.
    pub text: String,
}

/// The directories the generator owns: everything in them is generated.
pub const DIRECTORIES: &[&str] = &["man", "completions"];

/// The workspace's top directory.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| PathBuf::from("."))
}

/// Every man page and completion script, dated `date`.
pub fn generate(date: &str) -> Vec<Document> {
    let pages = commands::all();
    let names: Vec<&str> = pages.iter().map(Page::name).collect();
    let mut documents = Vec::new();
    for page in &pages {
        documents.push(Document {
            path: PathBuf::from(format!("man/{}.8", page.name())),
            text: man::render(page, &names, date),
        });
        for shell in Shell::ALL {
            documents.push(Document {
                path: shell.path(page.name()),
                text: completions::render(shell, &page.command),
            });
        }
    }
    documents
}

/// Writes `documents` under `out`, first removing whatever else is in the
/// generated directories, and returns how many files it wrote.
pub fn write(out: &Path, documents: &[Document]) -> Result<usize, String> {
    for directory in DIRECTORIES {
        let directory = out.join(directory);
        match fs::remove_dir_all(&directory) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(format!("cannot clear {}: {error}", directory.display())),
        }
    }
    for document in documents {
        let path = out.join(&document.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|error| format!("cannot create {}: {error}", parent.display()))?;
        }
        fs::write(&path, &document.text)
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    }
    Ok(documents.len())
}

/// The files under the generated directories of `root`, relative to it, sorted.
#[cfg(test)]
fn files_under(root: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, directory: &Path, files: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(directory) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, files);
            } else if let Ok(relative) = path.strip_prefix(root) {
                files.push(relative.to_path_buf());
            }
        }
    }
    let mut files = Vec::new();
    for directory in DIRECTORIES {
        walk(root, &root.join(directory), &mut files);
    }
    files.sort();
    files
}

/// How the files under `root` differ from `documents`: one line per file
/// that is missing, different or left over; empty when they match.
#[cfg(test)]
fn differences(root: &Path, documents: &[Document]) -> Vec<String> {
    let mut differences = Vec::new();
    for document in documents {
        match fs::read_to_string(root.join(&document.path)) {
            Ok(text) if text == document.text => {}
            Ok(_) => differences.push(format!("{} is stale", document.path.display())),
            Err(_) => differences.push(format!("{} is missing", document.path.display())),
        }
    }
    for file in files_under(root) {
        if !documents.iter().any(|document| document.path == file) {
            differences.push(format!("{} is not generated any more", file.display()));
        }
    }
    differences
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::RELEASED;

    #[test]
    fn the_committed_man_pages_and_completions_are_current() {
        let differences = differences(&workspace(), &generate(RELEASED));
        assert!(
            differences.is_empty(),
            "the generated files are out of date; run `make docs` and commit:\n  {}",
            differences.join("\n  ")
        );
    }

    #[test]
    fn every_command_has_a_page_and_three_completions() {
        let paths: Vec<String> = generate(RELEASED)
            .iter()
            .map(|document| document.path.display().to_string())
            .collect();
        for command in [
            "veth-add",
            "netns-exec",
            "br-attach",
            "sysctl-set",
            "nat-masq",
            "netns-reset",
            "vxlan-add",
            "link-shape",
        ] {
            for path in [
                format!("man/{command}.8"),
                format!("completions/bash/{command}"),
                format!("completions/zsh/_{command}"),
                format!("completions/fish/{command}.fish"),
            ] {
                assert!(paths.contains(&path), "{path} is not generated");
            }
        }
    }
}
