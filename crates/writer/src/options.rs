//! What to write: the grid, the sample type, the encoding and the georeferencing.

use rastagg_raster::{GeoKeys, GeoTransform, SampleType};

/// Tile compression. Every codec is pure Rust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Tiles stored as they are (TIFF compression 1).
    None,
    /// LZW with TIFF's early code-size change (TIFF compression 5), via `weezl`.
    Lzw,
    /// zlib-wrapped deflate (TIFF compression 8, what GDAL writes for `COMPRESS=DEFLATE`), via
    /// `zlib-rs`. `level` 1 (fastest) ..= 9 (smallest); GDAL's default is 6.
    Deflate {
        /// zlib compression level, 1..=9.
        level: u32,
    },
    /// Deflate (TIFF compression 8, any reader decodes it) whose only repeats are runs of
    /// zero bytes, by this crate's own encoder (`runs.rs`). After a predictor, the repeats in
    /// a raster are mostly such runs, so it compresses about as well as zlib's full search for
    /// far less work. Measured on the five Float32 outputs of the benchmark (six statistics of
    /// 21600 × 10800 Float32 by factor 5, 256² tiles, predictor 3, one thread): 53.6 MB in
    /// 0.25 s; zlib-rs's run-length strategy (`Z_RLE`, which rastagg used before) 53.5 MB in
    /// 0.50–0.72 s; zlib-rs level 2 53.2 MB in 1.14 s, level 6 52.6 MB in 1.73 s.
    DeflateRuns,
    /// Zstandard (TIFF compression 50000), via `ruzstd`. Its encoder implements one level,
    /// roughly zstd's level 1, so `level` must be 1.
    Zstd {
        /// zstd compression level; only 1 is available from the pure-Rust encoder.
        level: u32,
    },
}

impl Compression {
    /// The value of the TIFF Compression tag.
    pub const fn tiff_code(self) -> u16 {
        match self {
            Compression::None => 1,
            Compression::Lzw => 5,
            Compression::Deflate { .. } | Compression::DeflateRuns => 8,
            Compression::Zstd { .. } => 50000,
        }
    }
}

impl Default for Compression {
    /// Deflate at GDAL's default level 6.
    fn default() -> Self {
        Compression::Deflate { level: 6 }
    }
}

/// When to write BigTIFF (64-bit offsets) instead of classic TIFF (32-bit, at most 4 GiB).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BigTiff {
    /// GDAL's `BIGTIFF=IF_SAFER`: BigTIFF when the uncompressed size, tile padding (and COG
    /// overviews) included, exceeds 2.0e9 bytes, whatever the compression.
    #[default]
    IfSafer,
    /// Always BigTIFF.
    Yes,
    /// Always classic TIFF; `finish` fails if the file would pass 4 GiB.
    No,
}

/// How COG overview pixels are computed from the level above (always from 2×2 blocks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resampling {
    /// Mean of the valid (not nodata, not NaN) pixels, computed in f64; nodata when there are
    /// none. Integers round half up (64-bit integers beyond 2^53 lose precision in the mean).
    /// For continuous statistics.
    Average,
    /// The top-left pixel of each 2×2 block, as it is. For counts and modes.
    Nearest,
}

/// Everything [`GeoTiffWriter::create`](crate::GeoTiffWriter::create) needs to know.
/// Build with [`Options::new`] and adjust fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Raster width in pixels, 1..=2^32-1.
    pub width: u64,
    /// Raster height in pixels, 1..=2^32-1.
    pub height: u64,
    /// The sample type of the single band.
    pub sample_type: SampleType,
    /// Tile width in pixels: a multiple of 16 (TIFF's rule). Default 256.
    pub tile_width: u32,
    /// Tile height in pixels: a multiple of 16. Default 256.
    pub tile_height: u32,
    /// Tile compression. Default deflate level 6.
    pub compression: Compression,
    /// Apply a predictor before compressing (2 for integer types, 3 for floats). Ignored
    /// without compression. Default on.
    pub predictor: bool,
    /// Classic TIFF or BigTIFF. Default [`BigTiff::IfSafer`].
    pub bigtiff: BigTiff,
    /// The affine geotransform, as GDAL reports it (for PixelIsPoint rasters the tiepoint
    /// written is the pixel centre, as GDAL does).
    pub geo_transform: Option<GeoTransform>,
    /// The CRS: GeoKey directory and parameters copied verbatim from the input.
    pub geo_keys: Option<GeoKeys>,
    /// The nodata value, written as GDAL_NODATA; it must be representable in `sample_type`.
    pub nodata: Option<f64>,
    /// Leave tiles whose every pixel equals the nodata value (0 without one) sparse: offset
    /// and byte count 0, as GDAL's SPARSE_OK. Default off.
    pub sparse: bool,
    /// Write a Cloud Optimized GeoTIFF with internal overviews built with this resampling.
    /// `None` (default) writes a plain tiled GeoTIFF.
    pub cog: Option<Resampling>,
}

impl Options {
    /// Options for a `width × height` raster of `sample_type` with every default: 256×256
    /// tiles, deflate level 6 with predictor, BigTIFF if safer, no georeferencing, no nodata,
    /// no sparse tiles, no COG.
    pub fn new(width: u64, height: u64, sample_type: SampleType) -> Options {
        Options {
            width,
            height,
            sample_type,
            tile_width: 256,
            tile_height: 256,
            compression: Compression::default(),
            predictor: true,
            bigtiff: BigTiff::default(),
            geo_transform: None,
            geo_keys: None,
            nodata: None,
            sparse: false,
            cog: None,
        }
    }

    /// The TIFF Predictor tag value these options produce: 1 (none), 2 (horizontal, integers)
    /// or 3 (floating point).
    pub fn predictor_code(&self) -> u16 {
        if !self.predictor || self.compression == Compression::None {
            1
        } else if self.sample_type.is_float() {
            3
        } else {
            2
        }
    }

    /// Why these options cannot be written, if they cannot.
    pub(crate) fn problem(&self) -> Option<String> {
        let max_side = u64::from(u32::MAX);
        if !(1..=max_side).contains(&self.width) || !(1..=max_side).contains(&self.height) {
            return Some(format!(
                "raster size {}×{} outside 1..=4294967295",
                self.width, self.height
            ));
        }
        for (name, v) in [("width", self.tile_width), ("height", self.tile_height)] {
            if v == 0 || v % 16 != 0 {
                return Some(format!("tile {name} {v} is not a positive multiple of 16"));
            }
        }
        match self.compression {
            Compression::Deflate { level } if !(1..=9).contains(&level) => {
                return Some(format!("deflate level {level} outside 1..=9"));
            }
            Compression::Zstd { level } if level != 1 => {
                return Some(format!(
                    "zstd level {level} unavailable: the pure-Rust encoder has level 1 only"
                ));
            }
            _ => {}
        }
        match self.nodata {
            Some(v) if !self.sample_type.holds(v) => Some(format!(
                "nodata {v} is not representable in {}",
                self.sample_type
            )),
            _ => None,
        }
    }
}
