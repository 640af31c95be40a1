//! GeoTIFF/BigTIFF reader: zero-copy block decoding from a memory map.
//!
//! [`TiffFile::open`] maps a file and parses its header, first IFD (the image), GeoTIFF tags
//! and GDAL tags once; everything about the image is then in [`TiffFile::info`]. Pixels are
//! read per block ([`TiffFile::decode_block`]) or per window of one band
//! ([`TiffFile::read_window`]); a `TiffFile` is `Send + Sync`, so many threads can decode
//! different blocks at once without locks. Fetching a block's stored bytes
//! ([`TiffFile::block_bytes`]) and decoding them ([`BlockCodec::decode`]) are separate steps.
//!
//! Every offset, count and size read from a file is checked before use, allocations are
//! bounded by [`Limits`], and no input makes the reader panic: bad files give an [`Error`]
//! whose message names the file and the problem.
//!
//! ```no_run
//! use rastagg_tiff::{SampleType, TiffFile, Window};
//!
//! let tif = TiffFile::open("LST_Day.2015.01.Mean.1km.Data.tif")?;
//! let info = tif.info();
//! assert_eq!(info.sample_type, SampleType::F32);
//! // The first 256 rows of band 0 (bands are 0-based), decoding only the blocks they touch.
//! let rows: Vec<f32> = tif.read_window(0, Window::new(0, 0, info.width, 256.min(info.height)))?;
//! let nodata = info.nodata.as_ref().map(|n| n.value);
//! # Ok::<(), rastagg_tiff::Error>(())
//! ```
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod codec;
mod decode;
mod error;
mod file;
mod gdal;
mod geo;
mod header;
mod ifd;
mod image;
mod limits;
mod predictor;
mod tags;
mod window;

pub use codec::Compression;
pub use decode::BlockCodec;
pub use error::{DecodeError, Error, Result};
pub use file::TiffFile;
pub use gdal::{BandMetadata, Metadata, Nodata};
pub use header::ByteOrder;
pub use image::{ImageInfo, Interleave};
pub use limits::Limits;
pub use predictor::Predictor;
pub use rastagg_raster::{GeoKeys, GeoTransform, Sample, SampleType, Window};
