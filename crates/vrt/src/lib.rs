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
//! What GDAL does and rastagg matches (measured on GDAL 3.6.2, fixtures in testdata/vrt):
//! - sources paint in document order, later over earlier; a ComplexSource pixel equal to its
//!   NODATA (GDAL's ARE_REAL_EQUAL in the working precision; NaN matches NaN) is transparent;
//!   cells no source covers hold the band's NoDataValue (0 without one), even when
//!   `HideNoDataValue` hides it from [`VrtDataset::nodata`];
//! - the pixel choice of VRTSimpleSource::GetSrcDstWindow and nearest resampling, including
//!   fractional SrcRect/DstRect and their 1e-3 edge tolerances; the result depends on the
//!   window read, exactly as in GDAL;
//! - conversions: GDALCopyWords rounding/clamping, the ComplexSource working type (Float32, or
//!   Float64 for Int32/UInt32/Float64 bands), ScaleRatio·v + ScaleOffset after the NODATA
//!   test, and GDAL 3.6's Float32 quirks (NaN to INT_MIN for 32/64-bit integers, the 8-wide
//!   Int16 path).
//!
//! Refused with [`Error::Unsupported`] rather than read differently: derived / raw / warped /
//! pansharpened VRTs, pixel functions, AveragedSource, KernelFilteredSource,
//! NoDataFromMaskSource, LUT, Exponent scaling, ColorTableComponent, UseMaskBand, mask source
//! bands, OpenOptions, `/vsi…` and inline sources, MaxValue, non-nearest resampling where a
//! source is resampled, resampled nested VRTs, and downsampled sources that have overviews
//! (GDAL would read the overviews). Harmless elements (Metadata, ColorInterp, Offset/Scale,
//! OverviewList, SourceProperties, GCPList, MaskBand, ...) are ignored.
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

pub use dataset::{BlockSize, VrtDataset, VrtOptions};
pub use error::{Error, Result};
pub use rastagg_raster::{GeoKeys, GeoTransform, Sample, SampleType, Window};
pub use srs::{CrsKind, Srs};
