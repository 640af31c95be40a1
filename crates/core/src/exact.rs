//! Exact floating-point arithmetic: error-free transformations and an exact sum of f64 values.
//!
//! Sums are what make results independent of how the input is split: every sum the core keeps
//! is the *exact* sum of its terms, rounded once at the end. The fast kernels add in plain f64
//! and prove, with [`two_sum`] errors, that no addition rounded; a cell whose proof fails gets
//! an [`ExactSum`], which adds any number of f64 terms without rounding.

/// `a + b` as the rounded sum and its exact rounding error (Knuth's TwoSum): `s + e == a + b`
/// exactly, for finite inputs.
#[inline(always)]
pub(crate) fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let z = s - a;
    (s, (a - (s - z)) + (b - z))
}

/// Veltkamp's split of `a` into two halves of at most 26 significant bits each.
#[inline(always)]
fn split(a: f64) -> (f64, f64) {
    let c = 134_217_729.0 * a; // 2^27 + 1
    let hi = c - (c - a);
    (hi, a - hi)
}

/// `a · b` as the rounded product and its exact rounding error (Dekker's TwoProduct, no FMA so
/// that it is fast on every x86-64): `p + e == a · b` exactly unless it overflows.
#[inline(always)]
pub(crate) fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
}

/// [`two_prod`] by one fused multiply-add: the same pair wherever the error `a · b − p` is
/// representable and nothing overflows (the lowest set bits of `a` and `b` multiply to at
/// least 2^-1074, the smallest subnormal), where both are exact. Fast only in code compiled
/// for FMA (the AVX2 and AVX-512 copies of [`crate::cpu`]); elsewhere `mul_add` is a slow
/// library call.
#[inline(always)]
pub(crate) fn two_prod_fused(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

/// Below this magnitude (2^-480), `x²` or the error terms TwoProduct computes for it can fall
/// below the subnormals and lose bits unseen.
pub(crate) const TINY_SQUARE_ROOT: f64 = pow2(-480);

/// What a kernel adds to its rounding-error total for the square of `x`: `|x² − fl(x²)|`
/// (TwoProduct), plus 1 for a non-zero `x` below 2^-480, whose square can underflow (where
/// TwoProduct proves nothing). Zero exactly when `x · x` is exact and provably so.
#[inline(always)]
pub(crate) fn square_error(x: f64) -> f64 {
    // min(|x|, T − |x|) is positive exactly for 0 < |x| < T (plain min/max: no NaN here).
    let a = x.abs();
    let below = TINY_SQUARE_ROOT - a;
    let near = if a < below { a } else { below };
    let tiny = if near > 0.0 { near } else { 0.0 };
    two_prod(x, x).1.abs() + tiny
}

/// A double-double: the unevaluated sum `hi + lo` with `|lo| ≤ ulp(hi)/2`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct DoubleDouble {
    pub hi: f64,
    pub lo: f64,
}

impl DoubleDouble {
    /// An f64 as a double-double.
    #[inline]
    pub fn from_f64(v: f64) -> DoubleDouble {
        DoubleDouble { hi: v, lo: 0.0 }
    }

    /// `self · other` to about 2^-104 relative accuracy; `FUSED`: the product's error by
    /// [`two_prod_fused`] (same value, for code compiled with FMA).
    #[inline]
    pub fn mul<const FUSED: bool>(self, other: DoubleDouble) -> DoubleDouble {
        let (p, e) = if FUSED {
            two_prod_fused(self.hi, other.hi)
        } else {
            two_prod(self.hi, other.hi)
        };
        let e = e + (self.hi * other.lo + self.lo * other.hi);
        let (hi, lo) = two_sum(p, e);
        DoubleDouble { hi, lo }
    }

    /// `self − other` to about 2^-104 relative accuracy (of the larger operand).
    #[inline]
    pub fn sub(self, other: DoubleDouble) -> DoubleDouble {
        let (s, e) = two_sum(self.hi, -other.hi);
        let e = e + (self.lo - other.lo);
        let (hi, lo) = two_sum(s, e);
        DoubleDouble { hi, lo }
    }
}

/// Bits per limb of [`ExactSum`]; limbs are i64, so 2^30 additions fit before a carry pass.
const LIMB_BITS: u32 = 32;
const LIMB_MASK: i64 = (1 << LIMB_BITS) - 1;
/// Additions between carry passes.
const CARRY_EVERY: u32 = 1 << 29;
/// Exponent of the unit of [`ExactSum`]: 2^-2148 = (2^-1074)², the lowest bit the exact
/// product of two f64 values can have, so products and squares of any finite f64 values have
/// an exact place (values, at 2^-1074 and up, too).
const UNIT_EXP: i64 = -2148;

/// The exact sum of any number of f64 values and exact products of them (a
/// "superaccumulator").
///
/// The value is `Σ limbs[k] · 2^(32·(base + k) − 2148)`: a fixed-point number whose unit is
/// the lowest bit of the square of the smallest subnormal, stored sparsely as the limbs between
/// the lowest and highest bit ever touched (usually 2 to 4 limbs). It has no upper bound:
/// squares of 1e300 or sums past f64::MAX are held exactly. Infinities and NaN are tracked
/// apart and win as IEEE says. The sum does not depend on the order of additions, and
/// [`ExactSum::round`] returns it correctly rounded to nearest (ties to even).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ExactSum {
    base: usize,
    limbs: Vec<i64>,
    adds: u32,
    pos_inf: bool,
    neg_inf: bool,
    nan: bool,
}

/// A finite non-zero f64 as `(m, e)` with `|v| = m · 2^e`, `m < 2^53`, `e ≥ −1074`.
#[inline(always)]
fn decompose(v: f64) -> (u64, i64) {
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1u64 << 52) - 1);
    if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp - 1075)
    }
}

impl ExactSum {
    /// An exact sum holding `v`.
    pub fn from_f64(v: f64) -> ExactSum {
        let mut s = ExactSum::default();
        s.add(v);
        s
    }

    /// Records a non-finite term (or product): NaN, +∞ or −∞.
    fn add_special(&mut self, v: f64) {
        if v.is_nan() {
            self.nan = true;
        } else if v > 0.0 {
            self.pos_inf = true;
        } else {
            self.neg_inf = true;
        }
    }

    /// Adds `v` exactly.
    #[inline]
    pub fn add(&mut self, v: f64) {
        if !v.is_finite() {
            self.add_special(v);
            return;
        }
        if v == 0.0 {
            return;
        }
        let (m, e) = decompose(v);
        // 53 bits shifted by at most 31: three limbs.
        self.add_bits::<3>(u128::from(m), (e - UNIT_EXP) as usize, v < 0.0);
    }

    /// Adds `a · b` exactly, whatever the magnitudes (no overflow, no underflow); IEEE's
    /// product when one of them is not finite (∞ · 0 is NaN).
    #[inline]
    pub fn add_product(&mut self, a: f64, b: f64) {
        if !(a.is_finite() && b.is_finite()) {
            self.add_special(a * b);
            return;
        }
        if a == 0.0 || b == 0.0 {
            return;
        }
        let ((ma, ea), (mb, eb)) = (decompose(a), decompose(b));
        // 106 bits shifted by at most 31: five limbs.
        let m = u128::from(ma) * u128::from(mb);
        self.add_bits::<5>(m, (ea + eb - UNIT_EXP) as usize, (a < 0.0) != (b < 0.0));
    }

    /// Adds `w · x²` exactly for an integer-valued `w ≥ 1` below 2^53 (an area weight), any
    /// `x`; IEEE's product when `x` is not finite.
    #[inline]
    pub fn add_weighted_square(&mut self, w: f64, x: f64) {
        if !x.is_finite() {
            self.add_special(w * x * x);
            return;
        }
        if x == 0.0 || w == 0.0 {
            return;
        }
        // w · m² has up to 159 bits: in two parts, w · (low 64 bits) and w · (the rest).
        let ((mw, ew), (mx, ex)) = (decompose(w), decompose(x));
        // An integer w has no bits below 2^0 (the unit is that of x² alone).
        let zeros = mw.trailing_zeros();
        let (mw, ew) = (mw >> zeros, ew + i64::from(zeros));
        let m2 = u128::from(mx) * u128::from(mx);
        let Ok(pos) = usize::try_from(ew + 2 * ex - UNIT_EXP) else {
            // A fractional w below the unit: no place for it (never for area weights); NaN
            // rather than a silently wrong sum.
            self.nan = true;
            return;
        };
        let neg = w < 0.0;
        self.add_bits::<5>(u128::from(mw) * (m2 & u128::from(u64::MAX)), pos, neg);
        self.add_bits::<5>(u128::from(mw) * (m2 >> 64), pos + 64, neg);
    }

    /// Adds `±m · 2^(pos − 2148)` for an `m` that, shifted left by up to 31 bits, fits in `N`
    /// limbs (N ≤ 5).
    #[inline(always)]
    fn add_bits<const N: usize>(&mut self, m: u128, pos: usize, neg: bool) {
        let limb = pos / LIMB_BITS as usize;
        let shift = (pos % LIMB_BITS as usize) as u32;
        let low = m << shift;
        let high = if shift == 0 { 0 } else { m >> (128 - shift) };
        self.cover(limb, limb + N);
        for k in 0..N {
            let piece = if k < 4 {
                ((low >> (LIMB_BITS as usize * k)) as i64) & LIMB_MASK
            } else {
                high as i64
            };
            if let Some(l) = self.limbs.get_mut(limb + k - self.base) {
                *l += if neg { -piece } else { piece };
            }
        }
        self.adds += 1;
        if self.adds >= CARRY_EVERY {
            self.carry();
        }
    }

    /// Makes sure that absolute limbs `lo..hi` exist (one spare limb on top for carries).
    #[inline(always)]
    fn cover(&mut self, lo: usize, hi: usize) {
        if lo < self.base || hi + 1 > self.base + self.limbs.len() {
            self.grow(lo, hi);
        }
    }

    /// [`ExactSum::cover`] when the limbs must grow (rarely: the first additions of a sum).
    #[inline(never)]
    fn grow(&mut self, lo: usize, hi: usize) {
        if self.limbs.is_empty() {
            self.base = lo;
            self.limbs = vec![0; hi - lo + 1];
            return;
        }
        if lo < self.base {
            let grow = self.base - lo;
            self.limbs.splice(0..0, std::iter::repeat_n(0, grow));
            self.base = lo;
        }
        let end = self.base + self.limbs.len();
        if hi + 1 > end {
            self.limbs.resize(hi + 1 - self.base, 0);
        }
    }

    /// Propagates carries so that every limb but the top one is in `0..2^32` and the top one
    /// has headroom for another [`CARRY_EVERY`] additions.
    fn carry(&mut self) {
        self.adds = 0;
        let mut k = 0;
        while k + 1 < self.limbs.len() {
            let c = self.limbs[k] >> LIMB_BITS;
            self.limbs[k] -= c << LIMB_BITS;
            self.limbs[k + 1] += c;
            k += 1;
        }
        let headroom = -(1i64 << LIMB_BITS)..(1i64 << LIMB_BITS);
        if let Some(top) = self.limbs.last_mut().filter(|t| !headroom.contains(*t)) {
            let c = *top >> LIMB_BITS;
            *top -= c << LIMB_BITS;
            self.limbs.push(c);
        }
    }

    /// True when no term was infinite or NaN (the sum itself may still be beyond f64).
    pub fn is_finite(&self) -> bool {
        !(self.nan || self.pos_inf || self.neg_inf)
    }

    /// What IEEE arithmetic makes of the non-finite terms: NaN for a NaN or +∞ + −∞, else ±∞;
    /// `None` when every term is finite.
    fn special(&self) -> Option<f64> {
        if self.nan || (self.pos_inf && self.neg_inf) {
            Some(f64::NAN)
        } else if self.pos_inf {
            Some(f64::INFINITY)
        } else if self.neg_inf {
            Some(f64::NEG_INFINITY)
        } else {
            None
        }
    }

    /// The finite sum as `(negative, m, sticky, exp)`: `|sum| = (m + δ) · 2^exp` with the top
    /// 96 bits in `m` (whose top limb is not zero) and `0 < δ < 1` exactly when `sticky`;
    /// `None` for zero.
    fn parts(&self) -> Option<(bool, u128, bool, i64)> {
        let mut s = self.clone();
        s.carry();
        let negative = s.limbs.last().is_some_and(|&t| t < 0);
        if negative {
            for l in &mut s.limbs {
                *l = -*l;
            }
            s.carry();
        }
        let top = s.limbs.iter().rposition(|&l| l != 0)?;
        // Gather the top three limbs (96 bits) and whether anything lies below them.
        let limb = |k: usize| -> u128 { s.limbs.get(k).map_or(0, |&l| l as u64 as u128) };
        let lowest = top.saturating_sub(2);
        let mut m: u128 = 0;
        for k in (lowest..=top).rev() {
            m = (m << LIMB_BITS) | limb(k);
        }
        let sticky = s.limbs.iter().take(lowest).any(|&l| l != 0);
        let exp = i64::from(LIMB_BITS) * (s.base + lowest) as i64 + UNIT_EXP;
        Some((negative, m, sticky, exp))
    }

    /// The sum rounded to the nearest f64 (ties to even); ±∞ on overflow or infinite terms,
    /// NaN for NaN terms or +∞ + −∞.
    pub fn round(&self) -> f64 {
        self.round_scaled(0)
    }

    /// `sum · 2^-k` rounded to the nearest f64 (ties to even), as [`ExactSum::round`]: one
    /// rounding, so a sum beyond f64's range (or below its subnormals) can be brought back.
    pub fn round_scaled(&self, k: i64) -> f64 {
        if let Some(v) = self.special() {
            return v;
        }
        match self.parts() {
            None => 0.0,
            Some((negative, m, sticky, exp)) => {
                let magnitude = round_bits(m, sticky, exp.saturating_sub(k));
                if negative { -magnitude } else { magnitude }
            }
        }
    }

    /// `floor(log2 |sum|)`; `None` for zero or non-finite terms.
    pub fn log2(&self) -> Option<i64> {
        if self.special().is_some() {
            return None;
        }
        let (_, m, _, exp) = self.parts()?;
        Some(exp + 127 - i64::from(m.leading_zeros()))
    }

    /// The sum as a double-double: `hi` correctly rounded, `lo` the rounded remainder.
    pub fn round_dd(&self) -> DoubleDouble {
        self.round_dd_scaled(0)
    }

    /// `sum · 2^-k` as a double-double: `hi` correctly rounded, `lo` the rounded remainder.
    pub fn round_dd_scaled(&self, k: i64) -> DoubleDouble {
        let [hi, lo] = self.round_parts_scaled(k);
        DoubleDouble { hi, lo }
    }

    /// `sum · 2^-k` as `N` f64 parts: the first correctly rounded, each next one the rounded
    /// remainder of those before it (zeros after a part that is 0 or not finite). Three parts
    /// hold any sum of up to 159 significant bits exactly (more than a double-double's 106).
    pub fn round_parts_scaled<const N: usize>(&self, k: i64) -> [f64; N] {
        let mut parts = [0.0; N];
        let mut rest = self.clone();
        for (i, part) in parts.iter_mut().enumerate() {
            let p = rest.round_scaled(k);
            *part = p;
            if !p.is_finite() || p == 0.0 || i + 1 == N {
                break;
            }
            // −p · 2^k exactly: p rounds a multiple of 2^-2148 (scaled) to fewer bits, so it is
            // one too; drop its trailing zero bits so that its lowest bit has a place.
            let (m, e) = decompose(p);
            let zeros = m.trailing_zeros();
            let pos = e + i64::from(zeros) + k - UNIT_EXP;
            if let Ok(pos) = usize::try_from(pos) {
                rest.add_bits::<3>(u128::from(m >> zeros), pos, p > 0.0);
            }
        }
        parts
    }
}

/// `(m + δ) · 2^exp` (`m` non-zero, below 2^96; `0 < δ < 1` when `sticky`) rounded to the
/// nearest f64, ties to even: to 53 bits, or to fewer when the result is subnormal (so that it
/// is rounded once), ±∞ past f64::MAX.
fn round_bits(m: u128, sticky: bool, exp: i64) -> f64 {
    let bits = 128 - i64::from(m.leading_zeros());
    let top = exp.saturating_add(bits - 1);
    if top > 1023 {
        return f64::INFINITY;
    }
    // The lowest bit the result can keep, and how many bits of m lie below it.
    let low = (top - 52).max(-1074);
    let shift = low - exp;
    if shift <= 0 {
        // At most 53 bits at or above 2^-1074 and nothing below (sticky needs m ≥ 2^64): exact.
        return scale(m as f64, exp);
    }
    if shift > bits {
        // Below half of the smallest subnormal.
        return 0.0;
    }
    let shift = shift as u32;
    let rem = m & ((1u128 << shift) - 1);
    let half = 1u128 << (shift - 1);
    let mut q = m >> shift;
    if rem > half || (rem == half && (sticky || q & 1 == 1)) {
        q += 1;
    }
    scale(q as f64, low)
}

/// `m · 2^exp` for an integer-valued `m` of at most 53 bits (or 2^53) and `exp` in
/// −1074..=1023: exact whenever the result is representable (a subnormal result is produced by
/// one final, exact step), ∞ when it is not.
fn scale(m: f64, exp: i64) -> f64 {
    if exp < -1022 {
        m * pow2((exp + 1022) as i32) * pow2(-1022)
    } else {
        m * pow2(exp.min(1023) as i32)
    }
}

/// 2^k for k in −1022..=1023 (clamped to that range).
pub(crate) const fn pow2(k: i32) -> f64 {
    let k = if k < -1022 {
        -1022
    } else if k > 1023 {
        1023
    } else {
        k
    };
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// `x · 2^k` for any `k`, rounded once when the result is subnormal; `k = 0` returns `x`
/// itself at the cost of one test (finishing calls it for every cell).
#[inline(always)]
pub(crate) fn ldexp(x: f64, k: i64) -> f64 {
    if k == 0 { x } else { ldexp_steps(x, k) }
}

/// [`ldexp`] for `k ≠ 0`: in steps of at most 2^1023 so that no factor overflows.
#[cold]
#[inline(never)]
fn ldexp_steps(x: f64, k: i64) -> f64 {
    let mut x = x;
    let mut k = k;
    while k > 1023 {
        x *= pow2(1023);
        k -= 1023;
    }
    while k < -1022 {
        // Leave the last step (possibly into the subnormals) for last.
        let step = (k + 1022).max(-1022);
        x *= pow2(step as i32);
        k -= step;
    }
    x * pow2(k as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exact_sum_cancels_and_rounds() {
        let mut s = ExactSum::default();
        for v in [1e300, 1.0, -1e300, 1e-300, f64::from_bits(1)] {
            s.add(v);
        }
        assert_eq!(s.round(), 1.0);
        let mut t = ExactSum::default();
        t.add(1.0);
        t.add(2.0f64.powi(-53)); // exactly half an ulp of 1: ties to even, stays 1
        assert_eq!(t.round(), 1.0);
        t.add(2.0f64.powi(-200)); // now just above the tie: rounds up
        assert_eq!(t.round(), 1.0 + f64::EPSILON);
        let mut u = ExactSum::from_f64(-3.5);
        u.add(0.25);
        assert_eq!(u.round(), -3.25);
        assert_eq!(ExactSum::default().round(), 0.0);
        let mut tiny = ExactSum::from_f64(f64::MIN_POSITIVE);
        tiny.add(-(f64::from_bits(1)));
        assert_eq!(tiny.round(), f64::MIN_POSITIVE - f64::from_bits(1));
        let mut big = ExactSum::from_f64(f64::MAX);
        big.add(f64::MAX);
        assert_eq!(big.round(), f64::INFINITY);
    }

    #[test]
    fn exact_sum_tracks_infinities() {
        let mut s = ExactSum::from_f64(f64::INFINITY);
        s.add(1.0);
        assert_eq!(s.round(), f64::INFINITY);
        s.add(f64::NEG_INFINITY);
        assert!(s.round().is_nan());
    }

    #[test]
    fn products_are_exact_at_any_magnitude() {
        // (1e200)² and (1e-200)² are far outside f64: scaled back, they are exact.
        let mut s = ExactSum::default();
        s.add_product(1e200, 1e200);
        assert_eq!(s.round(), f64::INFINITY);
        assert_eq!(s.log2(), Some(1328));
        let y = 1e200 * 2f64.powi(-664);
        assert_eq!(s.round_scaled(1328), y * y);
        let tiny = f64::from_bits(1);
        let mut t = ExactSum::default();
        t.add_product(tiny, tiny);
        t.add_product(3.0 * tiny, tiny);
        assert_eq!(t.round(), 0.0);
        assert_eq!(t.log2(), Some(-2146));
        assert_eq!(t.round_scaled(-2148), 4.0);
        // w · x² with a subnormal x (the weight's own bits start at 2^0).
        let mut w = ExactSum::default();
        w.add_weighted_square(3.0, tiny);
        assert_eq!(w.round_scaled(-2148), 3.0);
        w.add_weighted_square(2.0f64.powi(40), 1.5);
        assert_eq!(w.round(), 2.25 * 2f64.powi(40));
        // Infinities as IEEE: ∞ · 0 is NaN.
        let mut i = ExactSum::default();
        i.add_product(f64::INFINITY, -2.0);
        assert_eq!(i.round(), f64::NEG_INFINITY);
        i.add_product(f64::INFINITY, 0.0);
        assert!(i.round().is_nan() && !i.is_finite());
    }

    #[test]
    fn rounding_into_the_subnormals_is_single() {
        // 3 · 2^-1076 = 0.75 · 2^-1074: rounds once to 2^-1074 (not 0, not via 2^-1075).
        let mut s = ExactSum::default();
        s.add_product(3.0 * 2f64.powi(-538), 2f64.powi(-538));
        assert_eq!(s.round(), f64::from_bits(1));
        // Exactly half of the smallest subnormal: ties to even, 0; a hair above: up.
        let mut h = ExactSum::default();
        h.add_product(2f64.powi(-538), 2f64.powi(-537));
        assert_eq!(h.round(), 0.0);
        h.add_product(f64::from_bits(1), f64::from_bits(1));
        assert_eq!(h.round(), f64::from_bits(1));
        // Past f64::MAX by less than half an ulp (2^970): MAX; by more: ∞.
        let mut m = ExactSum::from_f64(f64::MAX);
        m.add(2f64.powi(969));
        m.add(2f64.powi(968));
        m.add(2f64.powi(900));
        assert_eq!(m.round(), f64::MAX);
        m.add(2f64.powi(968) - 2f64.powi(900));
        assert_eq!(m.round(), f64::INFINITY);
        // A double-double of a scaled sum: hi and the remainder.
        let mut d = ExactSum::default();
        d.add_product(1e300, 1e300);
        d.add_product(1.0, 1.0);
        let dd = d.round_dd_scaled(d.log2().unwrap_or(0));
        assert!((1.0..2.0).contains(&dd.hi) && dd.lo != 0.0);
    }

    #[test]
    fn ldexp_scales_in_steps() {
        assert_eq!(ldexp(1.5, 0), 1.5);
        assert_eq!(ldexp(1.0, 2000), f64::INFINITY);
        assert_eq!(ldexp(2f64.powi(1000), -2000), 2f64.powi(-1000));
        assert_eq!(ldexp(3.0, -1076), f64::from_bits(1)); // 0.75 ulp: rounded once, up
        assert_eq!(ldexp(f64::from_bits(1), 2097), 2f64.powi(1023));
    }

    #[test]
    fn three_parts_hold_what_a_double_double_drops() {
        let mut s = ExactSum::from_f64(1.0);
        s.add(pow2(-60));
        s.add(pow2(-130));
        let dd = s.round_dd();
        assert_eq!((dd.hi, dd.lo), (1.0, pow2(-60)));
        assert_eq!(s.round_parts_scaled::<3>(0), [1.0, pow2(-60), pow2(-130)]);
        assert_eq!(
            s.round_parts_scaled::<3>(10),
            [pow2(-10), pow2(-70), pow2(-140)]
        );
        assert_eq!(
            ExactSum::from_f64(3.0).round_parts_scaled::<3>(0),
            [3.0, 0.0, 0.0]
        );
    }

    #[test]
    fn double_double_remainder_is_exact() {
        let mut s = ExactSum::from_f64(1.0);
        s.add(1e-20);
        let dd = s.round_dd();
        assert_eq!((dd.hi, dd.lo), (1.0, 1e-20));
        let (p, e) = two_prod(0.1, 0.1);
        let mut t = ExactSum::from_f64(p);
        t.add(e);
        assert_eq!(t.round(), p);
        assert_ne!(e, 0.0);
    }

    proptest::proptest! {
        /// TwoProduct by FMA gives Dekker's pair wherever the product's exact error is
        /// representable: the SD quick loop takes either (by CPU), and must not change a result.
        /// Operands `k · 2^e` whose lowest bits multiply to at least 2^-1074 (as the quick
        /// loop's are), products from well inside the normals down to the subnormals.
        #[test]
        fn fused_two_prod_matches_dekker(
            ka in prop_oneof![1i64..1 << 20, 1i64..1 << 53],
            kb in prop_oneof![1i64..1 << 20, 1i64..1 << 53],
            ea in -700i64..400,
            shift in 0i64..1200,
            negative: bool,
        ) {
            // eb ≥ −1074 − ea: the lowest bits of a and b multiply to at least 2^-1074.
            let eb = (-1074 - ea + shift).min(400);
            let a = ldexp(ka as f64, ea);
            let b = ldexp(if negative { -kb } else { kb } as f64, eb);
            let dekker = two_prod(a, b);
            let fused = two_prod_fused(a, b);
            prop_assert_eq!(dekker.0.to_bits(), fused.0.to_bits());
            prop_assert_eq!(dekker.1.to_bits(), fused.1.to_bits(), "{} · {}", a, b);
            let x = DoubleDouble { hi: a, lo: a * pow2(-60) };
            let y = DoubleDouble::from_f64(b);
            let (m, f) = (x.mul::<false>(y), x.mul::<true>(y));
            prop_assert_eq!(m.hi.to_bits(), f.hi.to_bits());
            prop_assert_eq!(m.lo.to_bits(), f.lo.to_bits());
        }
    }
}
