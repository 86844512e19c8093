//! The journal: every change vethkit may have made, with the step that
//! undoes it, so that `netns-reset --all` can take it all back.
//!
//! It is a file of JSON lines in the state directory (`$VETHKIT_STATE_DIR`,
//! default `/run/vethkit`), appended under an exclusive `flock`:
//! `{"id":ID,"undo":STEP}` is written *before* its step is applied;
//! `{"amend":ID,"undo":STEP}` replaces the undo of an entry still standing
//! once its step is applied and has said which object it made (its index,
//! its handle: see [`crate::step::Made`]); and `{"gone":ID}` is written
//! once the change is known not to be there (rolled back, never applied,
//! or made by another).
//!
//! The file is read as bytes, a line at a time: a line that cannot be read
//! (not UTF-8, not a record, or cut short by a write that failed part-way)
//! is reported with its number and skipped, and the rest stands. A record
//! this version does not know (written by a later one) is kept as it is.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};

use crate::error::{io_words, quoted, Error, Result};
use crate::step::Step;

/// The default state directory.
pub const DEFAULT_STATE_DIR: &str = "/run/vethkit";
/// The environment variable that moves the state directory.
pub const STATE_DIR_VARIABLE: &str = "VETHKIT_STATE_DIR";
const JOURNAL_FILE: &str = "journal";
/// Held while sysctls are read and written, so that parallel invocations
/// each see the value the one before left, and no write is taken for
/// another's.
const SYSCTL_LOCK_FILE: &str = "sysctl.lock";

/// Makes entry ids unique within this process.
static NEXT_ENTRY: AtomicU64 = AtomicU64::new(0);

/// One line of the journal.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum Line {
    Entry {
        id: String,
        #[serde(default, rename = "home", skip_serializing_if = "Option::is_none")]
        made_from: Option<u64>,
        undo: Step,
    },
    Amend {
        amend: String,
        undo: Step,
    },
    Gone {
        gone: String,
    },
}

/// A recorded change that may still be in place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// `PID.TIME.N`, unique in the journal: what its amend and gone lines
    /// name.
    pub id: String,
    /// The network namespace the change was made from (its inode number),
    /// which is the one the undo's "caller's namespace" means.
    pub made_from: Option<u64>,
    /// The step that undoes the change.
    pub undo: Step,
}

/// A line of the journal that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    /// The line's number, counting from 1.
    pub line: usize,
    /// Why it could not be read, as the note on stderr says.
    pub why: &'static str,
}

/// What the journal holds.
#[derive(Debug, Default)]
pub struct Contents {
    /// The entries still in place, oldest first.
    pub entries: Vec<Entry>,
    /// The lines that could not be read, skipped.
    pub unreadable: Vec<Unreadable>,
    /// Records of a later version, kept as they are by a compaction.
    foreign: Vec<String>,
}

/// The journal file of the state directory.
pub struct Journal {
    path: PathBuf,
    file: Option<File>,
    /// The namespace this process records its changes from.
    made_from: Option<u64>,
}

/// The state directory in force: `$VETHKIT_STATE_DIR`, which must be an
/// absolute path (a relative one would put the journal wherever the command
/// happens to run), or `/run/vethkit`.
fn state_directory() -> Result<PathBuf> {
    let Some(value) = std::env::var_os(STATE_DIR_VARIABLE).filter(|value| !value.is_empty()) else {
        return Ok(PathBuf::from(DEFAULT_STATE_DIR));
    };
    let directory = PathBuf::from(value);
    if directory.is_relative() {
        return Err(Error::usage(format!(
            "{STATE_DIR_VARIABLE} must be an absolute path, not {}: a relative one puts the journal in whatever directory a command runs in",
            quoted(&directory.to_string_lossy())
        )));
    }
    Ok(directory)
}

impl Journal {
    /// The journal of the state directory in force. Nothing is opened
    /// until something is written or read.
    pub fn new() -> Result<Self> {
        Ok(Journal {
            path: state_directory()?.join(JOURNAL_FILE),
            file: None,
            made_from: crate::netns::current_id().ok(),
        })
    }

    /// The journal file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn cannot(&self, what: &str, error: &std::io::Error) -> Error {
        Error::failed(format!(
            "cannot {what} the journal {}: {}",
            self.path.display(),
            io_words(error)
        ))
    }

    /// Opens (creating it if need be) a file of the state directory.
    fn open_in_state_directory(&self, path: &Path) -> Result<File> {
        if let Some(directory) = path.parent() {
            fs::create_dir_all(directory).map_err(|e| self.cannot("create", &e))?;
        }
        OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| self.cannot("open", &e))
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
                self.file = Some(self.open_in_state_directory(&self.path)?);
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

    /// Takes the lock that sysctl changes are made under, until the guard
    /// is dropped: plan, record and apply them while holding it.
    pub fn lock_sysctls(&mut self) -> Result<Flock<File>> {
        let path = self.path.with_file_name(SYSCTL_LOCK_FILE);
        let file = self.open_in_state_directory(&path)?;
        Flock::lock(file, FlockArg::LockExclusive).map_err(|(_, errno)| {
            Error::failed(format!(
                "cannot lock {}: {}",
                path.display(),
                crate::error::errno_words(errno as i32)
            ))
        })
    }

    /// Appends `lines` in one write, under the lock, starting on a fresh line
    /// even if the last writer was killed half-way through its own.
    fn append(&mut self, lines: impl IntoIterator<Item = Line>) -> Result<()> {
        let mut text = text_of(lines);
        if text.is_empty() {
            return Ok(());
        }
        let mut locked = self.lock(true)?;
        let length = locked.seek(SeekFrom::End(0)).unwrap_or(0);
        if length > 0 {
            let mut last = [0u8];
            let torn = locked.seek(SeekFrom::End(-1)).is_ok()
                && locked.read_exact(&mut last).is_ok()
                && last[0] != b'\n';
            if torn {
                text.insert(0, b'\n');
            }
        }
        locked
            .write_all(&text)
            .map_err(|e| self.cannot("write", &e))
    }

    /// Records the undo steps of changes about to be made; returns their entries.
    pub fn record(&mut self, undo_steps: impl IntoIterator<Item = Step>) -> Result<Vec<Entry>> {
        let stamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let pid = std::process::id();
        let made_from = self.made_from;
        let entries: Vec<Entry> = undo_steps
            .into_iter()
            .map(|undo| {
                let number = NEXT_ENTRY.fetch_add(1, Ordering::Relaxed);
                Entry {
                    id: format!("{pid}.{stamp}.{number}"),
                    made_from,
                    undo,
                }
            })
            .collect();
        self.append(entries.iter().cloned().map(Line::from))?;
        Ok(entries)
    }

    /// In one write: replaces the undo of each of `updated` (recorded
    /// already, same ids), and marks `forgotten` as no longer in place.
    pub fn amend<'a>(
        &mut self,
        updated: impl IntoIterator<Item = &'a Entry>,
        forgotten: impl IntoIterator<Item = &'a Entry>,
    ) -> Result<()> {
        let amended = updated.into_iter().map(|entry| Line::Amend {
            amend: entry.id.clone(),
            undo: entry.undo.clone(),
        });
        let gone = forgotten.into_iter().map(|entry| Line::Gone {
            gone: entry.id.clone(),
        });
        self.append(amended.chain(gone))
    }

    /// Marks entries whose change is no longer in place.
    pub fn forget<'a>(&mut self, entries: impl IntoIterator<Item = &'a Entry>) -> Result<()> {
        self.amend([], entries)
    }

    /// The entries still in place, oldest first, and the lines that could
    /// not be read.
    pub fn read(&mut self) -> Result<Contents> {
        if !self.path.exists() {
            return Ok(Contents::default());
        }
        let mut locked = self.lock(false)?;
        read_contents(&mut locked).map_err(|e| self.cannot("read", &e))
    }

    /// The entries still in place, oldest first, with a warning on stderr
    /// (from `program`) for each line that could not be read.
    pub fn entries(&mut self, program: &str) -> Result<Vec<Entry>> {
        let contents = self.read()?;
        for line in &contents.unreadable {
            eprintln!("{program}: {}", self.describe(line));
        }
        Ok(contents.entries)
    }

    /// An unreadable line, in words.
    pub fn describe(&self, unreadable: &Unreadable) -> String {
        format!(
            "cannot read line {} of the journal {}: {}; skipped",
            unreadable.line,
            self.path.display(),
            unreadable.why
        )
    }

    /// Rewrites the journal with only the entries still in place (and the
    /// records of a later version), so that it does not grow forever:
    /// unreadable lines go. The new file replaces the old one in a rename: a
    /// writer killed at any moment leaves one or the other, whole.
    pub fn compact(&mut self) -> Result<()> {
        if !self.path.exists() {
            return Ok(());
        }
        let mut locked = self.lock(true)?;
        let contents = read_contents(&mut locked).map_err(|e| self.cannot("read", &e))?;
        let mut text = text_of(contents.entries.into_iter().map(Line::from));
        for record in &contents.foreign {
            text.extend_from_slice(record.as_bytes());
            text.push(b'\n');
        }
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
            made_from: entry.made_from,
            undo: entry.undo,
        }
    }
}

/// `lines` as JSON lines.
fn text_of(lines: impl IntoIterator<Item = Line>) -> Vec<u8> {
    let mut text = Vec::new();
    for line in lines {
        serde_json::to_writer(&mut text, &line).expect("journal lines always serialize");
        text.push(b'\n');
    }
    text
}

/// Reads the journal from the start of `file`: the entries still in place,
/// in the order they were recorded, each with its latest undo. A line at a
/// time, so that a long journal costs only the entries it holds.
fn read_contents(file: &mut File) -> std::io::Result<Contents> {
    file.seek(SeekFrom::Start(0))?;
    let mut reader = BufReader::new(file);
    let mut bytes = Vec::new();
    let mut contents = Contents::default();
    let mut slots: Vec<Entry> = Vec::new();
    let mut gone: Vec<bool> = Vec::new();
    let mut slot_of: HashMap<String, usize> = HashMap::new();
    let mut index = 0;
    loop {
        bytes.clear();
        if reader.read_until(b'\n', &mut bytes)? == 0 {
            break;
        }
        index += 1;
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match parse_line(&bytes) {
            Ok(Line::Entry {
                id,
                made_from,
                undo,
            }) => {
                slot_of.insert(id.clone(), slots.len());
                slots.push(Entry {
                    id,
                    made_from,
                    undo,
                });
                gone.push(false);
            }
            // Only an entry still standing is amended: one forgotten (and
            // perhaps compacted away) meanwhile stays forgotten.
            Ok(Line::Amend { amend, undo }) => {
                if let Some(&slot) = slot_of.get(&amend) {
                    if !gone[slot] {
                        slots[slot].undo = undo;
                    }
                }
            }
            Ok(Line::Gone { gone: id }) => {
                if let Some(&slot) = slot_of.get(&id) {
                    gone[slot] = true;
                }
            }
            Err(Unparsed::Foreign(record)) => contents.foreign.push(record),
            Err(Unparsed::Unreadable(why)) => {
                contents.unreadable.push(Unreadable { line: index, why })
            }
        }
    }
    let mut standing = gone.into_iter().map(|gone| !gone);
    slots.retain(|_| standing.next().unwrap_or(false));
    contents.entries = slots;
    Ok(contents)
}

/// A line that is not a record of this version.
enum Unparsed {
    /// A record of a later version (a JSON object with an id), kept as is.
    Foreign(String),
    /// Not a record: why, in words.
    Unreadable(&'static str),
}

/// One line of the journal, or why it is not one of this version's records.
fn parse_line(bytes: &[u8]) -> Result<Line, Unparsed> {
    const CUT_SHORT: &str = "it ends part-way, as a write cut short (a full disk, say) leaves it";
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        // A sequence cut at the very end: the line was cut inside a character.
        Err(error) if error.error_len().is_none() => return Err(Unparsed::Unreadable(CUT_SHORT)),
        Err(_) => return Err(Unparsed::Unreadable("it is not valid UTF-8")),
    };
    serde_json::from_str(text).map_err(|error| {
        if error.is_eof() {
            return Unparsed::Unreadable(CUT_SHORT);
        }
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(record) if record.get("id").is_some() => Unparsed::Foreign(text.to_string()),
            _ => Unparsed::Unreadable("it is not a journal record"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal_in(directory: &std::path::Path) -> Journal {
        Journal {
            path: directory.join(JOURNAL_FILE),
            file: None,
            made_from: None,
        }
    }

    fn temporary_directory(tag: &str) -> PathBuf {
        let directory =
            std::env::temp_dir().join(format!("vethkit-journal-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&directory);
        directory
    }

    fn standing_steps(directory: &std::path::Path) -> Vec<Step> {
        let contents = journal_in(directory).read().unwrap();
        contents
            .entries
            .into_iter()
            .map(|entry| entry.undo)
            .collect()
    }

    fn append_bytes(directory: &std::path::Path, bytes: &[u8]) {
        fs::OpenOptions::new()
            .append(true)
            .open(directory.join(JOURNAL_FILE))
            .unwrap()
            .write_all(bytes)
            .unwrap();
    }

    fn down(name: &str) -> Step {
        crate::step::state::LinkDown {
            netns: None,
            name: name.parse().unwrap(),
            object: Default::default(),
        }
        .into()
    }

    #[test]
    fn recorded_entries_stay_until_forgotten() {
        let directory = temporary_directory("forget");
        let mut journal = journal_in(&directory);
        let entries = journal.record([down("a"), down("b"), down("c")]).unwrap();
        journal.forget(&entries[1..2]).unwrap();
        let left = standing_steps(&directory);
        assert_eq!(left, vec![down("a"), down("c")]);
        fs::remove_dir_all(directory).unwrap();
    }

    #[test]
    fn an_amended_entry_keeps_its_place_with_its_new_undo() {
        let directory = temporary_directory("amend");
        let mut journal = journal_in(&directory);
        let mut entries = journal.record([down("a"), down("b"), down("c")]).unwrap();
        entries[0].undo = down("a2");
        journal.amend(&entries[..1], &entries[1..2]).unwrap();
        assert_eq!(standing_steps(&directory), vec![down("a2"), down("c")]);
        fs::remove_dir_all(directory).unwrap();
    }

    #[test]
    fn a_torn_last_line_is_skipped_and_does_not_swallow_the_next() {
        let directory = temporary_directory("torn");
        let mut journal = journal_in(&directory);
        journal.record([down("a")]).unwrap();
        append_bytes(&directory, br#"{"id":"x","undo":{"step":"link-do"#);
        journal.record([down("b")]).unwrap();
        let contents = journal_in(&directory).read().unwrap();
        assert_eq!(contents.entries.len(), 2);
        assert_eq!(contents.unreadable.len(), 1);
        assert_eq!(contents.unreadable[0].line, 2);
        assert!(contents.unreadable[0].why.contains("part-way"));
        fs::remove_dir_all(directory).unwrap();
    }

    #[test]
    fn lines_that_are_not_utf8_are_reported_and_the_rest_stands() {
        let directory = temporary_directory("utf8");
        let mut journal = journal_in(&directory);
        journal.record([down("a")]).unwrap();
        append_bytes(&directory, b"\xff\xfe binary garbage\n");
        journal.record([down("b")]).unwrap();
        // A name cut inside a two-byte character, as a full disk leaves it.
        let line = r#"{"id":"t","undo":{"step":"netns-del","name":"\u00f1"}}"#;
        let whole =
            serde_json::to_vec(&serde_json::from_str::<serde_json::Value>(line).unwrap()).unwrap();
        let cut = whole.iter().position(|b| *b == 0xc3).unwrap() + 1;
        append_bytes(&directory, &whole[..cut]);
        let contents = journal_in(&directory).read().unwrap();
        assert_eq!(
            contents.entries.iter().map(|e| &e.undo).collect::<Vec<_>>(),
            [&down("a"), &down("b")]
        );
        let lines: Vec<(usize, &str)> = contents
            .unreadable
            .iter()
            .map(|u| (u.line, u.why))
            .collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(lines[0], (2, "it is not valid UTF-8"));
        assert_eq!(lines[1].0, 4);
        assert!(lines[1].1.contains("part-way"), "{lines:?}");
        fs::remove_dir_all(directory).unwrap();
    }

    #[test]
    fn an_entry_forgotten_and_compacted_away_is_not_brought_back_by_its_amendment() {
        let directory = temporary_directory("resurrect");
        let mut journal = journal_in(&directory);
        let mut entries = journal.record([down("a")]).unwrap();
        journal.forget(&entries).unwrap();
        journal.compact().unwrap();
        entries[0].undo = down("a2");
        journal.amend(&entries, []).unwrap();
        assert_eq!(standing_steps(&directory), Vec::<Step>::new());
        fs::remove_dir_all(directory).unwrap();
    }

    #[test]
    fn records_of_a_later_version_are_kept_by_a_compaction() {
        let directory = temporary_directory("foreign");
        let mut journal = journal_in(&directory);
        journal.record([down("a")]).unwrap();
        let later = r#"{"id":"9.9.9","undo":{"step":"vxlan-fdb-del","name":"vx42"}}"#;
        append_bytes(&directory, format!("{later}\n").as_bytes());
        let contents = journal.read().unwrap();
        assert!(contents.unreadable.is_empty());
        journal.compact().unwrap();
        let text = fs::read_to_string(directory.join(JOURNAL_FILE)).unwrap();
        assert!(text.lines().any(|line| line == later), "{text}");
        fs::remove_dir_all(directory).unwrap();
    }

    #[test]
    fn compaction_keeps_what_stands_and_later_writers_find_the_new_file() {
        let directory = temporary_directory("compact");
        let mut writer = journal_in(&directory);
        let entries = writer.record([down("a"), down("b"), down("c")]).unwrap();
        writer.forget(&entries[..2]).unwrap();
        append_bytes(&directory, b"\xff\n");
        journal_in(&directory).compact().unwrap();
        let text = fs::read_to_string(directory.join(JOURNAL_FILE)).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        writer.record([down("d")]).unwrap();
        assert_eq!(standing_steps(&directory), vec![down("c"), down("d")]);
        fs::remove_dir_all(directory).unwrap();
    }
}
