//! TIFF predictors, undone per row of a decoded block: horizontal differencing (2) on integer
//! words of the sample's width, and the floating-point predictor (3) of byte planes; plus the
//! byte-order fix-up, fused into the same pass.

use crate::error::{DecodeError, Fallible};

/// The TIFF Predictor tag: how sample values were differenced before compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Predictor {
    /// 1: no prediction.
    None,
    /// 2: horizontal differencing of samples (on the bits, as unsigned words of the sample's
    /// width, also for floats as GDAL allows).
    Horizontal,
    /// 3: floating-point predictor: byte planes, most significant first, byte-differenced.
    FloatingPoint,
}

impl Predictor {
    /// The predictor of TIFF Predictor tag value `code`.
    pub fn from_code(code: u64) -> Result<Predictor, DecodeError> {
        match code {
            1 => Ok(Predictor::None),
            2 => Ok(Predictor::Horizontal),
            3 => Ok(Predictor::FloatingPoint),
            _ => Err(DecodeError::Unsupported(format!(
                "unsupported predictor {code}"
            ))),
        }
    }

    /// The TIFF Predictor tag value.
    pub fn code(self) -> u16 {
        match self {
            Predictor::None => 1,
            Predictor::Horizontal => 2,
            Predictor::FloatingPoint => 3,
        }
    }
}

/// An unsigned word the width of one sample, for differencing and byte swapping.
trait Word: Copy + Default {
    /// Bytes per word.
    const SIZE: usize;
    /// The word in `b` (exactly SIZE bytes), byte-swapped when `swap`.
    fn load(b: &[u8], swap: bool) -> Self;
    /// Writes the word to `b` in native order.
    fn store(self, b: &mut [u8]);
    /// Addition modulo 2^bits.
    fn add(self, other: Self) -> Self;
}

macro_rules! word {
    ($t:ty) => {
        impl Word for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            #[inline(always)]
            fn load(b: &[u8], swap: bool) -> Self {
                let v = <$t>::from_ne_bytes(b.try_into().unwrap_or_default());
                if swap { v.swap_bytes() } else { v }
            }
            #[inline(always)]
            fn store(self, b: &mut [u8]) {
                if let Ok(a) = <&mut [u8; std::mem::size_of::<$t>()]>::try_from(b) {
                    *a = self.to_ne_bytes();
                }
            }
            #[inline(always)]
            fn add(self, other: Self) -> Self {
                self.wrapping_add(other)
            }
        }
    };
}
word!(u8);
word!(u16);
word!(u32);
word!(u64);

/// Undoes `predictor` in place on `data`: rows of `row_samples` samples of `sample_size`
/// bytes, `spp` samples per pixel (the differencing stride). `swap` says the file's byte order
/// is not native; on return every sample is native-endian. `scratch` is reused between calls.
pub(crate) fn undo(
    predictor: Predictor,
    sample_size: usize,
    swap: bool,
    row_samples: usize,
    spp: usize,
    data: &mut [u8],
    scratch: &mut Vec<u8>,
) -> Fallible<()> {
    let row_bytes = row_samples
        .checked_mul(sample_size)
        .filter(|&b| b > 0 && spp > 0 && row_samples.is_multiple_of(spp))
        .ok_or_else(|| DecodeError::Usage("bad block geometry for the predictor".into()))?;
    match (predictor, sample_size) {
        (Predictor::None, 1) => {}
        (Predictor::None, _) if !swap => {}
        (Predictor::None, 2) => swap_all::<u16>(data),
        (Predictor::None, 4) => swap_all::<u32>(data),
        (Predictor::None, 8) => swap_all::<u64>(data),
        (Predictor::Horizontal, 1) => rows(data, row_bytes, |r| horizontal::<u8>(r, spp, false)),
        (Predictor::Horizontal, 2) => rows(data, row_bytes, |r| horizontal::<u16>(r, spp, swap)),
        (Predictor::Horizontal, 4) => rows(data, row_bytes, |r| horizontal::<u32>(r, spp, swap)),
        (Predictor::Horizontal, 8) => rows(data, row_bytes, |r| horizontal::<u64>(r, spp, swap)),
        (Predictor::FloatingPoint, 4) => {
            rows(data, row_bytes, |r| floating_point::<4>(r, spp, scratch))
        }
        (Predictor::FloatingPoint, 8) => {
            rows(data, row_bytes, |r| floating_point::<8>(r, spp, scratch))
        }
        (p, size) => {
            return Err(DecodeError::Unsupported(format!(
                "predictor {} on {}-byte samples",
                p.code(),
                size
            )));
        }
    }
    Ok(())
}

/// Calls `f` on each complete row of `data`.
fn rows(data: &mut [u8], row_bytes: usize, mut f: impl FnMut(&mut [u8])) {
    data.chunks_exact_mut(row_bytes).for_each(&mut f);
}

/// Byte-swaps every word of `data`.
fn swap_all<W: Word>(data: &mut [u8]) {
    for c in data.chunks_exact_mut(W::SIZE) {
        W::load(c, true).store(c);
    }
}

/// Undoes horizontal differencing on one row: each sample adds the one `spp` samples before.
fn horizontal<W: Word>(row: &mut [u8], spp: usize, swap: bool) {
    if spp == 1 {
        let mut prev = W::default();
        for c in row.chunks_exact_mut(W::SIZE) {
            prev = prev.add(W::load(c, swap));
            prev.store(c);
        }
    } else {
        let mut prev = vec![W::default(); spp];
        for px in row.chunks_exact_mut(W::SIZE * spp) {
            for (p, c) in prev.iter_mut().zip(px.chunks_exact_mut(W::SIZE)) {
                *p = p.add(W::load(c, swap));
                p.store(c);
            }
        }
    }
}

/// Undoes the floating-point predictor on one row of `N`-byte samples: byte-wise
/// accumulation with stride `spp`, then the byte planes (most significant first) are
/// interleaved back into native-endian samples. The file's byte order plays no part.
fn floating_point<const N: usize>(row: &mut [u8], spp: usize, tmp: &mut Vec<u8>) {
    if spp == 1 {
        let mut prev = 0u8;
        for b in row.iter_mut() {
            prev = prev.wrapping_add(*b);
            *b = prev;
        }
    } else {
        let mut prev = vec![0u8; spp];
        for px in row.chunks_exact_mut(spp) {
            for (p, b) in prev.iter_mut().zip(px.iter_mut()) {
                *p = p.wrapping_add(*b);
                *b = *p;
            }
        }
    }
    tmp.clear();
    tmp.extend_from_slice(row);
    let n = row.len() / N;
    let mut planes = tmp.chunks_exact(n.max(1));
    match N {
        4 => {
            let (Some(p0), Some(p1), Some(p2), Some(p3)) =
                (planes.next(), planes.next(), planes.next(), planes.next())
            else {
                return;
            };
            let bytes = p0.iter().zip(p1).zip(p2).zip(p3);
            for (out, (((&a, &b), &c), &d)) in row.chunks_exact_mut(4).zip(bytes) {
                out.copy_from_slice(&u32::from_be_bytes([a, b, c, d]).to_ne_bytes());
            }
        }
        _ => {
            let mut next = || planes.next().unwrap_or_default();
            let (p0, p1, p2, p3) = (next(), next(), next(), next());
            let (p4, p5, p6, p7) = (next(), next(), next(), next());
            let bytes = p0
                .iter()
                .zip(p1)
                .zip(p2)
                .zip(p3)
                .zip(p4)
                .zip(p5)
                .zip(p6)
                .zip(p7);
            for (out, (((((((&a, &b), &c), &d), &e), &f), &g), &h)) in
                row.chunks_exact_mut(8).zip(bytes)
            {
                out.copy_from_slice(&u64::from_be_bytes([a, b, c, d, e, f, g, h]).to_ne_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Horizontal differencing as an encoder does it, on native-endian words.
    fn diff_u16(v: &[u16], spp: usize) -> Vec<u16> {
        (0..v.len())
            .map(|i| {
                if i < spp {
                    v[i]
                } else {
                    v[i].wrapping_sub(v[i - spp])
                }
            })
            .collect()
    }

    #[test]
    fn horizontal_u16_both_orders() {
        let v: Vec<u16> = vec![1, 65535, 3, 7, 1000, 2, 40000, 9];
        for spp in [1, 2] {
            let d = diff_u16(&v, spp);
            for swap in [false, true] {
                let mut bytes: Vec<u8> = d
                    .iter()
                    .flat_map(|x| if swap { x.swap_bytes() } else { *x }.to_ne_bytes())
                    .collect();
                undo(
                    Predictor::Horizontal,
                    2,
                    swap,
                    8,
                    spp,
                    &mut bytes,
                    &mut Vec::new(),
                )
                .unwrap();
                let got: Vec<u16> = bytes
                    .chunks(2)
                    .map(|c| u16::from_ne_bytes([c[0], c[1]]))
                    .collect();
                assert_eq!(got, v, "spp {spp} swap {swap}");
            }
        }
    }

    #[test]
    fn horizontal_every_width_and_float_bits() {
        let f: Vec<f32> = vec![1.5, -2.25, f32::NAN, 1e30, 0.0, -0.0];
        let bits: Vec<u32> = f.iter().map(|x| x.to_bits()).collect();
        let mut d: Vec<u8> = bits
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                if i == 0 {
                    b
                } else {
                    b.wrapping_sub(bits[i - 1])
                }
            })
            .flat_map(u32::to_ne_bytes)
            .collect();
        undo(
            Predictor::Horizontal,
            4,
            false,
            6,
            1,
            &mut d,
            &mut Vec::new(),
        )
        .unwrap();
        let got: Vec<u32> = d
            .chunks(4)
            .map(|c| u32::from_ne_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(got, bits);

        let mut b8 = vec![5u8, 250, 10, 1];
        undo(
            Predictor::Horizontal,
            1,
            false,
            4,
            1,
            &mut b8,
            &mut Vec::new(),
        )
        .unwrap();
        assert_eq!(b8, [5, 255, 9, 10]);

        let v64: Vec<u64> = vec![u64::MAX, 1, 1 << 63];
        let mut d: Vec<u8> = [
            v64[0],
            v64[1].wrapping_sub(v64[0]),
            v64[2].wrapping_sub(v64[1]),
        ]
        .iter()
        .flat_map(|x| x.swap_bytes().to_ne_bytes())
        .collect();
        undo(
            Predictor::Horizontal,
            8,
            true,
            3,
            1,
            &mut d,
            &mut Vec::new(),
        )
        .unwrap();
        let got: Vec<u64> = d
            .chunks(8)
            .map(|c| u64::from_ne_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(got, v64);
    }

    /// The floating-point predictor as libtiff's encoder applies it to one row.
    fn fp_encode<const N: usize>(samples: &[[u8; N]], spp: usize) -> Vec<u8> {
        // samples are big-endian byte arrays; planes most significant first.
        let n = samples.len();
        let mut planes = vec![0u8; n * N];
        for (k, s) in samples.iter().enumerate() {
            for b in 0..N {
                planes[b * n + k] = s[b];
            }
        }
        for i in (spp..planes.len()).rev() {
            planes[i] = planes[i].wrapping_sub(planes[i - spp]);
        }
        planes
    }

    #[test]
    fn floating_point_f32_and_f64() {
        let f: Vec<f32> = vec![1.0, 2.5, -3.75, 1e-20, f32::MAX, 0.1, 7.0, -0.0];
        for spp in [1, 2] {
            let be: Vec<[u8; 4]> = f.iter().map(|x| x.to_be_bytes()).collect();
            let mut row = fp_encode(&be, spp);
            // Two identical rows: rows are independent.
            row.extend_from_within(..);
            for swap in [false, true] {
                let mut data = row.clone();
                undo(
                    Predictor::FloatingPoint,
                    4,
                    swap,
                    8,
                    spp,
                    &mut data,
                    &mut Vec::new(),
                )
                .unwrap();
                let got: Vec<f32> = data
                    .chunks(4)
                    .map(|c| f32::from_ne_bytes(c.try_into().unwrap()))
                    .collect();
                assert_eq!(got[..8], f[..]);
                assert_eq!(got[8..], f[..]);
            }
        }
        let d: Vec<f64> = vec![1.0, -2.5e300, 3.0, 0.125];
        let be: Vec<[u8; 8]> = d.iter().map(|x| x.to_be_bytes()).collect();
        let mut data = fp_encode(&be, 1);
        undo(
            Predictor::FloatingPoint,
            8,
            false,
            4,
            1,
            &mut data,
            &mut Vec::new(),
        )
        .unwrap();
        let got: Vec<f64> = data
            .chunks(8)
            .map(|c| f64::from_ne_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(got, d);
    }

    #[test]
    fn swaps_without_predictor_and_refuses_nonsense() {
        let mut d = vec![0x12, 0x34, 0x56, 0x78];
        undo(Predictor::None, 2, true, 2, 1, &mut d, &mut Vec::new()).unwrap();
        assert_eq!(d, [0x34, 0x12, 0x78, 0x56]);
        assert!(
            undo(
                Predictor::FloatingPoint,
                2,
                false,
                2,
                1,
                &mut d,
                &mut Vec::new()
            )
            .is_err()
        );
        assert!(
            undo(
                Predictor::Horizontal,
                3,
                false,
                1,
                1,
                &mut [0; 3],
                &mut Vec::new()
            )
            .is_err()
        );
        assert!(
            undo(
                Predictor::Horizontal,
                1,
                false,
                0,
                1,
                &mut [],
                &mut Vec::new()
            )
            .is_err()
        );
        assert!(
            undo(
                Predictor::Horizontal,
                1,
                false,
                3,
                2,
                &mut [0; 3],
                &mut Vec::new()
            )
            .is_err()
        );
    }
}
