//! The journal: every change vethkit may have made, with the step that
//! undoes it, so that `netns-reset --all` can take it all back.
//!
//! It is a file of JSON lines in the state directory (`$VETHKIT_STATE_DIR`,
//! default `/run/vethkit`), appended under an exclusive `flock`:
//! `{"id":ID,"undo":STEP}` is written *before* its step is applied, and
//! `{"gone":ID}` once the change is known not to be there (rolled back, or
//! never applied). A line torn by a killed writer is skipped when read.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};

use crate::error::{io_words, Error, Result};
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
    Entry {
        id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        home: Option<u64>,
        undo: Step,
    },
    Gone {
        gone: String,
    },
}

/// A recorded change that may still be in place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Unique id of the entry.
    pub id: String,
    /// The network namespace the change was made from (its inode number),
    /// which is the one the undo's "caller's namespace" means.
    pub home: Option<u64>,
    /// The step that undoes the change.
    pub undo: Step,
}

/// The journal file of the state directory.
pub struct Journal {
    path: PathBuf,
    file: Option<File>,
    /// The namespace this process records its changes from.
    home: Option<u64>,
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
            home: crate::netns::current_id().ok(),
        }
    }

    fn cannot(&self, what: &str, error: &std::io::Error) -> Error {
        Error::failed(format!(
            "cannot {what} the journal {}: {}",
            self.path.display(),
            io_words(error)
        ))
    }

    /// Locks the journal file, exclusively or shared. A compaction replaces
    /// the file while others may wait for the old one's lock, so once locked
    /// the file is checked to still be the one at the path, and reopened if not.
    fn lock(&mut self, exclusive: bool) -> Result<Flock<File>> {
        let mode = if exclusive {
            FlockArg::LockExclusive
        } else {
            FlockArg::LockShared
        };
        loop {
            if self.file.is_none() {
                if let Some(directory) = self.path.parent() {
                    fs::create_dir_all(directory).map_err(|e| self.cannot("create", &e))?;
                }
                let file = OpenOptions::new()
                    .read(true)
                    .append(true)
                    .create(true)
                    .open(&self.path)
                    .map_err(|e| self.cannot("open", &e))?;
                self.file = Some(file);
            }
            let file = self.file.as_ref().expect("journal file was just opened");
            let file = file.try_clone().map_err(|e| self.cannot("open", &e))?;
            let locked = Flock::lock(file, mode).map_err(|(_, errno)| {
                self.cannot("lock", &std::io::Error::from_raw_os_error(errno as i32))
            })?;
            let same = match (locked.metadata(), fs::metadata(&self.path)) {
                (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
                _ => false,
            };
            if same {
                return Ok(locked);
            }
            self.file = None;
        }
    }

    /// Appends `lines` in one write, under the lock, starting on a fresh line
    /// even if the last writer was killed half-way through its own.
    fn append(&mut self, lines: &[Line]) -> Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        let mut text = text_of(lines);
        let mut locked = self.lock(true)?;
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
            .map_err(|e| self.cannot("write", &e))
    }

    /// Records the undo steps of changes about to be made; returns their entries.
    pub fn record(&mut self, undo_steps: impl IntoIterator<Item = Step>) -> Result<Vec<Entry>> {
        let stamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let pid = std::process::id();
        let home = self.home;
        let entries: Vec<Entry> = undo_steps
            .into_iter()
            .map(|undo| {
                let number = NEXT_ENTRY.fetch_add(1, Ordering::Relaxed);
                Entry {
                    id: format!("{pid}.{stamp}.{number}"),
                    home,
                    undo,
                }
            })
            .collect();
        let lines: Vec<Line> = entries.iter().cloned().map(Line::from).collect();
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
        let mut locked = self.lock(false)?;
        standing(&mut locked).map_err(|e| self.cannot("read", &e))
    }

    /// Rewrites the journal with only the entries still in place, so that it
    /// does not grow forever. The new file replaces the old one in a rename:
    /// a writer killed at any moment leaves one or the other, whole.
    pub fn compact(&mut self) -> Result<()> {
        if !self.path.exists() {
            return Ok(());
        }
        let mut locked = self.lock(true)?;
        let entries = standing(&mut locked).map_err(|e| self.cannot("read", &e))?;
        let text = text_of(&entries.into_iter().map(Line::from).collect::<Vec<_>>());
        let fresh = self.path.with_extension("new");
        fs::write(&fresh, text)
            .and_then(|()| fs::rename(&fresh, &self.path))
            .map_err(|e| self.cannot("rewrite", &e))?;
        self.file = None;
        Ok(())
    }
}

impl From<Entry> for Line {
    fn from(entry: Entry) -> Line {
        Line::Entry {
            id: entry.id,
            home: entry.home,
            undo: entry.undo,
        }
    }
}

/// `lines` as JSON lines.
fn text_of(lines: &[Line]) -> String {
    let mut text = String::new();
    for line in lines {
        text += &serde_json::to_string(line).expect("journal lines always serialize");
        text.push('\n');
    }
    text
}

/// Reads the entries still in place from the start of `file`.
fn standing(file: &mut File) -> std::io::Result<Vec<Entry>> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0))?;
    file.read_to_string(&mut text)?;
    let mut entries = Vec::new();
    let mut gone = HashSet::new();
    for line in text.lines() {
        match serde_json::from_str::<Line>(line) {
            Ok(Line::Entry { id, home, undo }) => entries.push(Entry { id, home, undo }),
            Ok(Line::Gone { gone: id }) => {
                gone.insert(id);
            }
            Err(_) => {}
        }
    }
    entries.retain(|entry| !gone.contains(&entry.id));
    Ok(entries)
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
            home: None,
        }
    }

    fn temporary_directory(tag: &str) -> PathBuf {
        let directory =
            std::env::temp_dir().join(format!("vethkit-journal-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&directory);
        directory
    }

    fn standing_steps(directory: &std::path::Path) -> Vec<Step> {
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
        let left = standing_steps(&directory);
        assert_eq!(left, vec![up("a"), up("c")]);
        fs::remove_dir_all(directory).unwrap();
    }

    #[test]
    fn a_torn_last_line_is_skipped_and_does_not_swallow_the_next() {
        let directory = temporary_directory("torn");
        let mut journal = journal_in(&directory);
        journal.record([up("a")]).unwrap();
        fs::OpenOptions::new()
            .append(true)
            .open(directory.join(JOURNAL_FILE))
            .unwrap()
            .write_all(br#"{"id":"x","undo":{"step":"link-do"#)
            .unwrap();
        journal.record([up("b")]).unwrap();
        let left = standing_steps(&directory);
        assert_eq!(left, vec![up("a"), up("b")]);
        fs::remove_dir_all(directory).unwrap();
    }

    #[test]
    fn compaction_keeps_what_stands_and_later_writers_find_the_new_file() {
        let directory = temporary_directory("compact");
        let mut writer = journal_in(&directory);
        let entries = writer.record([up("a"), up("b"), up("c")]).unwrap();
        writer.forget(&entries[..2]).unwrap();
        journal_in(&directory).compact().unwrap();
        let text = fs::read_to_string(directory.join(JOURNAL_FILE)).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        writer.record([up("d")]).unwrap();
        assert_eq!(standing_steps(&directory), vec![up("c"), up("d")]);
        fs::remove_dir_all(directory).unwrap();
    }
}
