//! The error type every command shares, and the words for kernel errnos.

use std::fmt;

/// What went wrong, worded for the user, and which exit status it earns.
#[derive(Clone, Debug, thiserror::Error)]
pub enum Error {
    /// The arguments are wrong; nothing was done. Exit status 2.
    #[error("{0}")]
    Usage(String),
    /// The operation failed (kernel refused, conflict, missing object). Exit status 1.
    #[error("{0}")]
    Failed(String),
    /// A failure with an exit status of its own (netns-exec's 126 and 127).
    #[error("{1}")]
    Status(u8, String),
}

/// Results whose error is an [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A usage error: bad arguments or input.
    pub fn usage(message: impl fmt::Display) -> Self {
        Error::Usage(message.to_string())
    }

    /// A failed operation.
    pub fn failed(message: impl fmt::Display) -> Self {
        Error::Failed(message.to_string())
    }

    /// The exit status this error earns: 2 for bad usage, 1 for a failure.
    pub fn exit_status(&self) -> u8 {
        match self {
            Error::Usage(_) => 2,
            Error::Failed(_) => 1,
            Error::Status(status, _) => *status,
        }
    }

    /// The same error with `context: ` put in front of its message.
    pub fn context(self, context: impl fmt::Display) -> Self {
        match self {
            Error::Usage(m) => Error::Usage(format!("{context}: {m}")),
            Error::Failed(m) => Error::Failed(format!("{context}: {m}")),
            Error::Status(s, m) => Error::Status(s, format!("{context}: {m}")),
        }
    }
}

/// Plain words for an errno, without the "(os error N)" tail.
pub fn errno_words(errno: i32) -> String {
    let words = match errno {
        libc::EPERM => "operation not permitted (run as root)",
        libc::EACCES => "permission denied",
        libc::EEXIST => "it already exists",
        libc::ENODEV => "no such interface",
        libc::ENOENT => "no such object",
        libc::ESRCH => "no such route",
        libc::EADDRNOTAVAIL => "no such address",
        libc::ENETUNREACH => "network unreachable (no address in the gateway's subnet)",
        libc::EINVAL => "invalid argument",
        libc::ERANGE => "value out of range",
        libc::EOPNOTSUPP => "not supported by this kernel",
        libc::EBUSY => "device or resource busy",
        libc::EMFILE | libc::ENFILE => "too many open files",
        _ => {
            let text = std::io::Error::from_raw_os_error(errno).to_string();
            return match text.find(" (os error") {
                Some(cut) => text[..cut].to_lowercase(),
                None => text,
            };
        }
    };
    words.to_string()
}

/// The error of a process that may not change the network.
pub fn needs_net_admin() -> Error {
    Error::failed(
        "permission denied: changing the network needs CAP_NET_ADMIN \
         (run as root, or inside a user and network namespace of your own: unshare -rn)",
    )
}

/// How much of a text [`quoted`] shows before it cuts it short.
const QUOTED_MAX: usize = 48;

/// `text` as an error message echoes it: in double quotes, control
/// characters escaped, and cut short (with its length) when it is long,
/// so that whatever the input, the message stays one short line.
pub fn quoted(text: &str) -> String {
    let mut escaped = text.chars().flat_map(char::escape_debug);
    let head: String = escaped.by_ref().take(QUOTED_MAX).collect();
    if escaped.next().is_none() {
        return format!("\"{head}\"");
    }
    format!("\"{head}...\" ({} bytes)", text.len())
}

/// How long a message [`one_line`] lets through.
const MESSAGE_MAX: usize = 600;

/// A message made safe to print as one line: control characters escaped,
/// and cut short if something long got into it anyway.
pub fn one_line(message: &str) -> String {
    let mut line = String::with_capacity(message.len().min(MESSAGE_MAX));
    for c in message.chars() {
        if c.is_control() {
            line.extend(c.escape_debug());
        } else {
            line.push(c);
        }
    }
    if line.len() > MESSAGE_MAX {
        let mut cut = MESSAGE_MAX;
        while !line.is_char_boundary(cut) {
            cut -= 1;
        }
        line.truncate(cut);
        line.push_str("...");
    }
    line
}

/// Turns an I/O error into words, without the "(os error N)" tail.
pub fn io_words(error: &std::io::Error) -> String {
    match error.raw_os_error() {
        Some(errno) => errno_words(errno),
        None => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_words_have_no_os_error_tail() {
        assert_eq!(errno_words(libc::EEXIST), "it already exists");
        let other = errno_words(libc::ENOTTY);
        assert!(!other.contains("os error"), "{other}");
        assert!(!other.is_empty());
    }

    #[test]
    fn echoed_input_is_quoted_escaped_and_cut_short() {
        assert_eq!(quoted("ns1"), "\"ns1\"");
        assert_eq!(quoted("a\nb\u{1}"), "\"a\\nb\\u{1}\"");
        let long = quoted(&"x".repeat(1 << 20));
        assert!(long.ends_with("...\" (1048576 bytes)"), "{long}");
        assert!(long.len() < 80, "{long}");
        assert_eq!(one_line("two\nlines"), "two\\nlines");
        assert!(one_line(&"y".repeat(5000)).len() < 700);
    }

    #[test]
    fn exit_status_follows_the_design() {
        assert_eq!(Error::usage("x").exit_status(), 2);
        assert_eq!(Error::failed("x").exit_status(), 1);
        assert_eq!(
            Error::failed("gone")
                .context("cannot delete veth1")
                .to_string(),
            "cannot delete veth1: gone"
        );
    }
}
