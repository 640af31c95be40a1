//! Deflate (TIFF compression 8 and 32946): zlib streams, via flate2 on the zlib-rs backend.

use crate::error::{Fallible, format_err};
use flate2::{Decompress, FlushDecompress, Status};

/// Inflates the zlib stream `src` into `out` until it is full or the stream ends; returns the
/// bytes written.
pub(crate) fn decode(src: &[u8], out: &mut [u8]) -> Fallible<usize> {
    let mut z = Decompress::new(true);
    loop {
        let (i, o) = (z.total_in() as usize, z.total_out() as usize);
        let (Some(input), Some(output)) = (src.get(i..), out.get_mut(o..)) else {
            break;
        };
        if output.is_empty() {
            break;
        }
        let status = z
            .decompress(input, output, FlushDecompress::Finish)
            .map_err(|e| format_err!("corrupt DEFLATE data: {e}"))?;
        let progressed = z.total_in() as usize != i || z.total_out() as usize != o;
        if status == Status::StreamEnd || !progressed {
            break;
        }
    }
    Ok(z.total_out() as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::ZlibEncoder};
    use std::io::Write;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn round_trip_and_limits() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let z = zlib(&data);
        let mut out = vec![0u8; data.len()];
        assert_eq!(decode(&z, &mut out).unwrap(), data.len());
        assert_eq!(out, data);
        // A smaller buffer stops at its end (a bomb cannot grow past it).
        let mut small = vec![0u8; 1000];
        assert_eq!(decode(&z, &mut small).unwrap(), 1000);
        assert_eq!(small, data[..1000]);
        // Truncated input gives fewer bytes; garbage gives an error.
        let mut out = vec![0u8; data.len()];
        assert!(decode(&z[..z.len() / 2], &mut out).unwrap() < data.len());
        assert!(decode(b"\x78\x9c\xff\xff\xff\xff", &mut out).is_err());
        assert!(decode(b"", &mut out).unwrap() == 0);
    }

    #[test]
    fn bomb_stops_at_output_size() {
        let z = zlib(&vec![0u8; 50 << 20]);
        let mut out = vec![1u8; 4096];
        assert_eq!(decode(&z, &mut out).unwrap(), 4096);
        assert!(out.iter().all(|&b| b == 0));
    }
}
