//! GDAL VRT mosaics for rastagg: one virtual raster over thousands of GeoTIFF tiles, read as if
//! it were one file.
//!
//! [`VrtDataset::open`] parses and validates the XML (quick-xml) — `VRTDataset` size, `SRS`,
//! `GeoTransform`, `VRTRasterBand`s with `SimpleSource` / `ComplexSource` (NODATA,
//! ScaleOffset/ScaleRatio, SrcRect/DstRect, nested VRTs) — and refuses, by name, every element
//! that would change the pixels in a way rastagg does not reproduce (derived bands, warped
//! VRTs, LUTs, masks, kernel filters, ...). Reads ([`VrtDataset::read_window`]) find the
//! sources a window touches through a spatial index, open them lazily through a bounded cache
//! of memory-mapped GeoTIFFs ([`rastagg_tiff::TiffFile`]) and paint them in document order,
//! reproducing GDAL 3.6's pixel choice, type conversion, NODATA test and scaling exactly.
//!
//! The API mirrors the GeoTIFF reader's (`width`, `height`, `bands`, `sample_type`,
//! `geo_transform`, `nodata`, `read_window`, `read_window_into`, `read_window_f64`), so the
//! pipeline treats both alike. Bands are 0-based.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod cache;
mod convert;
mod dataset;
mod error;
mod geometry;
mod index;
mod model;
mod paint;
mod srs;
mod xml;

pub use dataset::{VrtDataset, VrtOptions};
pub use error::{Error, Result};
pub use rastagg_raster::{GeoKeys, GeoTransform, Sample, SampleType, Window};
pub use srs::{CrsKind, Srs};
