//! The reader's errors: every one names the file and says what is wrong in one line.

use std::path::PathBuf;

/// A problem found in a file or a request, before the file's path is attached.
///
/// [`crate::BlockCodec::decode`] returns it directly (it works on raw bytes and knows no path);
/// [`crate::TiffFile`] wraps it into an [`Error`] that names the file.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Corrupt, truncated or inconsistent data.
    #[error("{0}")]
    Format(String),
    /// Valid TIFF that this reader does not read (a codec, a sample layout, ...).
    #[error("{0}")]
    Unsupported(String),
    /// A [`crate::Limits`] bound was hit.
    #[error("{0}")]
    Limit(String),
    /// The caller asked for something impossible (wrong buffer size, band out of range, ...).
    #[error("{0}")]
    Usage(String),
}

impl DecodeError {
    /// Prefixes the message with `context: ` (for example the block index).
    pub(crate) fn context(self, context: impl std::fmt::Display) -> DecodeError {
        match self {
            DecodeError::Format(m) => DecodeError::Format(format!("{context}: {m}")),
            DecodeError::Unsupported(m) => DecodeError::Unsupported(format!("{context}: {m}")),
            DecodeError::Limit(m) => DecodeError::Limit(format!("{context}: {m}")),
            DecodeError::Usage(m) => DecodeError::Usage(format!("{context}: {m}")),
        }
    }
}

/// Shorthand for a [`DecodeError::Format`] with a formatted message.
macro_rules! format_err {
    ($($arg:tt)*) => { $crate::error::DecodeError::Format(format!($($arg)*)) };
}
pub(crate) use format_err;

/// Result of the path-less internal steps.
pub(crate) type Fallible<T> = std::result::Result<T, DecodeError>;

/// An error of the TIFF reader. Display is one line: `<path>: <problem>`.
#[derive(thiserror::Error, Debug)]
pub enum Error {
    /// The file could not be opened or mapped.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Corrupt, truncated or inconsistent file.
    #[error("{}: {msg}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        msg: String,
    },
    /// A valid TIFF this reader does not read, e.g. `unsupported compression 7 (JPEG)`.
    #[error("{}: {msg}", path.display())]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// What is not supported.
        msg: String,
    },
    /// A [`crate::Limits`] bound was hit.
    #[error("{}: {msg}", path.display())]
    Limit {
        /// The file.
        path: PathBuf,
        /// Which bound, and the size asked for.
        msg: String,
    },
    /// The caller's request was impossible: band out of range, window outside the image, a
    /// buffer of the wrong length or type.
    #[error("{}: {msg}", path.display())]
    Usage {
        /// The file.
        path: PathBuf,
        /// What was wrong with the request.
        msg: String,
    },
}

impl Error {
    /// Attaches the file's path to a path-less problem.
    pub(crate) fn at(path: impl Into<PathBuf>, e: DecodeError) -> Error {
        let path = path.into();
        match e {
            DecodeError::Format(msg) => Error::Format { path, msg },
            DecodeError::Unsupported(msg) => Error::Unsupported { path, msg },
            DecodeError::Limit(msg) => Error::Limit { path, msg },
            DecodeError::Usage(msg) => Error::Usage { path, msg },
        }
    }
}

/// Result of the reader's public operations.
pub type Result<T> = std::result::Result<T, Error>;
