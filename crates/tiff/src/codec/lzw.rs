//! LZW (TIFF compression 5), via weezl: MSB-first codes with TIFF's early code-size change,
//! and the pre-1991 LSB-first variant libtiff still reads.

use crate::error::{Fallible, format_err};
use weezl::{BitOrder, LzwStatus, decode::Decoder};

/// Decodes the LZW data `src` into `out` until it is full, the end code, or the input ends;
/// returns the bytes written.
pub(crate) fn decode(src: &[u8], out: &mut [u8]) -> Fallible<usize> {
    // Old-style LZW starts with a Clear code (256) written LSB first: bytes 00 01.
    let old_style = matches!(src, [0, second, ..] if second & 1 != 0);
    let mut decoder = if old_style {
        Decoder::new(BitOrder::Lsb, 8)
    } else {
        Decoder::with_tiff_size_switch(BitOrder::Msb, 8)
    };
    let (mut read, mut written) = (0usize, 0usize);
    while let (Some(input), Some(output)) = (src.get(read..), out.get_mut(written..)) {
        if output.is_empty() {
            break;
        }
        let r = decoder.decode_bytes(input, output);
        read += r.consumed_in;
        written += r.consumed_out;
        match r.status {
            Ok(LzwStatus::Ok) if r.consumed_in + r.consumed_out > 0 => {}
            Ok(_) => break,
            // Data past the end of what the block needs is ignored, as libtiff does.
            Err(_) if written == out.len() => break,
            Err(e) => return Err(format_err!("corrupt LZW data after {written} bytes: {e}")),
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use weezl::encode::Encoder;

    #[test]
    fn round_trip_tiff_lzw() {
        let data: Vec<u8> = (0..200_000u32)
            .map(|i| ((i / 3) % 256) as u8 ^ (i % 7) as u8)
            .collect();
        let packed = Encoder::with_tiff_size_switch(BitOrder::Msb, 8)
            .encode(&data)
            .unwrap();
        let mut out = vec![0u8; data.len()];
        assert_eq!(decode(&packed, &mut out).unwrap(), data.len());
        assert_eq!(out, data);
        let mut small = vec![0u8; 999];
        assert_eq!(decode(&packed, &mut small).unwrap(), 999);
        assert_eq!(small, data[..999]);
        let mut out = vec![0u8; data.len()];
        assert!(decode(&packed[..packed.len() / 3], &mut out).unwrap() < data.len());
    }

    #[test]
    fn old_style_lzw() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i % 13) as u8).collect();
        let packed = Encoder::new(BitOrder::Lsb, 8).encode(&data).unwrap();
        assert_eq!(&packed[..2], &[0, 1]);
        let mut out = vec![0u8; data.len()];
        assert_eq!(decode(&packed, &mut out).unwrap(), data.len());
        assert_eq!(out, data);
    }

    #[test]
    fn garbage_is_an_error_or_short() {
        let mut out = vec![0u8; 100];
        let r = decode(&[0xFF; 64], &mut out);
        assert!(r.is_err() || r.unwrap() < 100);
        assert_eq!(decode(&[], &mut out).unwrap(), 0);
    }
}
