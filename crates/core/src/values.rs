//! Statistics over a cell's sorted valid values: quantiles and mode.

use crate::pixel::Pixel;
use crate::stat::Quantile;

/// GDAL's quantile of sorted values: index `ceil(q·n) − 1` (clamped to 0), computed exactly in
/// integers as `ceil(percent·n / 100) − 1`. `None` for no value.
pub(crate) fn quantile_gdal<T: Copy>(sorted: &[T], q: Quantile) -> Option<T> {
    let n = sorted.len() as u128;
    let idx = (u128::from(q.percent()) * n)
        .div_ceil(100)
        .saturating_sub(1);
    sorted.get(usize::try_from(idx).ok()?).copied()
}

/// numpy's `linear` quantile of sorted values (numpy 1.22+, as
/// `np.quantile(values.astype(float64), q)` computes it, including its two-sided lerp).
pub(crate) fn quantile_linear<T: Pixel>(sorted: &[T], q: Quantile) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let virtual_index = last as f64 * q.fraction();
    let prev = (virtual_index.floor() as usize).min(last);
    let next = (prev + 1).min(last);
    let gamma = virtual_index - prev as f64;
    let a = sorted.get(prev)?.to_f64();
    let b = sorted.get(next)?.to_f64();
    let diff = b - a;
    Some(if gamma >= 0.5 {
        b - diff * (1.0 - gamma)
    } else {
        a + diff * gamma
    })
}

/// The most frequent of sorted values, ties to the smallest. `None` for no value.
pub(crate) fn mode<T: Pixel>(sorted: &[T]) -> Option<T> {
    let mut best = *sorted.first()?;
    let mut best_run = 0usize;
    let mut start = 0usize;
    while start < sorted.len() {
        let v = sorted[start];
        let run = sorted[start..].iter().take_while(|&&x| x == v).count();
        if run > best_run {
            best = v;
            best_run = run;
        }
        start += run.max(1);
    }
    Some(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gdal_quantiles_pick_real_samples() {
        let v = [1.0f32, 2.0, 3.0, 4.0];
        assert_eq!(quantile_gdal(&v, Quantile::Median), Some(2.0)); // lower middle
        assert_eq!(quantile_gdal(&v, Quantile::Q1), Some(1.0));
        assert_eq!(quantile_gdal(&v, Quantile::Q3), Some(3.0));
        assert_eq!(quantile_gdal(&v, Quantile::Percentile(0)), Some(1.0));
        assert_eq!(quantile_gdal(&v, Quantile::Percentile(100)), Some(4.0));
        assert_eq!(quantile_gdal(&[7u8, 8, 9], Quantile::Median), Some(8));
        assert_eq!(quantile_gdal::<u8>(&[], Quantile::Median), None);
    }

    #[test]
    fn linear_quantiles_interpolate() {
        let v = [1.0f32, 2.0, 3.0, 4.0];
        assert_eq!(quantile_linear(&v, Quantile::Median), Some(2.5));
        assert_eq!(quantile_linear(&v, Quantile::Q1), Some(1.75));
        assert_eq!(quantile_linear(&v, Quantile::Percentile(100)), Some(4.0));
        assert_eq!(
            quantile_linear(&[5i16], Quantile::Percentile(90)),
            Some(5.0)
        );
    }

    #[test]
    fn mode_ties_go_to_the_smallest() {
        assert_eq!(mode(&[1u8, 2, 2, 3, 3]), Some(2));
        assert_eq!(mode(&[1.5f64, 4.0, 4.0, 4.0]), Some(4.0));
        assert_eq!(mode(&[9i32]), Some(9));
        assert_eq!(mode::<u8>(&[]), None);
    }
}
