//! One input raster, GeoTIFF or VRT, behind one interface: what the planner needs to know
//! about it and window reads of one band.

use std::io::Read;
use std::path::Path;

use rastagg_raster::{GeoKeys, GeoTransform, Sample, SampleType, Window};
use rastagg_tiff::TiffFile;
use rastagg_vrt::VrtDataset;

use crate::Error;

/// An opened input.
#[derive(Debug)]
pub enum Source {
    /// A GeoTIFF or BigTIFF.
    Tiff(TiffFile),
    /// A GDAL VRT mosaic.
    Vrt(VrtDataset),
}

/// What the planner needs to know about an input band.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceInfo {
    /// Width in pixels.
    pub width: u64,
    /// Height in pixels.
    pub height: u64,
    /// Number of bands.
    pub bands: usize,
    /// Type of the band's samples.
    pub sample_type: SampleType,
    /// The band's nodata value, if it has one.
    pub nodata: Option<f64>,
    /// The geotransform, if georeferenced.
    pub geo_transform: Option<GeoTransform>,
    /// The CRS to copy to outputs.
    pub geo_keys: Option<GeoKeys>,
    /// Rows decoded together (block or strip height; for a VRT, the rows it is best read in):
    /// reads are aligned to it.
    pub block_height: u64,
    /// Columns decoded together (tile width; the width for strips; for a VRT, its sources'
    /// common block width, or its width when they do not line up): reads narrower than the
    /// input are aligned to it.
    pub block_width: u64,
}

impl Source {
    /// Opens `path`, deciding GeoTIFF or VRT from its first bytes (not its extension).
    pub fn open(path: &Path) -> Result<Source, Error> {
        let mut head = [0u8; 4];
        let n = std::fs::File::open(path)
            .and_then(|mut f| f.read(&mut head))
            .map_err(|source| Error::Io {
                path: path.to_path_buf(),
                source,
            })?;
        match head.get(..n) {
            Some(b"II*\0" | b"MM\0*" | b"II+\0" | b"MM\0+") => {
                Ok(Source::Tiff(TiffFile::open(path)?))
            }
            _ if is_vrt(path) => Ok(Source::Vrt(VrtDataset::open(path)?)),
            _ => Err(Error::Input {
                path: path.to_path_buf(),
                msg: "not a GeoTIFF or a GDAL VRT".into(),
            }),
        }
    }

    /// The input's path.
    pub fn path(&self) -> &Path {
        match self {
            Source::Tiff(t) => t.path(),
            Source::Vrt(v) => v.path(),
        }
    }

    /// The description of band `band` (0-based).
    pub fn info(&self, band: usize) -> Result<SourceInfo, Error> {
        let info = match self {
            Source::Tiff(t) => {
                let i = t.info();
                SourceInfo {
                    width: i.width,
                    height: i.height,
                    bands: i.bands,
                    sample_type: i.sample_type,
                    nodata: i.nodata.as_ref().map(|n| n.value),
                    geo_transform: i.geo_transform,
                    geo_keys: i.geo_keys.clone(),
                    block_height: i.block_height,
                    block_width: i.block_width,
                }
            }
            Source::Vrt(v) => {
                let sample_type = v.band_sample_type(band).unwrap_or(v.sample_type());
                let row_bytes = v.width().saturating_mul(sample_type.size() as u64);
                let blocks = v.block_size(band);
                SourceInfo {
                    width: v.width(),
                    height: v.height(),
                    bands: v.bands(),
                    sample_type,
                    nodata: v.nodata(band),
                    geo_transform: v.geo_transform(),
                    geo_keys: v.geo_keys()?,
                    block_height: vrt_read_rows(blocks.height, row_bytes),
                    // Column spans only where the sources line up: a scaled source's values
                    // depend on where a read starts, and whole rows keep them as they were.
                    block_width: blocks.width.unwrap_or(v.width()),
                }
            }
        };
        if band >= info.bands {
            return Err(Error::Input {
                path: self.path().to_path_buf(),
                msg: format!("has {} band(s); band {} asked for", info.bands, band + 1),
            });
        }
        Ok(info)
    }

    /// Reads `window` of band `band` into `out` (its sample type must be the band's).
    pub fn read_into<T: Sample>(
        &self,
        band: usize,
        window: Window,
        out: &mut [T],
    ) -> Result<(), Error> {
        match self {
            Source::Tiff(t) => t.read_window_into(band, window, out)?,
            Source::Vrt(v) => v.read_window_into(band, window, out)?,
        }
        Ok(())
    }

    /// Warnings the input collected while reading (a VRT's missing sources read as nodata).
    pub fn warnings(&self) -> Vec<String> {
        match self {
            Source::Tiff(_) => Vec::new(),
            Source::Vrt(v) => v.warnings(),
        }
    }
}

/// Rows a VRT is read in when its sources' blocks do not line up (or are not known).
const VRT_READ_ROWS: u64 = 256;
/// Most bytes of a VRT read made taller than [`VRT_READ_ROWS`] to hold whole source blocks.
const VRT_READ_BYTES: u64 = 64 << 20;

/// The rows a VRT whose sources' blocks line up every `block` rows (see
/// [`VrtDataset::block_size`]), and whose rows are `row_bytes` long, is read in: `block`, so
/// that no block is decoded by two reads (a mosaic of 144-row blocks read 256 rows at a time
/// decoded 1.6 times its pixels), unless that read is taller than [`VRT_READ_ROWS`] and passes
/// [`VRT_READ_BYTES`].
fn vrt_read_rows(block: Option<u64>, row_bytes: u64) -> u64 {
    match block {
        Some(b)
            if b > 0 && (b <= VRT_READ_ROWS || b.saturating_mul(row_bytes) <= VRT_READ_BYTES) =>
        {
            b
        }
        _ => VRT_READ_ROWS,
    }
}

/// True when a `<VRTDataset` element opens within the file's first 512 bytes (after an optional
/// XML declaration or comment).
fn is_vrt(path: &Path) -> bool {
    let mut head = [0u8; 512];
    let Ok(n) = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)) else {
        return false;
    };
    let text = String::from_utf8_lossy(head.get(..n).unwrap_or(&[]));
    text.contains("<VRTDataset")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vrt_reads_hold_whole_blocks_within_bounds() {
        // Unknown or no line-up: the default height.
        assert_eq!(vrt_read_rows(None, 4), VRT_READ_ROWS);
        assert_eq!(vrt_read_rows(Some(0), 4), VRT_READ_ROWS);
        // The sources' block height, lower or higher than the default while reads stay small.
        assert_eq!(vrt_read_rows(Some(144), 1 << 30), 144);
        assert_eq!(vrt_read_rows(Some(1), 86_400), 1);
        assert_eq!(vrt_read_rows(Some(512), 86_400), 512);
        // Taller than the default and past the byte bound: the default.
        assert_eq!(vrt_read_rows(Some(512), 1 << 20), VRT_READ_ROWS);
    }
}
