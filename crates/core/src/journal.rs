//! The journal: every change vethkit may have made, with the step that
//! undoes it, so that `netns-reset --all` can take it all back.
//!
//! It is a file of JSON lines in the state directory (`$VETHKIT_STATE_DIR`,
//! default `/run/vethkit`), appended under an exclusive `flock`:
//! `{"id":ID,"undo":STEP}` is written *before* its step is applied, and
//! `{"gone":ID}` once the change is known not to be there (rolled back, or
//! never applied). A line torn by a killed writer is skipped when read.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};

use crate::error::{errno_words, io_words, Error, Result};
use crate::step::Step;

/// The default state directory.
pub const DEFAULT_STATE_DIR: &str = "/run/vethkit";
/// The environment variable that moves the state directory.
pub const STATE_DIR_VARIABLE: &str = "VETHKIT_STATE_DIR";
const JOURNAL_FILE: &str = "journal";

/// Makes entry ids unique within this process.
static NEXT_ENTRY: AtomicU64 = AtomicU64::new(0);

/// One line of the journal.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum Line {
    Entry { id: String, undo: Step },
    Gone { gone: String },
}

/// A recorded change that may still be in place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Unique id of the entry.
    pub id: String,
    /// The step that undoes the change.
    pub undo: Step,
}

/// The journal file of the state directory.
pub struct Journal {
    path: PathBuf,
    file: Option<File>,
}

impl Journal {
    /// The journal of the state directory in force (`$VETHKIT_STATE_DIR` or
    /// `/run/vethkit`). Nothing is opened until something is written or read.
    pub fn new() -> Self {
        let directory = std::env::var_os(STATE_DIR_VARIABLE)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_STATE_DIR));
        Journal {
            path: directory.join(JOURNAL_FILE),
            file: None,
        }
    }

    fn file(&mut self) -> Result<&mut File> {
        if self.file.is_none() {
            let cannot = |error: std::io::Error| {
                Error::failed(format!(
                    "cannot open the journal {}: {}",
                    self.path.display(),
                    io_words(&error)
                ))
            };
            if let Some(directory) = self.path.parent() {
                fs::create_dir_all(directory).map_err(cannot)?;
            }
            let file = OpenOptions::new()
                .read(true)
                .append(true)
                .create(true)
                .open(&self.path)
                .map_err(cannot)?;
            self.file = Some(file);
        }
        Ok(self.file.as_mut().expect("journal file was just opened"))
    }

    /// Appends `lines` in one write, under the lock, starting on a fresh line
    /// even if the last writer was killed half-way through its own.
    fn append(&mut self, lines: &[Line]) -> Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        let path = self.path.display().to_string();
        let mut text = String::new();
        for line in lines {
            text += &serde_json::to_string(line).expect("journal lines always serialize");
            text.push('\n');
        }
        let file = self
            .file()?
            .try_clone()
            .map_err(|e| Error::failed(format!("cannot write {path}: {}", io_words(&e))))?;
        let mut locked = Flock::lock(file, FlockArg::LockExclusive).map_err(|(_, errno)| {
            Error::failed(format!("cannot lock {path}: {}", errno_words(errno as i32)))
        })?;
        let length = locked.seek(SeekFrom::End(0)).unwrap_or(0);
        if length > 0 {
            let mut last = [0u8];
            let torn = locked.seek(SeekFrom::End(-1)).is_ok()
                && locked.read_exact(&mut last).is_ok()
                && last[0] != b'\n';
            if torn {
                text.insert(0, '\n');
            }
        }
        locked
            .write_all(text.as_bytes())
            .map_err(|e| Error::failed(format!("cannot write {path}: {}", io_words(&e))))
    }

    /// Records the undo steps of changes about to be made; returns their entries.
    pub fn record(&mut self, undo_steps: impl IntoIterator<Item = Step>) -> Result<Vec<Entry>> {
        let stamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let pid = std::process::id();
        let entries: Vec<Entry> = undo_steps
            .into_iter()
            .map(|undo| {
                let number = NEXT_ENTRY.fetch_add(1, Ordering::Relaxed);
                Entry {
                    id: format!("{pid}.{stamp}.{number}"),
                    undo,
                }
            })
            .collect();
        let lines: Vec<Line> = entries
            .iter()
            .map(|e| Line::Entry {
                id: e.id.clone(),
                undo: e.undo.clone(),
            })
            .collect();
        self.append(&lines)?;
        Ok(entries)
    }

    /// Marks entries whose change is no longer in place.
    pub fn forget<'a>(&mut self, entries: impl IntoIterator<Item = &'a Entry>) -> Result<()> {
        let lines: Vec<Line> = entries
            .into_iter()
            .map(|e| Line::Gone { gone: e.id.clone() })
            .collect();
        self.append(&lines)
    }

    /// The entries still in place, oldest first. Unreadable lines are skipped.
    pub fn entries(&mut self) -> Result<Vec<Entry>> {
        if !self.path.exists() {
            return Ok(Vec::new());
        }
        let path = self.path.display().to_string();
        let mut text = String::new();
        let file = self.file()?;
        file.seek(SeekFrom::Start(0))
            .and_then(|_| file.read_to_string(&mut text))
            .map_err(|e| Error::failed(format!("cannot read {path}: {}", io_words(&e))))?;
        let mut entries: Vec<Entry> = Vec::new();
        for line in text.lines() {
            match serde_json::from_str::<Line>(line) {
                Ok(Line::Entry { id, undo }) => entries.push(Entry { id, undo }),
                Ok(Line::Gone { gone }) => entries.retain(|entry| entry.id != gone),
                Err(_) => {}
            }
        }
        Ok(entries)
    }
}

impl Default for Journal {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal_in(directory: &std::path::Path) -> Journal {
        Journal {
            path: directory.join(JOURNAL_FILE),
            file: None,
        }
    }

    fn temporary_directory(tag: &str) -> PathBuf {
        let directory =
            std::env::temp_dir().join(format!("vethkit-journal-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&directory);
        directory
    }

    fn standing(directory: &std::path::Path) -> Vec<Step> {
        let entries = journal_in(directory).entries().unwrap();
        entries.into_iter().map(|entry| entry.undo).collect()
    }

    fn up(name: &str) -> Step {
        Step::LinkDown {
            netns: None,
            name: name.parse().unwrap(),
        }
    }

    #[test]
    fn recorded_entries_stay_until_forgotten() {
        let directory = temporary_directory("forget");
        let mut journal = journal_in(&directory);
        let entries = journal.record([up("a"), up("b"), up("c")]).unwrap();
        journal.forget(&entries[1..2]).unwrap();
        let left = standing(&directory);
        assert_eq!(left, vec![up("a"), up("c")]);
        fs::remove_dir_all(directory).unwrap();
    }

    #[test]
    fn a_torn_last_line_is_skipped_and_does_not_swallow_the_next() {
        let directory = temporary_directory("torn");
        let mut journal = journal_in(&directory);
        journal.record([up("a")]).unwrap();
        journal
            .file()
            .unwrap()
            .write_all(br#"{"id":"x","undo":{"step":"link-do"#)
            .unwrap();
        journal.record([up("b")]).unwrap();
        let left = standing(&directory);
        assert_eq!(left, vec![up("a"), up("b")]);
        fs::remove_dir_all(directory).unwrap();
    }
}
