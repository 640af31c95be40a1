//! LZW (TIFF compression 5): MSB-first codes with TIFF's early code-size change, decoded here,
//! and the pre-1991 LSB-first variant libtiff still reads, via weezl.

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
/// Codes 12-bit codes can name; the table has one more slot, written (and never read) once
/// it is full.
const TABLE: usize = 4096;
/// Strings up to this long are copied as one fixed-size chunk; longer ones in such chunks.
const CHUNK: usize = 16;
/// Table entries are `start << LEN_BITS | len`: where the string is in the output, and how
/// long it is (at most 4096 - 256).
const LEN_BITS: u32 = 16;

/// The table entry for the `len` bytes at `start`.
#[inline(always)]
fn entry(start: usize, len: usize) -> u64 {
    (start as u64) << LEN_BITS | len as u64
}

/// TIFF LZW (MSB-first codes, early code-size change) decoded as LZ77: every table string is a
/// stretch of the output already written (the previous code's string plus the next byte, which
/// directly follows it), so the table holds (start, length) pairs into `out` and each code is
/// one copy from earlier output. This is what makes it faster than a prefix-chain walk.
///
/// Literals are copies too, from where that byte was first written (a literal's first use
/// writes it and records it), so the common code — a defined string of at most [`CHUNK`]
/// bytes, with room left in `out` — takes one path without data-dependent branches: a copy
/// of [`CHUNK`] bytes, whose bytes past the string are overwritten by the next codes. Clear,
/// end, KwKwK, a literal's first use, long strings and the end of the output take the general
/// path.
///
/// Not inlined into the block decoder: on its own, the loop keeps its state in registers
/// (3% fewer instructions per code, measured with cachegrind on the benchmark file).
#[inline(never)]
fn decode_tiff(src: &[u8], out: &mut [u8]) -> Fallible<usize> {
    if out.len() as u64 >= 1 << (64 - LEN_BITS) {
        // Beyond what an entry can address (256 TiB): never seen, but decoded all the same.
        return decode_weezl(Decoder::with_tiff_size_switch(BitOrder::Msb, 8), src, out);
    }
    // On the stack: a 32 KiB heap table per block costs musl's allocator an mmap + munmap
    // (11 700 of them for the 21600×10800 benchmark file; 19% slower than glibc).
    // Length 0 marks what is not a string yet: literals not yet seen, Clear and EOI.
    let mut table = [0u64; TABLE + 1];
    let mut bits = Bits::new(src);
    let mut pos = 0usize;
    // The code the next code defines (after it, as the previous string plus one byte).
    // Starting as after a Clear: one less, as the first code defines nothing.
    let mut next = usize::from(EOI);
    let mut width = Width::new();
    while pos < out.len() {
        let Some(code) = bits.read(width.bits) else {
            break;
        };
        let c = usize::from(code);
        // (Codes have at most 12 bits: the mask only spares a bounds check.)
        let mut e = table.get(c & (TABLE - 1)).copied().unwrap_or(0);
        let mut len = (e & 0xFFFF) as usize;
        if c < next && len.wrapping_sub(1) < CHUNK && out.len() - pos >= CHUNK {
            // Strings end before `pos` (the min only spares a bounds check).
            copy_chunk(out, ((e >> LEN_BITS) as usize).min(pos), pos);
        } else {
            match code {
                CLEAR => {
                    next = usize::from(EOI);
                    width = Width::new();
                    continue;
                }
                EOI => break,
                // (Right after a Clear `next` is EOI, so only a literal passes.)
                _ if c > next => {
                    return Err(format_err!(
                        "corrupt LZW data: code {c} not yet defined after {pos} bytes"
                    ));
                }
                0..=255 if len == 0 => {
                    // A literal's first use.
                    set(out, pos, code as u8);
                    e = entry(pos, 1);
                    if let Some(slot) = table.get_mut(c) {
                        *slot = e;
                    }
                    len = 1;
                }
                // KwKwK (`next` itself): the string ends with its own first byte, at `pos`.
                _ => copy_string(out, e, pos, c == next),
            }
        }
        // Once full, later entries go to the spare slot until a Clear.
        next += width.step;
        width.reached(next);
        if let Some(slot) = table.get_mut(next) {
            *slot = entry(pos, len) + 1;
        }
        pos += len;
    }
    // The last string may have been cut at the end of `out`.
    Ok(pos.min(out.len()))
}

/// The code width, kept as codes are defined: TIFF widens codes one code early, when the
/// code the next code defines (`next`) plus one needs another bit: 9 bits up to `next` 510,
/// 10 from 511, 11 from 1023, 12 from 2047 on; once `next` reaches [`TABLE`] the table is
/// full and `next` stays there.
struct Width {
    /// Bits per code.
    bits: u32,
    /// The `next` at which the next change happens.
    change_at: usize,
    /// What `next` grows by per code: 1, or 0 once the table is full.
    step: usize,
}

impl Width {
    /// The width after a Clear.
    fn new() -> Width {
        Width {
            bits: 9,
            change_at: 511,
            step: 1,
        }
    }

    /// Widens codes, or stops `next`, if `next` has reached the next change (one compare
    /// on the common path).
    #[inline(always)]
    fn reached(&mut self, next: usize) {
        if next == self.change_at {
            if next >= TABLE {
                self.step = 0;
                self.change_at = usize::MAX;
            } else {
                self.bits += 1;
                self.change_at = if self.bits == 12 {
                    TABLE
                } else {
                    2 * self.change_at + 1
                };
            }
        }
    }
}

/// Writes `b` at `out[pos]` if there.
#[inline(always)]
fn set(out: &mut [u8], pos: usize, b: u8) {
    if let Some(o) = out.get_mut(pos) {
        *o = b;
    }
}

/// Copies the [`CHUNK`] bytes at `from` to `to` (`from < to`, `to + CHUNK <= out.len()`) as
/// one load and one store: when the ranges overlap, the bytes read after `to` only land past
/// the string being copied.
#[inline(always)]
fn copy_chunk(out: &mut [u8], from: usize, to: usize) {
    // (`first_chunk` rather than a range: its length check is one the caller's makes moot.)
    let chunk = out
        .get(from..)
        .and_then(|s| s.first_chunk::<CHUNK>())
        .copied();
    if let (Some(c), Some(d)) = (chunk, out.get_mut(to..).and_then(|s| s.first_chunk_mut())) {
        *d = c;
    }
}

/// Writes the string of table entry `e` at `pos`, cut at the end of `out`; `kwkwk` when it is
/// the previous string plus that string's first byte, which belongs at the string's end but
/// is only written once this copy has put it at `pos`. Strings otherwise end before `pos`
/// (the table only holds output already written), so copying forward [`CHUNK`] bytes at a
/// time reads each string byte before anything overwrites it.
fn copy_string(out: &mut [u8], e: u64, pos: usize, kwkwk: bool) {
    let (start, len) = ((e >> LEN_BITS) as usize, (e & 0xFFFF) as usize);
    if pos + len.next_multiple_of(CHUNK) <= out.len() {
        for i in (0..len).step_by(CHUNK) {
            copy_chunk(out, start + i, pos + i);
        }
    } else {
        let n = len.min(out.len() - pos);
        out.copy_within(start..start + n, pos);
    }
    if kwkwk {
        let first = out.get(start).copied().unwrap_or(0);
        set(out, pos + len - 1, first);
    }
}

/// An MSB-first bit reader that loads the 8 bytes holding each code afresh: the only state
/// carried from code to code is the bit position, so reads do not wait on each other.
struct Bits<'a> {
    src: &'a [u8],
    /// Bits read so far.
    bit: usize,
}

impl<'a> Bits<'a> {
    /// A reader at the start of `src`.
    fn new(src: &'a [u8]) -> Bits<'a> {
        Bits { src, bit: 0 }
    }

    /// The next `width`-bit code (`width <= 12`), `None` at the end of the input.
    #[inline(always)]
    fn read(&mut self, width: u32) -> Option<u16> {
        let byte = self.bit >> 3;
        let word = match self.src.get(byte..byte + 8) {
            Some(chunk) => u64::from_be_bytes(chunk.try_into().unwrap_or_default()),
            None => tail_word(self.src, self.bit, width)?,
        };
        let code = ((word << (self.bit & 7)) >> (64 - width)) as u16;
        self.bit += width as usize;
        Some(code)
    }
}

/// The last bytes of `src` from bit `bit` on, zero-padded to a word, if they hold a whole
/// `width`-bit code.
#[cold]
fn tail_word(src: &[u8], bit: usize, width: u32) -> Option<u64> {
    if bit + width as usize > src.len().saturating_mul(8) {
        return None;
    }
    let mut word = [0u8; 8];
    for (w, &b) in word.iter_mut().zip(src.get(bit >> 3..).unwrap_or_default()) {
        *w = b;
    }
    Some(u64::from_be_bytes(word))
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

    /// TIFF LZW of `data`, as libtiff and GDAL write it.
    fn pack(data: &[u8]) -> Vec<u8> {
        Encoder::with_tiff_size_switch(BitOrder::Msb, 8)
            .encode(data)
            .unwrap()
    }

    /// Runs of a few bytes, so strings run from 1 byte to hundreds.
    fn runs(len: usize, seed: u64) -> Vec<u8> {
        let mut state = seed;
        let mut data = Vec::with_capacity(len);
        while data.len() < len {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let run = ((state >> 33) % 300) as usize + 1;
            let byte = (state >> 60) as u8;
            data.extend(std::iter::repeat_n(byte, run.min(len - data.len())));
        }
        data
    }

    /// Every output size, so that strings of every length (literals, short, longer than one
    /// chunk, KwKwK) are cut at, or end exactly at, the end of the output.
    #[test]
    fn every_output_size() {
        let data = runs(6000, 7);
        let packed = pack(&data);
        for cut in 0..=data.len() + 3 {
            let mut out = vec![0u8; cut];
            let n = decode(&packed, &mut out).unwrap();
            assert_eq!(n, cut.min(data.len()), "cut {cut}");
            assert_eq!(out[..n], data[..n], "cut {cut}");
        }
    }

    /// An MSB-first stream of `(code, width)` pairs.
    fn codes(codes: &[(u16, u32)]) -> Vec<u8> {
        let (mut bytes, mut acc, mut n) = (Vec::new(), 0u64, 0u32);
        for &(code, width) in codes {
            acc = acc << width | u64::from(code);
            n += width;
            while n >= 8 {
                n -= 8;
                bytes.push((acc >> n) as u8);
            }
        }
        if n > 0 {
            bytes.push((acc << (8 - n)) as u8);
        }
        bytes
    }

    /// Code widths change exactly when 511, 1023 and 2047 codes are defined (one early, as
    /// TIFF does), and a table left full without a Clear keeps 12-bit codes and its entries:
    /// a hand-written stream of literals and codes for strings defined just before, decoded
    /// against a plain table of strings.
    #[test]
    fn width_changes_and_full_table() {
        // After a Clear the i-th code is read when 257 + i codes are defined (the first one
        // defines nothing): 9 bits up to i = 253, 10 up to 765, 11 up to 1789, then 12.
        let width = |i: usize| match i {
            0..254 => 9,
            254..766 => 10,
            766..1790 => 11,
            _ => 12,
        };
        let mut table: Vec<Vec<u8>> = (0..=255).map(|b| vec![b]).collect();
        table.extend([vec![], vec![]]);
        let (mut stream, mut expected) = (vec![(CLEAR, 9)], Vec::new());
        let mut prev: Option<Vec<u8>> = None;
        for i in 0..5000usize {
            let code = match i {
                _ if i % 2 == 0 || i < 3 => i * 7 % 256,
                // The newest entry but one, then once full any of the last ones.
                _ if table.len() < TABLE => table.len() - 2,
                _ => TABLE - 1 - i / 2 % 100,
            };
            let string = table[code].clone();
            if let Some(mut p) = prev.take()
                && table.len() < TABLE
            {
                p.push(string[0]);
                table.push(p);
            }
            stream.push((code as u16, width(i)));
            expected.extend_from_slice(&string);
            prev = Some(string);
        }
        assert_eq!(table.len(), TABLE);
        stream.push((EOI, 12));
        let packed = codes(&stream);
        let mut out = vec![0u8; expected.len() + 10];
        let n = decode(&packed, &mut out).unwrap();
        assert_eq!(out[..n], expected);
    }

    /// A string code right after a Clear, when nothing is defined, is an error; a stream
    /// may start without a Clear.
    #[test]
    fn codes_after_clear() {
        let mut out = [0u8; 8];
        assert!(decode(&codes(&[(CLEAR, 9), (258, 9)]), &mut out).is_err());
        let reset = codes(&[(CLEAR, 9), (65, 9), (66, 9), (CLEAR, 9), (258, 9)]);
        assert!(decode(&reset, &mut out).is_err());
        let n = decode(&codes(&[(65, 9), (66, 9), (258, 9), (EOI, 9)]), &mut out).unwrap();
        assert_eq!(out[..n], *b"ABAB");
    }

    proptest::proptest! {
        /// Valid streams decode to their data cut at any output size.
        #[test]
        fn any_cut_of_valid_streams(seed in proptest::prelude::any::<u64>(), len in 0usize..20_000, cut in 0usize..20_005) {
            let data = runs(len, seed);
            let mut out = vec![0u8; cut];
            let n = decode(&pack(&data), &mut out).unwrap();
            proptest::prop_assert_eq!(n, cut.min(len));
            proptest::prop_assert_eq!(&out[..n], &data[..n]);
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
