//! The aggregation job behind `rastagg aggregate`: expanding inputs, planning grids and row
//! bands within a memory limit, scheduling bands on threads, naming and writing outputs.
//!
//! It contains no format or math code: reading is `rastagg-tiff`/`rastagg-vrt`, statistics are
//! `rastagg-core`, writing is `rastagg-writer`.

mod bands;
mod inputs;
mod job;
mod memory;
mod naming;
mod plan;
mod source;

pub use bands::{BandPlan, plan_bands};
pub use inputs::expand_inputs;
pub use job::{DEFAULT_NODATA, JobOptions, Observer, Outcome, Summary, WriterTemplate, run};
pub use memory::{DEFAULT_LIMIT_CAP, default_limit, human, parse_size};
pub use naming::{DEFAULT_RESOLUTION_NAME, output_path};
pub use plan::{GridSpec, OutputGrid, plan};
pub use source::{Source, SourceInfo};

use std::path::{Path, PathBuf};

/// Everything that can stop an input or the whole job. Display is one line; variants that
/// come from a file name it.
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
    /// An input that cannot be aggregated as asked (wrong band, unknown format, ...).
    #[error("{}: {msg}", path.display())]
    Input {
        /// The input.
        path: PathBuf,
        /// What is wrong.
        msg: String,
    },
    /// The output grid cannot be planned (rotated input with `--resolution`, ...).
    #[error("{0}")]
    Plan(String),
    /// The memory limit cannot hold even one band.
    #[error("{0}")]
    Memory(String),
    /// The GeoTIFF reader failed (its message names the file).
    #[error(transparent)]
    Tiff(#[from] rastagg_tiff::Error),
    /// The VRT reader failed (its message names the file).
    #[error(transparent)]
    Vrt(#[from] rastagg_vrt::Error),
    /// The aggregation core refused the grid or a window.
    #[error(transparent)]
    Core(#[from] rastagg_core::CoreError),
    /// Writing an output failed (its message names the file).
    #[error(transparent)]
    Writer(#[from] rastagg_writer::Error),
}

impl Error {
    /// The error with `path` named in its message when it does not name a file already.
    pub fn in_file(self, path: &Path) -> Error {
        match self {
            Error::Plan(msg) | Error::Memory(msg) => Error::Input {
                path: path.to_path_buf(),
                msg,
            },
            Error::Core(e) => Error::Input {
                path: path.to_path_buf(),
                msg: e.to_string(),
            },
            other => other,
        }
    }
}
