//! Turning one tile's samples into the bytes stored in the file: predictor, then compression.

use std::cell::RefCell;

use zlib_rs::{Deflate, DeflateConfig, DeflateFlush, Status};

use crate::options::Compression;

/// Everything needed to encode a tile; cheap to share between threads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TileCodec {
    /// The codec.
    pub compression: Compression,
    /// TIFF predictor: 1 none, 2 horizontal, 3 floating point.
    pub predictor: u16,
    /// Bytes per sample.
    pub sample_size: usize,
    /// Samples per tile row (the tile width; rows include their padding).
    pub tile_width: usize,
}

impl TileCodec {
    /// Encodes a full tile (little-endian samples, padding included). The predictor works on
    /// `raw` in place, so the caller can reuse the buffer for its next tile.
    pub fn encode(&self, raw: &mut [u8]) -> Result<Vec<u8>, String> {
        let row_bytes = self.tile_width * self.sample_size;
        match self.predictor {
            2 => raw
                .chunks_exact_mut(row_bytes)
                .for_each(|row| horizontal_differences(row, self.sample_size)),
            3 => {
                let mut planes = vec![0u8; row_bytes];
                raw.chunks_exact_mut(row_bytes)
                    .for_each(|row| float_differences(row, &mut planes, self.sample_size));
            }
            _ => {}
        }
        match self.compression {
            Compression::None => Ok(raw.to_vec()),
            // (Options checks the level is in 1..=9.)
            Compression::Deflate { level } => deflate(raw, DeflateConfig::new(level.min(9) as i32)),
            Compression::DeflateRuns => Ok(crate::runs::compress(raw)),
            Compression::Lzw => {
                weezl::encode::Encoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8)
                    .encode(raw)
                    .map_err(|e| e.to_string())
            }
            Compression::Zstd { .. } => Ok(ruzstd::encoding::compress_to_vec(
                &*raw,
                ruzstd::encoding::CompressionLevel::Fastest,
            )),
        }
    }
}

/// zlib-wrapped deflate of `raw` as `config` says, with this thread's compressor
/// (reset) and output buffer, kept from tile to tile, the result copied out at its size: a new
/// compressor allocates 370 KiB of tables, and allocators such as musl's map and unmap blocks
/// that size on every allocation (once per tile: 918 tiles for the benchmark's six outputs). The compressor
/// always gets the same room, zlib's bound for the input size, in one call: zlib-rs's bytes
/// depend on the room it is given, and outputs must not depend on what a thread compressed
/// before.
fn deflate(raw: &[u8], config: DeflateConfig) -> Result<Vec<u8>, String> {
    thread_local! {
        static STATE: RefCell<Option<(DeflateConfig, Deflate, Vec<u8>)>> = const { RefCell::new(None) };
    }
    // zlib's compressBound, wrapper included, plus a margin.
    let n = raw.len();
    let bound = n + (n >> 12) + (n >> 14) + (n >> 25) + 64;
    STATE.with_borrow_mut(|slot| {
        if slot.as_ref().is_some_and(|(c, ..)| *c != config) {
            *slot = None;
        }
        let (_, zlib, out) =
            slot.get_or_insert_with(|| (config, Deflate::new_with_config(config), Vec::new()));
        zlib.reset();
        // Zeroed once, then overwritten: what earlier tiles left past the end is never read.
        if out.len() < bound {
            out.resize(bound, 0);
        }
        let room = out.get_mut(..bound).unwrap_or_default();
        match zlib.compress(raw, room, DeflateFlush::Finish) {
            Ok(Status::StreamEnd) => {
                let len = usize::try_from(zlib.total_out()).unwrap_or(usize::MAX);
                out.get(..len)
                    .map(<[u8]>::to_vec)
                    .ok_or_else(|| format!("deflate wrote {len} bytes into {bound}"))
            }
            Ok(status) => Err(format!("deflate stopped ({status:?}) within {bound} bytes")),
            Err(e) => Err(e.as_str().to_string()),
        }
    })
}

/// TIFF predictor 2 on one row of little-endian samples: each sample minus its left
/// neighbour, modulo 2^bits (the first sample is kept).
fn horizontal_differences(row: &mut [u8], sample_size: usize) {
    macro_rules! diff {
        ($t:ty) => {{
            const N: usize = std::mem::size_of::<$t>();
            let mut prev: $t = 0;
            for c in row.chunks_exact_mut(N) {
                let mut a = [0u8; N];
                a.copy_from_slice(c);
                let v = <$t>::from_le_bytes(a);
                c.copy_from_slice(&v.wrapping_sub(prev).to_le_bytes());
                prev = v;
            }
        }};
    }
    match sample_size {
        1 => diff!(u8),
        2 => diff!(u16),
        4 => diff!(u32),
        _ => diff!(u64),
    }
}

/// TIFF predictor 3 on one row of little-endian floats: the samples' bytes split into planes,
/// most significant byte first, then each byte minus its left neighbour.
fn float_differences(row: &mut [u8], planes: &mut [u8], sample_size: usize) {
    match sample_size {
        2 => split_planes(row, planes, |s, k| (u16::from_le_bytes(s) >> k) as u8),
        4 => split_planes(row, planes, |s, k| (u32::from_le_bytes(s) >> k) as u8),
        _ => split_planes(row, planes, |s, k| (u64::from_le_bytes(s) >> k) as u8),
    }
    // Each byte minus the one before it in `planes`, over slices of one length: it
    // vectorises. (The same loop over `skip(1)` iterators did not: 1.1 ns a byte against
    // 0.05, and 6% of the benchmark's CPU time.)
    let n = row.len().min(planes.len());
    if n == 0 {
        return;
    }
    let (first, dst) = row[..n].split_at_mut(1);
    first.copy_from_slice(&planes[..1]);
    for ((d, &v), &prev) in dst.iter_mut().zip(&planes[1..n]).zip(&planes[..n - 1]) {
        *d = v.wrapping_sub(prev);
    }
}

/// Byte `N − 1 − b` of every `N`-byte sample of `row` into plane `b` of `planes`: one plane
/// at a time, each byte taken by `byte(sample, 8·(N − 1 − b))`, the sample read as a
/// little-endian integer and shifted, so that the loops vectorise even for the baseline (SSE2:
/// shifts and packs). Indexing the sample's bytes did not: callgrind, the 64 Float32 tiles of
/// the writer benchmark, `TileCodec::encode` without the deflate 66.2M → 37.6M instructions
/// (with the differences of `float_differences` taken without a running value).
#[inline(always)]
fn split_planes<const N: usize>(row: &[u8], planes: &mut [u8], byte: impl Fn([u8; N], u32) -> u8) {
    let (samples, _) = row.as_chunks::<N>();
    if samples.is_empty() {
        return;
    }
    for (b, plane) in planes.chunks_exact_mut(samples.len()).take(N).enumerate() {
        let shift = 8 * (N - 1 - b) as u32;
        for (dst, &sample) in plane.iter_mut().zip(samples) {
            *dst = byte(sample, shift);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn horizontal_predictor_wraps() {
        let mut row: Vec<u8> = [1u16, 3, 0, 65535]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        horizontal_differences(&mut row, 2);
        let out: Vec<u16> = row
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        assert_eq!(out, [1, 2, 65533, 65535]);
    }

    #[test]
    fn float_predictor_planes() {
        // Two f32 samples: bytes LE [a0 a1 a2 a3] [b0 b1 b2 b3] become planes
        // [a3 b3 a2 b2 a1 b1 a0 b0], then byte differences.
        let mut row = vec![1, 2, 3, 4, 5, 6, 7, 8];
        let mut planes = vec![0; 8];
        float_differences(&mut row, &mut planes, 4);
        assert_eq!(row, [4, 4, 251, 4, 251, 4, 251, 4]);
    }

    proptest::proptest! {
        /// Predictor 3 of every sample size is TIFF's definition written plainly: byte
        /// `size − 1 − b` of sample `i` goes to plane position `b · n + i`, then each byte
        /// minus the one before it.
        #[test]
        fn float_predictor_matches_its_definition(
            size in proptest::sample::select(vec![2usize, 4, 8]),
            mut raw in proptest::collection::vec(proptest::num::u8::ANY, 0..4800),
        ) {
            // Whole samples only, as tiles' rows are.
            let samples = raw.len() / size;
            raw.truncate(samples * size);
            let mut planes = vec![0u8; raw.len()];
            for (i, sample) in raw.chunks_exact(size).enumerate() {
                for b in 0..size {
                    planes[b * samples + i] = sample[size - 1 - b];
                }
            }
            let mut prev = 0u8;
            let want: Vec<u8> = planes
                .iter()
                .map(|&v| {
                    let d = v.wrapping_sub(prev);
                    prev = v;
                    d
                })
                .collect();
            let mut row = raw.clone();
            let mut scratch = vec![0u8; raw.len()];
            float_differences(&mut row, &mut scratch, size);
            proptest::prop_assert_eq!(row, want);
        }
    }
}

#[cfg(test)]
mod reuse_tests {
    use super::*;

    /// The reused compressor and buffer give the bytes a new encoder gives, whatever the
    /// thread compressed before.
    #[test]
    fn reused_buffer_is_deterministic() {
        let tile = |seed: u32| -> Vec<u8> {
            (0..256 * 256 * 4u32)
                .map(|i| ((i / 7 + seed) % 251) as u8 ^ ((i * seed) >> 9) as u8)
                .collect()
        };
        let fresh = |raw: &[u8]| {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
            std::io::Write::write_all(&mut e, raw).unwrap();
            e.finish().unwrap()
        };
        // Incompressible bytes too: the output outgrows its first reservation.
        let noise = |seed: u64| -> Vec<u8> {
            let mut x = seed;
            (0..100_000)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect()
        };
        let inputs = [tile(1), noise(3), tile(5), noise(7), tile(9), tile(1)];
        for (seed, raw) in inputs.iter().enumerate() {
            assert_eq!(
                deflate(raw, DeflateConfig::new(6)).unwrap(),
                fresh(raw),
                "input {seed}"
            );
        }
    }
}
