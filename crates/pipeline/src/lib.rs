//! The aggregation job behind `rastagg aggregate`: expanding inputs, planning grids and row
//! bands within a memory limit, scheduling bands on threads, naming and writing outputs.
//!
//! It contains no format or math code: reading is `rastagg-tiff`/`rastagg-vrt`, statistics are
//! `rastagg-core`, writing is `rastagg-writer`.

mod inputs;
mod memory;
mod naming;

pub use inputs::expand_inputs;
pub use memory::{DEFAULT_LIMIT_CAP, default_limit, human, parse_size};
pub use naming::{DEFAULT_RESOLUTION_NAME, output_path};

use std::path::PathBuf;

/// Everything that can stop an input or the whole job.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bad command line (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}
