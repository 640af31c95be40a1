//! Helpers shared by the fuzz targets: the window a `tiff_read_window` input asks for, and a
//! minimal GeoTIFF builder that wraps fuzzed GeoKeys / GDAL tags around a valid 1-strip image.
//!
//! `crates/tiff/tests/fuzz_regressions.rs` mirrors [`read_window_case`] so that saved crash
//! inputs replay in plain `cargo test`; keep the two in step.

use rastagg_raster::{SampleType, Window};

/// Bytes of parameters in front of the TIFF in a `tiff_read_window` input.
pub const WINDOW_PARAMS: usize = 16;

/// Most values one fuzzed window read may return (8 MiB of f64).
pub const MAX_WINDOW_VALUES: u64 = 1 << 20;

/// What a `tiff_read_window` input asks for: a band, a window and a block of the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowCase {
    /// Band, taken modulo the image's band count.
    pub band: u8,
    /// Window origin, taken modulo the image size.
    pub x: u32,
    /// Window origin, taken modulo the image size.
    pub y: u32,
    /// Window size, 1 + this modulo what is left of the image, then capped.
    pub cols: u16,
    /// Window size, 1 + this modulo what is left of the image, then capped.
    pub rows: u16,
    /// Block to decode with `decode_block`, modulo the block count.
    pub block: u16,
}

/// Splits a `tiff_read_window` input into its parameters and the TIFF bytes. The first
/// [`WINDOW_PARAMS`] bytes are: band u8, block u16 LE, one unused byte, x u32 LE, y u32 LE,
/// cols u16 LE, rows u16 LE.
pub fn read_window_case(data: &[u8]) -> Option<(WindowCase, &[u8])> {
    let (p, tiff) = data.split_at_checked(WINDOW_PARAMS)?;
    let u16_at = |i: usize| u16::from_le_bytes([p[i], p[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes([p[i], p[i + 1], p[i + 2], p[i + 3]]);
    Some((
        WindowCase {
            band: p[0],
            block: u16_at(1),
            x: u32_at(4),
            y: u32_at(8),
            cols: u16_at(12),
            rows: u16_at(14),
        },
        tiff,
    ))
}

impl WindowCase {
    /// The window inside a `width × height` image, at most [`MAX_WINDOW_VALUES`] values;
    /// `None` for an empty image.
    pub fn window(&self, width: u64, height: u64) -> Option<Window> {
        if width == 0 || height == 0 {
            return None;
        }
        let x = u64::from(self.x) % width;
        let y = u64::from(self.y) % height;
        let cols = 1 + u64::from(self.cols) % (width - x);
        let rows = 1 + u64::from(self.rows) % (height - y);
        let rows = rows.min((MAX_WINDOW_VALUES / cols).max(1));
        Some(Window::new(x, y, cols, rows))
    }
}

/// One IFD entry of the builder: tag, field type, count and value bytes (little-endian).
struct Entry {
    tag: u16,
    field_type: u16,
    count: u32,
    bytes: Vec<u8>,
}

/// A little-endian classic GeoTIFF of one uncompressed strip of zeros, plus optional tags.
#[derive(Debug, Clone, Default)]
pub struct TinyTiff {
    /// Width in pixels (at least 1).
    pub width: u32,
    /// Height in pixels (at least 1).
    pub height: u32,
    /// Samples per pixel (at least 1).
    pub bands: u16,
    /// The samples' type.
    pub sample_type: Option<SampleType>,
    /// ModelPixelScale (33550).
    pub pixel_scale: Vec<f64>,
    /// ModelTiepoint (33922).
    pub tiepoint: Vec<f64>,
    /// ModelTransformation (34264).
    pub transformation: Vec<f64>,
    /// GeoKeyDirectory (34735).
    pub geo_directory: Vec<u16>,
    /// GeoDoubleParams (34736).
    pub geo_doubles: Vec<f64>,
    /// GeoAsciiParams (34737), written with a NUL terminator.
    pub geo_ascii: Option<String>,
    /// GDAL_METADATA (42112), written with a NUL terminator.
    pub gdal_metadata: Option<String>,
    /// GDAL_NODATA (42113), written with a NUL terminator.
    pub gdal_nodata: Option<String>,
}

impl TinyTiff {
    /// The file's bytes.
    pub fn build(&self) -> Vec<u8> {
        let t = self.sample_type.unwrap_or(SampleType::U8);
        let (w, h, spp) = (self.width.max(1), self.height.max(1), self.bands.max(1));
        let format = match t {
            SampleType::F32 | SampleType::F64 => 3u16,
            SampleType::I8 | SampleType::I16 | SampleType::I32 | SampleType::I64 => 2,
            _ => 1,
        };
        let strip = u64::from(w) * u64::from(h) * u64::from(spp) * t.size() as u64;
        let shorts = |v: &[u16]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
        let doubles = |v: &[f64]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
        let long = |v: u32| v.to_le_bytes().to_vec();
        let mut entries = vec![
            (256, 4, 1, long(w)),
            (257, 4, 1, long(h)),
            (
                258,
                3,
                spp.into(),
                shorts(&vec![8 * t.size() as u16; spp.into()]),
            ),
            (259, 3, 1, shorts(&[1])),
            (262, 3, 1, shorts(&[1])),
            (273, 4, 1, long(0)), // patched below
            (277, 3, 1, shorts(&[spp])),
            (278, 4, 1, long(h)),
            (279, 4, 1, long(strip as u32)),
            (284, 3, 1, shorts(&[1])),
            (339, 3, spp.into(), shorts(&vec![format; spp.into()])),
        ];
        let mut add_doubles = |tag: u16, v: &[f64]| {
            if !v.is_empty() {
                entries.push((tag, 12, v.len() as u32, doubles(v)));
            }
        };
        add_doubles(33550, &self.pixel_scale);
        add_doubles(33922, &self.tiepoint);
        add_doubles(34264, &self.transformation);
        add_doubles(34736, &self.geo_doubles);
        if !self.geo_directory.is_empty() {
            let d = &self.geo_directory;
            entries.push((34735, 3, d.len() as u32, shorts(d)));
        }
        for (tag, text) in [
            (34737, &self.geo_ascii),
            (42112, &self.gdal_metadata),
            (42113, &self.gdal_nodata),
        ] {
            if let Some(s) = text {
                let mut b = s.as_bytes().to_vec();
                b.push(0);
                entries.push((tag, 2, b.len() as u32, b));
            }
        }
        entries.sort_by_key(|e| e.0);
        let entries: Vec<Entry> = entries
            .into_iter()
            .map(|(tag, field_type, count, bytes)| Entry {
                tag,
                field_type,
                count,
                bytes,
            })
            .collect();

        // Layout: header, IFD, out-of-line values, strip.
        let ifd_len = 2 + 12 * entries.len() + 4;
        let mut data_at = 8 + ifd_len;
        let mut out = Vec::new();
        out.extend_from_slice(b"II*\0");
        out.extend_from_slice(&8u32.to_le_bytes());
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        let mut extra = Vec::new();
        let mut strip_entry = 0;
        for e in &entries {
            out.extend_from_slice(&e.tag.to_le_bytes());
            out.extend_from_slice(&e.field_type.to_le_bytes());
            out.extend_from_slice(&e.count.to_le_bytes());
            if e.tag == 273 {
                strip_entry = out.len();
            }
            if e.bytes.len() <= 4 {
                let mut v = e.bytes.clone();
                v.resize(4, 0);
                out.extend_from_slice(&v);
            } else {
                out.extend_from_slice(&(data_at as u32).to_le_bytes());
                extra.extend_from_slice(&e.bytes);
                if extra.len() % 2 == 1 {
                    extra.push(0);
                }
                data_at = 8 + ifd_len + extra.len();
            }
        }
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&extra);
        let strip_at = out.len() as u32;
        out[strip_entry..strip_entry + 4].copy_from_slice(&strip_at.to_le_bytes());
        out.resize(out.len() + strip as usize, 0);
        out
    }
}
