//! The one error type of the VRT crate.

use std::path::PathBuf;

/// Everything that can go wrong opening or reading a VRT. Display is one line that names the
/// file and the problem (`mosaic.vrt: unsupported VRT element <KernelFilteredSource>`).
#[derive(thiserror::Error, Debug)]
pub enum Error {
    /// The VRT (or a source) could not be read from disk.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file that failed.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Malformed XML, or a value GDAL would refuse (bad number, negative size, ...).
    #[error("{}: {msg}", path.display())]
    Format {
        /// The VRT file.
        path: PathBuf,
        /// What is wrong.
        msg: String,
    },
    /// Valid VRT that rastagg does not read (derived bands, warped VRTs, LUTs, ...): refused
    /// rather than read differently from GDAL.
    #[error("{}: {msg}", path.display())]
    Unsupported {
        /// The VRT file.
        path: PathBuf,
        /// The element or feature, e.g. `unsupported VRT element <LUT>`.
        msg: String,
    },
    /// A size or count beyond what rastagg (or GDAL) accepts, or nesting too deep / cyclic.
    #[error("{}: {msg}", path.display())]
    Limit {
        /// The VRT file.
        path: PathBuf,
        /// Which limit.
        msg: String,
    },
    /// Caller error: band out of range, window outside the raster, wrong sample type, short
    /// buffer.
    #[error("{}: {msg}", path.display())]
    Usage {
        /// The VRT file.
        path: PathBuf,
        /// What the caller got wrong.
        msg: String,
    },
    /// A GeoTIFF source failed to open or decode; its message names the source file.
    #[error("{}: source {}", vrt.display(), source)]
    Source {
        /// The VRT that references the source.
        vrt: PathBuf,
        /// The reader's error (its Display starts with the source path).
        source: rastagg_tiff::Error,
    },
}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
