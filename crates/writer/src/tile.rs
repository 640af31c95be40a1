//! Cutting tiles out of rows of samples, recognising all-nodata tiles, and halving a tile for
//! the next overview level. Tiles are little-endian bytes, full size, padding zeroed.

use std::borrow::Cow;
use std::ops::Range;

use rastagg_raster::{Sample, SampleType, spare};

use crate::grid::TileExtent;
use crate::options::Resampling;

/// Appends `v` to `out` as little-endian bytes (the byte order every file is written in).
pub(crate) fn push_le<T: Sample>(v: T, out: &mut Vec<u8>) {
    let start = out.len();
    v.extend_ne_bytes(out);
    if cfg!(target_endian = "big") {
        out[start..].reverse();
    }
}

/// Little-endian bytes of `value` in `sample_type` (the caller has checked it is
/// representable).
pub(crate) fn value_bytes(sample_type: SampleType, value: f64) -> Vec<u8> {
    match sample_type {
        SampleType::U8 => (value as u8).to_le_bytes().to_vec(),
        SampleType::I8 => (value as i8).to_le_bytes().to_vec(),
        SampleType::U16 => (value as u16).to_le_bytes().to_vec(),
        SampleType::I16 => (value as i16).to_le_bytes().to_vec(),
        SampleType::U32 => (value as u32).to_le_bytes().to_vec(),
        SampleType::I32 => (value as i32).to_le_bytes().to_vec(),
        SampleType::U64 => (value as u64).to_le_bytes().to_vec(),
        SampleType::I64 => (value as i64).to_le_bytes().to_vec(),
        SampleType::F32 => (value as f32).to_le_bytes().to_vec(),
        SampleType::F64 => value.to_le_bytes().to_vec(),
    }
}

/// Row-major samples from which tiles are cut: a caller's typed band or a buffered tile row.
pub(crate) trait Rows: Sync {
    /// Appends `n` samples of row `row` from column `x0` to `out`, little-endian.
    fn append(&self, row: u64, x0: u64, n: u64, out: &mut Vec<u8>);
}

/// A caller's band of full rows.
pub(crate) struct TypedRows<'a, T> {
    /// The samples, `width` per row.
    pub data: &'a [T],
    /// Samples per row.
    pub width: u64,
}

impl<T: Sample> Rows for TypedRows<'_, T> {
    fn append(&self, row: u64, x0: u64, n: u64, out: &mut Vec<u8>) {
        let start = (row * self.width + x0) as usize;
        out.extend_from_slice(&self.le_samples(start..start + n as usize));
    }
}

impl<T: Sample> TypedRows<'_, T> {
    /// Rows `rows` whole, as little-endian bytes.
    pub fn le_bytes(&self, rows: Range<u64>) -> Cow<'_, [u8]> {
        self.le_samples((rows.start * self.width) as usize..(rows.end * self.width) as usize)
    }

    /// Samples `range` as little-endian bytes: the samples themselves on little-endian
    /// machines, a copy elsewhere.
    fn le_samples(&self, range: Range<usize>) -> Cow<'_, [u8]> {
        let samples = &self.data[range];
        if cfg!(target_endian = "little") {
            Cow::Borrowed(bytemuck::cast_slice(samples))
        } else {
            let mut out = Vec::with_capacity(samples.len() * T::SIZE);
            samples.iter().for_each(|&v| push_le(v, &mut out));
            Cow::Owned(out)
        }
    }
}

/// Rows already in little-endian bytes.
pub(crate) struct ByteRows<'a> {
    /// The bytes, `width × sample_size` per row.
    pub data: &'a [u8],
    /// Samples per row.
    pub width: u64,
    /// Bytes per sample.
    pub sample_size: usize,
}

impl Rows for ByteRows<'_> {
    fn append(&self, row: u64, x0: u64, n: u64, out: &mut Vec<u8>) {
        let start = (row * self.width + x0) as usize * self.sample_size;
        out.extend_from_slice(&self.data[start..start + n as usize * self.sample_size]);
    }
}

/// Gives a tile's buffer back (to the shared [`spare`] pool) for the next [`cut_tile`]: tiles
/// are hundreds of KiB, which allocators such as musl's map and unmap on every allocation.
pub(crate) fn recycle_tile(buf: Vec<u8>) {
    spare::give_back(buf);
}

/// Cuts a tile from `rows`: `cols × count` samples from column `x`, row `y` of the source,
/// zero-padded to `tile_w × tile_h`.
pub(crate) fn cut_tile(
    rows: &dyn Rows,
    (x, y): (u64, u64),
    (cols, count): (u64, u64),
    (tile_w, tile_h): (u64, u64),
    sample_size: usize,
) -> Vec<u8> {
    let row_bytes = tile_w as usize * sample_size;
    let size = row_bytes * tile_h as usize;
    let mut out = spare::with_capacity(size).unwrap_or_default();
    out.reserve(size);
    for r in 0..count {
        rows.append(y + r, x, cols, &mut out);
        out.resize((r as usize + 1) * row_bytes, 0);
    }
    out.resize(row_bytes * tile_h as usize, 0);
    out
}

/// The value a sparse tile reads back as: the nodata value, or 0 when there is none.
#[derive(Debug, Clone)]
pub(crate) enum Fill {
    /// Every NaN counts (nodata is NaN).
    Nan,
    /// Exactly these little-endian bytes.
    Bytes(Vec<u8>),
}

impl Fill {
    /// The fill for a band of `sample_type` with optional `nodata`.
    pub fn new(sample_type: SampleType, nodata: Option<f64>) -> Fill {
        match nodata {
            Some(v) if v.is_nan() => Fill::Nan,
            Some(v) => Fill::Bytes(value_bytes(sample_type, v)),
            None => Fill::Bytes(vec![0; sample_type.size()]),
        }
    }

    /// True when one sample's bytes equal the fill.
    fn matches(&self, sample: &[u8]) -> bool {
        match self {
            Fill::Bytes(b) => sample == b.as_slice(),
            Fill::Nan => match sample.len() {
                4 => f32::from_le_slice(sample).is_some_and(f32::is_nan),
                _ => f64::from_le_slice(sample).is_some_and(f64::is_nan),
            },
        }
    }

    /// True when every pixel of the tile inside the image equals the fill, so the tile can be
    /// left sparse and still read back identically.
    pub fn covers(&self, tile: &[u8], e: TileExtent, tile_w: u64, sample_size: usize) -> bool {
        let row_bytes = tile_w as usize * sample_size;
        let valid = e.cols as usize * sample_size;
        tile.chunks_exact(row_bytes)
            .take(e.rows as usize)
            .all(|row| {
                row[..valid]
                    .chunks_exact(sample_size)
                    .all(|s| self.matches(s))
            })
    }
}

/// Halves tile `tile` (extent `e`): each output pixel from the 2×2 block above it (clipped at
/// the image edge). Returns `ceil(cols/2) × ceil(rows/2)` little-endian samples, row-major.
pub(crate) fn downsample<T: Sample>(
    tile: &[u8],
    e: TileExtent,
    tile_w: u64,
    nodata: Option<f64>,
    resampling: Resampling,
) -> Vec<u8> {
    let (bw, bh) = (e.cols.div_ceil(2), e.rows.div_ceil(2));
    let sample = |x: u64, y: u64| {
        let at = (y * tile_w + x) as usize * T::SIZE;
        &tile[at..at + T::SIZE]
    };
    let nodata_sample = nodata.and_then(T::exact_from_f64);
    let nodata_bytes = nodata_sample.map(le_bytes);
    let mut out = Vec::with_capacity((bw * bh) as usize * T::SIZE);
    for y in 0..bh {
        for x in 0..bw {
            if resampling == Resampling::Nearest {
                out.extend_from_slice(sample(2 * x, 2 * y));
                continue;
            }
            let (mut sum, mut n) = (0.0f64, 0u32);
            for (sx, sy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let (cx, cy) = (2 * x + sx, 2 * y + sy);
                if cx >= e.cols || cy >= e.rows {
                    continue;
                }
                let raw = sample(cx, cy);
                let Some(v) = T::from_le_slice(raw) else {
                    continue;
                };
                let is_nodata = match nodata_sample {
                    // Floats compare by value (-0.0 is 0.0); integers by their exact bytes.
                    Some(nd) if T::TYPE.is_float() => v.to_f64() == nd.to_f64(),
                    Some(_) => nodata_bytes.as_deref() == Some(raw),
                    None => false,
                };
                if !v.is_nan() && !is_nodata {
                    sum += v.to_f64();
                    n += 1;
                }
            }
            let value = match (n, nodata_sample) {
                (0, Some(nd)) => nd,
                (0, None) => T::cast_from_f64(f64::NAN),
                _ if T::TYPE.is_float() => T::cast_from_f64(sum / f64::from(n)),
                _ => T::cast_from_f64((sum / f64::from(n) + 0.5).floor()),
            };
            push_le(value, &mut out);
        }
    }
    out
}

/// Little-endian bytes of one sample.
fn le_bytes<T: Sample>(v: T) -> Vec<u8> {
    let mut out = Vec::with_capacity(T::SIZE);
    push_le(v, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes<T: Sample>(v: &[T]) -> Vec<u8> {
        let mut out = Vec::new();
        v.iter().for_each(|&s| push_le(s, &mut out));
        out
    }

    #[test]
    fn cut_pads_with_zero() {
        let data: Vec<u16> = (1..=12).collect(); // 4 × 3 image
        let rows = TypedRows {
            data: &data,
            width: 4,
        };
        let tile = cut_tile(&rows, (2, 1), (2, 2), (3, 3), 2);
        assert_eq!(tile, bytes::<u16>(&[7, 8, 0, 11, 12, 0, 0, 0, 0]));
    }

    #[test]
    fn average_skips_nodata_and_nan() {
        // 3 × 3 valid pixels in a 4-wide tile.
        let t = bytes::<f32>(&[
            1.0,
            3.0,
            -9.0,
            0.0, //
            f32::NAN,
            -9.0,
            5.0,
            0.0, //
            -9.0,
            -9.0,
            7.0,
            0.0,
        ]);
        let e = TileExtent {
            x0: 0,
            y0: 0,
            cols: 3,
            rows: 3,
        };
        let out = downsample::<f32>(&t, e, 4, Some(-9.0), Resampling::Average);
        assert_eq!(out, bytes::<f32>(&[2.0, 5.0, -9.0, 7.0]));
        let near = downsample::<f32>(&t, e, 4, Some(-9.0), Resampling::Nearest);
        assert_eq!(near, bytes::<f32>(&[1.0, -9.0, -9.0, 7.0]));
    }

    #[test]
    fn integer_average_rounds_half_up() {
        let t = bytes::<i16>(&[-3, -2, 1, 2]);
        let e = TileExtent {
            x0: 0,
            y0: 0,
            cols: 2,
            rows: 2,
        };
        let out = downsample::<i16>(&t, e, 2, None, Resampling::Average);
        assert_eq!(out, bytes::<i16>(&[-0])); // -0.5 + 0.5 floors to 0
        let t = bytes::<u8>(&[1, 2, 2, 2]);
        assert_eq!(downsample::<u8>(&t, e, 2, None, Resampling::Average), [2]); // 1.75
    }

    #[test]
    fn sparse_detection_ignores_padding() {
        let e = TileExtent {
            x0: 0,
            y0: 0,
            cols: 1,
            rows: 1,
        };
        let nan = Fill::new(SampleType::F32, Some(f64::NAN));
        assert!(nan.covers(&bytes::<f32>(&[f32::NAN, 1.0, 2.0, 3.0]), e, 2, 4));
        assert!(!nan.covers(&bytes::<f32>(&[0.0, 1.0, 2.0, 3.0]), e, 2, 4));
        let zero = Fill::new(SampleType::F32, None);
        assert!(!zero.covers(&bytes::<f32>(&[-0.0, 0.0, 0.0, 0.0]), e, 2, 4));
        let nd = Fill::new(SampleType::I16, Some(-9999.0));
        assert!(nd.covers(&bytes::<i16>(&[-9999, 0, 0, 0]), e, 2, 2));
    }
}
