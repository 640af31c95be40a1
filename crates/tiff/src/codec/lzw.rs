//! LZW (TIFF compression 5), via weezl: MSB-first codes with TIFF's early code-size change,
//! and the pre-1991 LSB-first variant libtiff still reads.

use crate::error::{Fallible, format_err};
use weezl::{BitOrder, LzwStatus, decode::Decoder};

/// Decodes the LZW data `src` into `out` until it is full, the end code, or the input ends;
/// returns the bytes written.
pub(crate) fn decode(src: &[u8], out: &mut [u8]) -> Fallible<usize> {
    // Old-style LZW starts with a Clear code (256) written LSB first: bytes 00 01.
    if matches!(src, [0, second, ..] if second & 1 != 0) {
        decode_weezl(Decoder::new(BitOrder::Lsb, 8), src, out)
    } else {
        decode_tiff(src, out)
    }
}

/// Clear code: reset the table.
const CLEAR: u16 = 256;
/// End-of-information code.
const EOI: u16 = 257;
/// First code the table assigns.
const FIRST: u16 = 258;
/// Table size (12-bit codes).
const TABLE: usize = 4096;

/// TIFF LZW (MSB-first codes, early code-size change) decoded as LZ77: every table string is a
/// stretch of the output already written (the previous code's string plus the next byte, which
/// directly follows it), so the table holds (start, length) pairs into `out` and each code is
/// one copy from earlier output. This is what makes it faster than a prefix-chain walk.
fn decode_tiff(src: &[u8], out: &mut [u8]) -> Fallible<usize> {
    // On the stack: a 32 KiB heap table per block costs musl's allocator an mmap + munmap
    // (11 700 of them for the 21600×10800 benchmark file; 19% slower than glibc).
    let mut table = [(0u32, 0u32); TABLE];
    let mut bits = Bits {
        src,
        pos: 0,
        buf: 0,
        count: 0,
    };
    let (mut width, mut next) = (9u32, FIRST);
    // Start and length in `out` of the previous code's string; None right after a Clear.
    let mut prev: Option<(usize, usize)> = None;
    let mut pos = 0usize;
    while pos < out.len() {
        let Some(code) = bits.read(width) else { break };
        if code == CLEAR {
            (width, next, prev) = (9, FIRST, None);
            continue;
        }
        if code == EOI {
            break;
        }
        let (start, len) = match (code, prev) {
            (0..=255, _) => {
                if let Some(b) = out.get_mut(pos) {
                    *b = code as u8;
                }
                (pos, 1)
            }
            (_, None) => {
                return Err(format_err!(
                    "corrupt LZW data: code {code} right after a Clear"
                ));
            }
            (c, Some(_)) if c < next => {
                let (s, l) = table.get(usize::from(c)).copied().unwrap_or_default();
                let (s, l) = (s as usize, l as usize);
                let n = l.min(out.len() - pos);
                // Table strings lie in the output written so far (checked to be sure).
                if s + n > pos {
                    return Err(format_err!("corrupt LZW table"));
                }
                copy_string(out, s, n, pos);
                (pos, l)
            }
            (c, Some((ps, pl))) if c == next => {
                // KwKwK: the previous string plus its own first byte.
                let n = pl.min(out.len() - pos);
                if ps + n > pos {
                    return Err(format_err!("corrupt LZW table"));
                }
                copy_string(out, ps, n, pos);
                let first = out.get(ps).copied().unwrap_or(0);
                if let Some(b) = out.get_mut(pos + pl) {
                    *b = first;
                }
                (pos, pl + 1)
            }
            (c, _) => {
                return Err(format_err!(
                    "corrupt LZW data: code {c} not yet defined after {pos} bytes"
                ));
            }
        };
        if let Some((ps, pl)) = prev {
            // The new entry: previous string plus the first byte of this one, which follows
            // it directly in the output.
            if let Some(e) = table.get_mut(usize::from(next)) {
                *e = (ps as u32, pl as u32 + 1);
                next += 1;
                if u32::from(next) + 1 >= 1 << width && width < 12 {
                    width += 1;
                }
            }
        }
        prev = Some((start, len));
        pos = (pos + len).min(out.len());
    }
    Ok(pos)
}

/// Copies `out[src..src + n]` to `pos` (`src + n <= pos`, `pos + n <= out.len()`). Short
/// strings, the common case, copy a fixed 16 bytes when there is room: one vector move
/// instead of a call; the bytes past `n` are overwritten by the next codes.
#[inline(always)]
fn copy_string(out: &mut [u8], src: usize, n: usize, pos: usize) {
    const FAST: usize = 16;
    if n <= FAST && pos + FAST <= out.len() {
        out.copy_within(src..src + FAST, pos);
    } else {
        out.copy_within(src..src + n, pos);
    }
}

/// An MSB-first bit reader.
struct Bits<'a> {
    src: &'a [u8],
    pos: usize,
    buf: u64,
    count: u32,
}

impl Bits<'_> {
    /// The next `width`-bit code, `None` at the end of the input.
    #[inline(always)]
    fn read(&mut self, width: u32) -> Option<u16> {
        if self.count < width {
            if let Some(chunk) = self.src.get(self.pos..self.pos + 4) {
                // Refill 32 bits at once.
                let v = u32::from_be_bytes(chunk.try_into().unwrap_or_default());
                self.buf |= u64::from(v) << (32 - self.count);
                self.pos += 4;
                self.count += 32;
            } else {
                while self.count < width {
                    let &b = self.src.get(self.pos)?;
                    self.buf |= u64::from(b) << (56 - self.count);
                    self.pos += 1;
                    self.count += 8;
                }
            }
        }
        let code = (self.buf >> (64 - width)) as u16;
        self.buf <<= width;
        self.count -= width;
        Some(code)
    }
}

/// Decodes with weezl (used for old-style LZW).
fn decode_weezl(mut decoder: Decoder, src: &[u8], out: &mut [u8]) -> Fallible<usize> {
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

    /// Our decoder agrees with weezl on any data, whatever the output size.
    #[test]
    fn agrees_with_weezl() {
        let mut state = 1u64;
        for len in [0usize, 1, 2, 3, 10, 257, 5000, 70_000] {
            for alphabet in [1u64, 2, 5, 256] {
                let data: Vec<u8> = (0..len)
                    .map(|_| {
                        state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                        ((state >> 40) % alphabet) as u8
                    })
                    .collect();
                let packed = Encoder::with_tiff_size_switch(BitOrder::Msb, 8)
                    .encode(&data)
                    .unwrap();
                for cut in [len, len / 2, len.saturating_sub(1)] {
                    let mut ours = vec![0u8; cut];
                    let n = decode(&packed, &mut ours).unwrap();
                    assert_eq!(
                        (n, &ours[..]),
                        (cut, &data[..cut]),
                        "len {len} alphabet {alphabet}"
                    );
                }
                let mut longer = vec![0u8; len + 5];
                assert_eq!(decode(&packed, &mut longer).unwrap(), len);
            }
        }
    }

    proptest::proptest! {
        /// Garbage never panics, whatever the output size, and never writes past it.
        #[test]
        fn garbage_never_panics(src in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..3000), len in 0usize..20_000) {
            let mut out = vec![0u8; len];
            if let Ok(n) = decode(&src, &mut out) {
                proptest::prop_assert!(n <= len);
            }
        }
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
