//! PackBits (TIFF compression 32773): byte runs and literal stretches.

/// Decodes PackBits `src` into `out` until it is full or the input ends; returns the bytes
/// written. A run or literal that would pass the end of `out` is cut there (libtiff warns and
/// does the same).
pub(crate) fn decode(src: &[u8], out: &mut [u8]) -> usize {
    let mut written = 0;
    let mut input = src.iter();
    while written < out.len() {
        let Some(&header) = input.next() else { break };
        let n = header as i8;
        let rest = out.get_mut(written..).unwrap_or_default();
        if n >= 0 {
            // n+1 literal bytes.
            let len = (n as usize + 1).min(rest.len());
            let literal = input.as_slice().get(..len).unwrap_or(input.as_slice());
            let len = literal.len();
            if let Some(d) = rest.get_mut(..len) {
                d.copy_from_slice(literal);
            }
            written += len;
            input = input.as_slice().get(len..).unwrap_or_default().iter();
            if len == 0 {
                break;
            }
        } else if n != -128 {
            // The next byte repeated 1-n times.
            let Some(&value) = input.next() else { break };
            let len = (1 - isize::from(n)) as usize;
            let len = len.min(rest.len());
            if let Some(d) = rest.get_mut(..len) {
                d.fill(value);
            }
            written += len;
        }
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example from the TIFF 6.0 specification, section 9.
    #[test]
    fn spec_example() {
        let packed = [
            0xFE, 0xAA, 0x02, 0x80, 0x00, 0x2A, 0xFD, 0xAA, 0x03, 0x80, 0x00, 0x2A, 0x22, 0xF7,
            0xAA,
        ];
        let unpacked = [
            0xAA, 0xAA, 0xAA, 0x80, 0x00, 0x2A, 0xAA, 0xAA, 0xAA, 0xAA, 0x80, 0x00, 0x2A, 0x22,
            0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA,
        ];
        let mut out = [0u8; 24];
        assert_eq!(decode(&packed, &mut out), 24);
        assert_eq!(out, unpacked);
    }

    #[test]
    fn stops_at_limits() {
        // A run longer than the output is cut; -128 is a no-op; truncated literal stops.
        let mut out = [0u8; 4];
        assert_eq!(decode(&[0x81, 7], &mut out), 4);
        assert_eq!(out, [7; 4]);
        let mut out = [0u8; 4];
        assert_eq!(decode(&[0x80, 0x03, 1, 2], &mut out), 2);
        assert_eq!(&out[..2], &[1, 2]);
        assert_eq!(decode(&[0xFF], &mut out), 0);
        assert_eq!(decode(&[], &mut out), 0);
    }
}
