//! Zstandard (TIFF compression 50000), via ruzstd.

use crate::error::{Fallible, format_err};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};
use std::io::Read;

/// Largest Zstandard window accepted, libzstd's default limit (window log 27, what level 22
/// uses); ruzstd's frame buffer grows only with the data actually decoded.
const MAX_WINDOW: u64 = 128 << 20;

/// Decodes the Zstandard frames in `src` into `out` until it is full or the input ends;
/// returns the bytes written.
pub(crate) fn decode(src: &[u8], out: &mut [u8]) -> Fallible<usize> {
    let corrupt = |e: &dyn std::fmt::Display| format_err!("corrupt ZSTD data: {e}");
    let mut decoder = FrameDecoder::new();
    decoder.set_max_window_size(MAX_WINDOW);
    let mut input = src;
    let mut written = 0usize;
    while written < out.len() && !input.is_empty() {
        decoder.reset(&mut input).map_err(|e| corrupt(&e))?;
        while let Some(rest) = out.get_mut(written..) {
            if rest.is_empty() {
                break;
            }
            // Decode about as much as still fits, so the frame buffer stays near that size.
            if !decoder.is_finished() {
                let want = rest.len().max(1 << 16);
                decoder
                    .decode_blocks(&mut input, BlockDecodingStrategy::UptoBytes(want))
                    .map_err(|e| corrupt(&e))?;
            }
            let n = decoder.read(rest).map_err(|e| corrupt(&e))?;
            written += n;
            if decoder.is_finished() && decoder.can_collect() == 0 {
                break;
            }
            if n == 0 && !decoder.is_finished() && input.is_empty() {
                break;
            }
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruzstd::encoding::{CompressionLevel, compress_to_vec};

    #[test]
    fn round_trip_and_limits() {
        let data: Vec<u8> = (0..300_000u32).map(|i| ((i / 5) % 200) as u8).collect();
        let z = compress_to_vec(&data[..], CompressionLevel::Fastest);
        let mut out = vec![0u8; data.len()];
        assert_eq!(decode(&z, &mut out).unwrap(), data.len());
        assert_eq!(out, data);
        let mut small = vec![0u8; 777];
        assert_eq!(decode(&z, &mut small).unwrap(), 777);
        assert_eq!(small, data[..777]);
        let mut out = vec![0u8; data.len()];
        let r = decode(&z[..z.len() / 2], &mut out);
        assert!(r.is_err() || r.unwrap() < data.len());
        assert!(decode(b"not zstd at all", &mut out).is_err());
    }

    #[test]
    fn concatenated_frames() {
        let a = compress_to_vec(&[1u8; 1000][..], CompressionLevel::Fastest);
        let b = compress_to_vec(&[2u8; 500][..], CompressionLevel::Fastest);
        let both = [a, b].concat();
        let mut out = vec![0u8; 1500];
        assert_eq!(decode(&both, &mut out).unwrap(), 1500);
        assert_eq!(out[999..1001], [1, 2]);
    }

    #[test]
    fn bomb_stops_at_output_size() {
        let z = compress_to_vec(&vec![0u8; 64 << 20][..], CompressionLevel::Fastest);
        let mut out = vec![1u8; 10_000];
        assert_eq!(decode(&z, &mut out).unwrap(), 10_000);
    }
}
