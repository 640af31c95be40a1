//! Integer helpers for lining up counts of rows and columns: block heights, factors, tiles.

/// The greatest common divisor of `a` and `b` (`gcd(a, 0) = a`).
pub fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// The least common multiple of `a` and `b`, saturating at `u64::MAX`; with a zero, the other
/// (a count of zero lines nothing up).
pub fn lcm(a: u64, b: u64) -> u64 {
    if a == 0 || b == 0 {
        return a.max(b);
    }
    (a / gcd(a, b)).saturating_mul(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn divisors_and_multiples() {
        assert_eq!(gcd(12, 18), 6);
        assert_eq!(gcd(7, 0), 7);
        assert_eq!(lcm(5, 256), 1280);
        assert_eq!(lcm(144, 48), 144);
        assert_eq!(lcm(0, 9), 9);
        assert_eq!(lcm(u64::MAX - 1, u64::MAX), u64::MAX);
    }
}
