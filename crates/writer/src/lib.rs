//! Tiled, compressed, crash-safe GeoTIFF writer.
//!
//! Writes one single-band GeoTIFF (classic or BigTIFF, little-endian) with square-ish tiles,
//! deflate/LZW/zstd compression with TIFF predictors, the input's CRS copied verbatim, GDAL's
//! nodata tag, optional sparse tiles, and optionally as a Cloud Optimized GeoTIFF with
//! internal overviews in GDAL's COG layout. Pure Rust codecs only.
//!
//! Protocol: [`GeoTiffWriter::create`] with [`Options`]; then, from any number of threads,
//! [`GeoTiffWriter::write_rows`] (bands of full rows, the easy path) or
//! [`GeoTiffWriter::write_tile`]; then [`GeoTiffWriter::finish`]. The file is written under a
//! hidden temporary name in the target folder and renamed into place by `finish` once
//! complete and synced; an error or dropping the writer unfinished removes it.
//!
//! ```no_run
//! use rastagg_raster::SampleType;
//! use rastagg_writer::{GeoTiffWriter, Options};
//!
//! let mut options = Options::new(1000, 700, SampleType::F32);
//! options.nodata = Some(-9999.0);
//! let writer = GeoTiffWriter::create("out.tif", options)?;
//! for band in 0..7 {
//!     let rows = vec![1.5f32; 1000 * 100];
//!     writer.write_rows(band * 100, &rows)?;
//! }
//! writer.finish()?;
//! # Ok::<(), rastagg_writer::Error>(())
//! ```
//!
//! The bytes written do not depend on the order rows or tiles arrive in, nor on the number of
//! threads: tiles go to the file in index order (see the `sink` module for how).

mod codec;
mod error;
mod gfmt;
mod grid;
mod options;
mod output;
mod rows;
mod runs;
mod sink;
mod tags;
mod tile;
mod writer;

pub use error::{Error, Result};
pub use gfmt::gdal_nodata_text;
pub use options::{BigTiff, Compression, Options, Resampling};
pub use writer::GeoTiffWriter;
