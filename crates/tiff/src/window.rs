//! Reading any pixel window of one band: only the blocks the window touches are decoded, in
//! parallel (rayon) when it touches several, and their pixels copied into place.

use crate::error::{DecodeError, Result};
use crate::file::{Decoded, Scratch, TiffFile, with_scratch};
use crate::image::Interleave;
use rastagg_raster::{Sample, Window, with_sample_type};
use rayon::prelude::*;

/// Copies the samples of band `band` from `src` (native-endian pixels of `spp` samples of `T`)
/// to `dst`, one per pixel, converted by `conv`, until either runs out.
#[inline]
pub(crate) fn copy_samples<T: Sample, O>(
    src: &[u8],
    spp: usize,
    band: usize,
    dst: &mut [O],
    conv: impl Fn(T) -> O,
) {
    if spp == 1 {
        for (d, s) in dst.iter_mut().zip(src.chunks_exact(T::SIZE)) {
            *d = conv(T::from_ne_slice(s).unwrap_or_default());
        }
    } else {
        let start = band * T::SIZE;
        for (d, px) in dst.iter_mut().zip(src.chunks_exact(T::SIZE * spp)) {
            let s = px.get(start..start + T::SIZE).unwrap_or_default();
            *d = conv(T::from_ne_slice(s).unwrap_or_default());
        }
    }
}

/// The geometry of one window read.
struct Plan {
    window: Window,
    band: usize,
    bw: u64,
    bh: u64,
    across: u64,
    spp: usize,
    band_in_block: usize,
    bx0: u64,
    bx1: u64,
    /// Each block row is one whole window row (one sample per pixel, the window as wide as
    /// the image and the blocks): blocks whose rows all lie in the window decode in place.
    whole_rows: bool,
}

impl TiffFile {
    /// Reads `window` of `band` (0-based) as a new row-major buffer of `window.cols ×
    /// window.rows` values, decoding only the blocks it touches. `T` must be
    /// `info().sample_type`.
    pub fn read_window<T: Sample>(&self, band: usize, window: Window) -> Result<Vec<T>> {
        self.check_type::<T>()?;
        let len = self.window_len(window, T::SIZE)?;
        let mut out = vec![T::default(); len];
        self.read_window_into(band, window, &mut out)?;
        Ok(out)
    }

    /// Reads `window` of `band` into `out` (exactly `window.cols × window.rows` values,
    /// row-major). `T` must be `info().sample_type`.
    pub fn read_window_into<T: Sample>(
        &self,
        band: usize,
        window: Window,
        out: &mut [T],
    ) -> Result<()> {
        self.check_type::<T>()?;
        self.read_converted(band, window, out, |v: T| v)
    }

    /// Reads `window` of `band` converted to f64, whatever the sample type (exact but for 64-bit
    /// integers beyond 2^53).
    pub fn read_window_f64(&self, band: usize, window: Window) -> Result<Vec<f64>> {
        let len = self.window_len(window, 8)?;
        let mut out = vec![0f64; len];
        with_sample_type!(self.info().sample_type, T => {
            self.read_converted(band, window, &mut out[..], T::to_f64)
        })?;
        Ok(out)
    }

    /// The number of values of `window`, checked against the window-size limit.
    fn window_len(&self, window: Window, size: usize) -> Result<usize> {
        let max = self.limits().max_window_bytes;
        window
            .len()
            .filter(|&n| {
                (n as u64)
                    .checked_mul(size as u64)
                    .is_some_and(|b| b <= max)
            })
            .ok_or_else(|| {
                self.err(DecodeError::Limit(format!(
                    "a window of {}x{} values of {size} bytes exceeds the {max}-byte window limit",
                    window.cols, window.rows
                )))
            })
    }

    /// Reads `window` of `band` into `out`, each sample of type `T` converted by `conv`, which
    /// must be the identity when `O` is `T` (such blocks may be decoded in place).
    fn read_converted<T: Sample, O: Sample>(
        &self,
        band: usize,
        window: Window,
        out: &mut [O],
        conv: impl Fn(T) -> O + Copy + Send + Sync,
    ) -> Result<()> {
        let info = self.info();
        let usage = |msg: String| self.err(DecodeError::Usage(msg));
        if band >= info.bands {
            return Err(usage(format!(
                "band {band} out of range (the image has {} bands, numbered from 0)",
                info.bands
            )));
        }
        if !window.fits_in(info.width, info.height) {
            return Err(usage(format!(
                "window {}x{} at ({}, {}) lies outside the {}x{} image",
                window.cols, window.rows, window.x, window.y, info.width, info.height
            )));
        }
        if window.len() != Some(out.len()) {
            return Err(usage(format!(
                "buffer of {} values for a window of {}x{}",
                out.len(),
                window.cols,
                window.rows
            )));
        }
        if window.is_empty() {
            return Ok(());
        }
        let (bw, bh) = (info.block_width, info.block_height);
        let plan = Plan {
            window,
            band,
            bw,
            bh,
            across: info.blocks_across(),
            spp: info.block_spp() as usize,
            band_in_block: if info.interleave == Interleave::Pixel {
                band
            } else {
                0
            },
            bx0: window.x / bw,
            bx1: (window.x + window.cols - 1) / bw,
            whole_rows: info.block_spp() == 1 && window.x == 0 && window.cols == bw,
        };
        let (by0, by1) = (window.y / bh, (window.y + window.rows - 1) / bh);
        // One slab of output rows per block row.
        let mut slabs = Vec::new();
        let mut rest = out;
        for by in by0..=by1 {
            let r0 = window.y.max(by * bh);
            let r1 = (window.y + window.rows).min((by + 1) * bh);
            let n = ((r1 - r0) * window.cols) as usize;
            let (slab, tail) = rest.split_at_mut(n.min(rest.len()));
            slabs.push((by, r0, slab));
            rest = tail;
        }
        let fill = conv(self.fill_value::<T>());
        let result = if slabs.len() > 1 {
            slabs.into_par_iter().try_for_each(|(by, r0, slab)| {
                with_scratch(|scratch| self.fill_slab(&plan, by, r0, slab, conv, fill, scratch))
            })
        } else if plan.bx1 > plan.bx0 {
            slabs.into_iter().try_for_each(|(by, r0, slab)| {
                self.fill_slab_parallel(&plan, by, r0, slab, conv, fill)
            })
        } else {
            slabs.into_iter().try_for_each(|(by, r0, slab)| {
                with_scratch(|scratch| self.fill_slab(&plan, by, r0, slab, conv, fill, scratch))
            })
        };
        result.map_err(|e| self.err(e))?;
        let blocks =
            (by0..=by1).flat_map(|by| (plan.bx0..=plan.bx1).map(move |bx| by * plan.across + bx));
        self.release_blocks(band, blocks);
        Ok(())
    }

    /// Fills the output rows of block row `by` (starting at image row `r0`), decoding its
    /// blocks one after the other.
    #[allow(clippy::too_many_arguments)]
    fn fill_slab<T: Sample, O: Sample>(
        &self,
        plan: &Plan,
        by: u64,
        r0: u64,
        slab: &mut [O],
        conv: impl Fn(T) -> O + Copy,
        fill: O,
        scratch: &mut Scratch,
    ) -> std::result::Result<(), DecodeError> {
        for bx in plan.bx0..=plan.bx1 {
            let index = by * plan.across + bx;
            // (`conv` is the identity when `O` is `T`.)
            if plan.whole_rows
                && O::TYPE == T::TYPE
                && r0 == by * plan.bh
                && self.decode_into(
                    plan.band,
                    index,
                    bytemuck::cast_slice_mut(slab),
                    &mut scratch.row,
                )?
            {
                continue;
            }
            let src = match self.decode_raw(plan.band, index, scratch)? {
                Decoded::Sparse => None,
                Decoded::Stored(b) => Some(b),
                Decoded::Scratch => Some(&scratch.block[..]),
            };
            place(plan, bx, by, r0, src, slab, conv, fill);
        }
        Ok(())
    }

    /// Like [`TiffFile::fill_slab`], decoding the blocks in parallel into their own buffers.
    fn fill_slab_parallel<T: Sample, O: Copy>(
        &self,
        plan: &Plan,
        by: u64,
        r0: u64,
        slab: &mut [O],
        conv: impl Fn(T) -> O + Copy,
        fill: O,
    ) -> std::result::Result<(), DecodeError> {
        let blocks: Vec<Option<Vec<u8>>> = (plan.bx0..=plan.bx1)
            .into_par_iter()
            .map(|bx| {
                let mut scratch = Scratch::default();
                Ok(
                    match self.decode_raw(plan.band, by * plan.across + bx, &mut scratch)? {
                        Decoded::Sparse => None,
                        Decoded::Stored(b) => Some(b.to_vec()),
                        Decoded::Scratch => Some(scratch.block),
                    },
                )
            })
            .collect::<std::result::Result<_, DecodeError>>()?;
        for (bx, block) in (plan.bx0..=plan.bx1).zip(&blocks) {
            place(plan, bx, by, r0, block.as_deref(), slab, conv, fill);
        }
        Ok(())
    }
}

/// Copies the part of block (`bx`, `by`) that the window needs into `slab` (the window's rows
/// from image row `r0` on); `src` is the decoded block, `None` for a sparse one (`fill`).
#[allow(clippy::too_many_arguments)]
fn place<T: Sample, O: Copy>(
    plan: &Plan,
    bx: u64,
    by: u64,
    r0: u64,
    src: Option<&[u8]>,
    slab: &mut [O],
    conv: impl Fn(T) -> O + Copy,
    fill: O,
) {
    let w = plan.window;
    let cols = w.cols as usize;
    let rows = slab.len() / cols.max(1);
    // Columns of the window this block covers, in image coordinates.
    let c0 = w.x.max(bx * plan.bw);
    let c1 = (w.x + w.cols).min((bx + 1) * plan.bw);
    let (dst_x, n) = ((c0 - w.x) as usize, (c1 - c0) as usize);
    let block_row_bytes = plan.bw as usize * plan.spp * T::SIZE;
    let x_in_block = (c0 - bx * plan.bw) as usize;
    let y_in_block = (r0 - by * plan.bh) as usize;
    for (r, dst_row) in slab.chunks_exact_mut(cols).take(rows).enumerate() {
        let Some(dst) = dst_row.get_mut(dst_x..dst_x + n) else {
            continue;
        };
        match src {
            None => dst.fill(fill),
            Some(block) => {
                let start = (y_in_block + r) * block_row_bytes + x_in_block * plan.spp * T::SIZE;
                let s = block.get(start..).unwrap_or_default();
                copy_samples(s, plan.spp, plan.band_in_block, dst, conv);
            }
        }
    }
}
