//! The writer's one error type.

use std::path::PathBuf;

/// Everything that can go wrong while writing a GeoTIFF. Each variant names the output path;
/// `Display` is one line, `<path>: <what>`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The operating system refused an operation: unwritable folder, full disk, failed rename.
    #[error("{path}: {op}: {source}")]
    Io {
        /// The file the operation was on (the output, its temporary file or its folder).
        path: PathBuf,
        /// What was being done, e.g. `create temporary file`.
        op: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The [`Options`](crate::Options) describe a file that cannot be written.
    #[error("{path}: invalid options: {msg}")]
    Options {
        /// The output path.
        path: PathBuf,
        /// What is wrong.
        msg: String,
    },
    /// A call did not fit the file: wrong sample type, rows or tiles outside the raster or
    /// written twice, a buffer of the wrong length.
    #[error("{path}: {msg}")]
    Usage {
        /// The output path.
        path: PathBuf,
        /// What is wrong.
        msg: String,
    },
    /// `finish` was called before every pixel was written.
    #[error("{path}: incomplete: {msg}")]
    Incomplete {
        /// The output path.
        path: PathBuf,
        /// What is missing.
        msg: String,
    },
    /// The file grew past what the chosen TIFF flavour can address (classic TIFF: 4 GiB).
    #[error("{path}: {msg}")]
    TooLarge {
        /// The output path.
        path: PathBuf,
        /// What overflowed.
        msg: String,
    },
    /// A tile could not be compressed.
    #[error("{path}: encoding tile failed: {msg}")]
    Encode {
        /// The output path.
        path: PathBuf,
        /// The codec's message.
        msg: String,
    },
    /// An earlier call failed; the writer refuses further work and its temporary file is removed
    /// when it is dropped.
    #[error("{path}: writer unusable after an earlier error")]
    Failed {
        /// The output path.
        path: PathBuf,
    },
}

/// The writer's result type.
pub type Result<T> = std::result::Result<T, Error>;
